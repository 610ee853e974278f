#ifndef BACKSTOP_CIMAGECODECS_INTERNAL_H
#define BACKSTOP_CIMAGECODECS_INTERNAL_H

/* Helpers shared by the shims; not part of the module's public header. */

#include "CImageCodecs.h"

#include <stdarg.h>
#include <stdio.h>

/* Size arithmetic below is done in size_t; these prove the limits fit. */
_Static_assert(sizeof(size_t) >= 8, "CImageCodecs assumes a 64-bit size_t");
_Static_assert((uint64_t)CImageCodecs_maxPixels * 3u < (uint64_t)INT32_MAX * 16u,
               "width * height * 3 fits comfortably in size_t");
_Static_assert(CImageCodecs_maxSide * 3 < INT32_MAX, "a row's byte count fits in int32_t");

/** Writes a printf-style message into the caller's error buffer (when there is one) and returns status. */
static inline __attribute__((format(printf, 4, 5))) CImageCodecs_Status
cimagecodecs_fail(CImageCodecs_Status status, char *error, size_t errorCapacity, const char *format, ...) {
    if (error != NULL && errorCapacity > 0) {
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(error, errorCapacity, format, arguments);
        va_end(arguments);
    }
    return status;
}

/** Checks dimensions against the library's limits. */
static inline CImageCodecs_Status cimagecodecs_checkSize(uint64_t width, uint64_t height, const char *what,
                                                         char *error, size_t errorCapacity) {
    if (width == 0 || height == 0) {
        return cimagecodecs_fail(CImageCodecs_invalidData, error, errorCapacity, "%s has zero size (%llux%llu)",
                                 what, (unsigned long long)width, (unsigned long long)height);
    }
    if (width > CImageCodecs_maxSide || height > CImageCodecs_maxSide || width * height > CImageCodecs_maxPixels) {
        return cimagecodecs_fail(CImageCodecs_tooLarge, error, errorCapacity,
                                 "%s is %llux%llu, over the limit of %d pixels per side or %d pixels in all", what,
                                 (unsigned long long)width, (unsigned long long)height, CImageCodecs_maxSide,
                                 CImageCodecs_maxPixels);
    }
    return CImageCodecs_ok;
}

#endif
