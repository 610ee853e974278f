#include "CImageCodecs.h"

#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
#include <png.h>

#define CIMAGECODECS_STRINGIFY_(x) #x
#define CIMAGECODECS_STRINGIFY(x) CIMAGECODECS_STRINGIFY_(x)

int CImageCodecs_jpegLibVersion(void) { return JPEG_LIB_VERSION; }

const char *CImageCodecs_jpegTurboVersion(void) {
#ifdef LIBJPEG_TURBO_VERSION
    /* jconfig.h defines it as a bare token sequence (2.1.5), not a string literal. */
    return CIMAGECODECS_STRINGIFY(LIBJPEG_TURBO_VERSION);
#else
    return "";
#endif
}

const char *CImageCodecs_pngVersion(void) { return png_get_libpng_ver(NULL); }

void CImageCodecs_free(void *buffer) { free(buffer); }
