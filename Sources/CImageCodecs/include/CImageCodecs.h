#ifndef BACKSTOP_CIMAGECODECS_H
#define BACKSTOP_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

/* Whole-operation wrappers around libjpeg(-turbo) and libpng. libjpeg reports fatal errors through
   longjmp, which Swift cannot catch, so every function here owns its setjmp and returns a status.
   Every exported symbol starts with CImageCodecs_. */

/** The libjpeg version the library was built against (JPEG_LIB_VERSION, e.g. 62) and libjpeg-turbo's
    version string when present. */
int CImageCodecs_jpegLibVersion(void);

/** The libpng version string of the library loaded at run time (png_get_libpng_ver). */
const char *CImageCodecs_pngVersion(void);

#endif
