/* libpng through its simplified png_image_* API, which sets up its own setjmp internally and reports
   failure as a zero return with a message in image.message, so no longjmp ever reaches this file. */

#include "codecs_internal.h"

#include <stdlib.h>
#include <string.h>
#include <png.h>

_Static_assert(PNG_IMAGE_VERSION == 1, "CImageCodecs was written against png_image version 1");
_Static_assert(sizeof(png_alloc_size_t) == sizeof(size_t), "png_alloc_size_t is size_t");

static CImageCodecs_Status cimagecodecs_png_begin(png_image *image, const uint8_t *data, size_t size, char *error,
                                                  size_t errorCapacity) {
    if (data == NULL || size == 0) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity, "no PNG data given");
    }
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(image, data, size)) {
        CImageCodecs_Status status = cimagecodecs_fail(CImageCodecs_invalidData, error, errorCapacity,
                                                       "invalid PNG: %s", image->message);
        png_image_free(image);
        return status;
    }
    CImageCodecs_Status status = cimagecodecs_checkSize(image->width, image->height, "PNG", error, errorCapacity);
    if (status != CImageCodecs_ok) png_image_free(image);
    return status;
}

CImageCodecs_Status CImageCodecs_pngReadSize(const uint8_t *data, size_t size, int32_t *width, int32_t *height,
                                             char *error, size_t errorCapacity) {
    png_image image;
    CImageCodecs_Status status = cimagecodecs_png_begin(&image, data, size, error, errorCapacity);
    if (status == CImageCodecs_ok || status == CImageCodecs_tooLarge) {
        /* libpng itself refuses widths and heights above 2^31 - 1 (PNG_UINT_31_MAX). */
        if (width != NULL) *width = (int32_t)image.width;
        if (height != NULL) *height = (int32_t)image.height;
    }
    png_image_free(&image);
    return status;
}

CImageCodecs_Status CImageCodecs_pngDecode(const uint8_t *data, size_t size, CImageCodecs_Image *output,
                                           char *error, size_t errorCapacity) {
    if (output == NULL) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity, "no output image given");
    }
    png_image image;
    CImageCodecs_Status status = cimagecodecs_png_begin(&image, data, size, error, errorCapacity);
    if (status == CImageCodecs_ok || status == CImageCodecs_tooLarge) {
        output->width = (int32_t)image.width;
        output->height = (int32_t)image.height;
    }
    if (status != CImageCodecs_ok) return status;

    image.format = PNG_FORMAT_RGB;
    image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    size_t needed = PNG_IMAGE_SIZE(image);
    uint8_t *allocated = NULL;
    if (output->pixels == NULL) {
        allocated = malloc(needed);
        if (allocated == NULL) {
            png_image_free(&image);
            return cimagecodecs_fail(CImageCodecs_outOfMemory, error, errorCapacity,
                                     "out of memory for %ux%u PNG pixels", image.width, image.height);
        }
    } else if (output->capacity < needed) {
        png_image_free(&image);
        return cimagecodecs_fail(CImageCodecs_bufferTooSmall, error, errorCapacity,
                                 "pixel buffer holds %zu bytes, the %ux%u PNG needs %zu", output->capacity,
                                 image.width, image.height, needed);
    }
    uint8_t *pixels = allocated != NULL ? allocated : output->pixels;
    const png_color white = {255, 255, 255};
    if (!png_image_finish_read(&image, &white, pixels, 0, NULL)) {
        status = cimagecodecs_fail(CImageCodecs_invalidData, error, errorCapacity, "invalid PNG: %s", image.message);
        png_image_free(&image);
        free(allocated);
        return status;
    }
    png_image_free(&image);
    if (allocated != NULL) {
        output->pixels = allocated;
        output->capacity = needed;
    }
    return CImageCodecs_ok;
}

CImageCodecs_Status CImageCodecs_pngEncode(const uint8_t *pixels, int32_t width, int32_t height, int fast,
                                           uint8_t **output, size_t *outputSize, char *error, size_t errorCapacity) {
    if (pixels == NULL || output == NULL || outputSize == NULL) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity, "no pixels or output given");
    }
    if (width < 0 || height < 0) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity, "negative size %dx%d", width,
                                 height);
    }
    CImageCodecs_Status status = cimagecodecs_checkSize((uint64_t)width, (uint64_t)height, "image to encode", error,
                                                        errorCapacity);
    if (status != CImageCodecs_ok) return status;
    *output = NULL;
    *outputSize = 0;

    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_RGB;
    image.flags = fast ? PNG_IMAGE_FLAG_FAST : 0;
    /* The documented worst case (stored deflate blocks), so one pass always fits. */
    png_alloc_size_t capacity = PNG_IMAGE_PNG_SIZE_MAX(image);
    uint8_t *buffer = malloc(capacity);
    if (buffer == NULL) {
        return cimagecodecs_fail(CImageCodecs_outOfMemory, error, errorCapacity, "out of memory for %zu PNG bytes",
                                 (size_t)capacity);
    }
    png_alloc_size_t written = capacity;
    if (!png_image_write_to_memory(&image, buffer, &written, 0, pixels, 0, NULL)) {
        status = cimagecodecs_fail(CImageCodecs_invalidData, error, errorCapacity, "PNG encoding failed: %s",
                                   image.message[0] != '\0' ? image.message : "buffer too small");
        png_image_free(&image);
        free(buffer);
        return status;
    }
    png_image_free(&image);
    uint8_t *shrunk = realloc(buffer, written > 0 ? written : 1);
    *output = shrunk != NULL ? shrunk : buffer;
    *outputSize = written;
    return CImageCodecs_ok;
}
