#include "CImageCodecs.h"

#include <stdio.h>
#include <jpeglib.h>
#include <png.h>

int CImageCodecs_jpegLibVersion(void) { return JPEG_LIB_VERSION; }

const char *CImageCodecs_pngVersion(void) { return png_get_libpng_ver(NULL); }
