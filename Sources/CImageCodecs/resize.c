/* Separable resampling of 8-bit RGB: per axis, a table of source taps and weights for every destination
   index, box (area) weights when the axis shrinks and bilinear weights when it grows; a horizontal pass into
   a float buffer, then a vertical pass with rounding. */

#include "codecs_internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct cimagecodecs_taps {
    int32_t *start;  /* first source index per destination index */
    int32_t *count;  /* number of taps per destination index */
    float *weights;  /* destination index * stride + tap */
    int32_t stride;  /* maximum taps per destination index */
} cimagecodecs_taps;

static void cimagecodecs_taps_free(cimagecodecs_taps *taps) {
    free(taps->start);
    free(taps->count);
    free(taps->weights);
}

static int cimagecodecs_taps_make(cimagecodecs_taps *taps, int32_t source, int32_t destination) {
    double scale = (double)source / (double)destination;
    taps->stride = scale > 1.0 ? (int32_t)ceil(scale) + 1 : 2;
    taps->start = malloc(sizeof(int32_t) * (size_t)destination);
    taps->count = malloc(sizeof(int32_t) * (size_t)destination);
    taps->weights = calloc((size_t)destination * (size_t)taps->stride, sizeof(float));
    if (taps->start == NULL || taps->count == NULL || taps->weights == NULL) return 0;
    for (int32_t i = 0; i < destination; i++) {
        float *weights = taps->weights + (size_t)i * (size_t)taps->stride;
        if (scale > 1.0) {
            double low = i * scale, high = (i + 1) * scale;
            int32_t first = (int32_t)floor(low), last = (int32_t)ceil(high);
            if (last > source) last = source;
            int32_t n = 0;
            for (int32_t j = first; j < last && n < taps->stride; j++) {
                double covered = fmin(high, j + 1.0) - fmax(low, (double)j);
                weights[n++] = (float)(covered / scale);
            }
            taps->start[i] = first;
            taps->count[i] = n;
        } else {
            double x = (i + 0.5) * scale - 0.5;
            if (x < 0) x = 0;
            int32_t left = (int32_t)floor(x);
            if (left >= source - 1) {
                taps->start[i] = source - 1;
                taps->count[i] = 1;
                weights[0] = 1.0f;
            } else {
                float fraction = (float)(x - left);
                taps->start[i] = left;
                taps->count[i] = 2;
                weights[0] = 1.0f - fraction;
                weights[1] = fraction;
            }
        }
    }
    return 1;
}

CImageCodecs_Status CImageCodecs_resize(const uint8_t *source, int32_t srcWidth, int32_t srcHeight,
                                        uint8_t *destination, int32_t dstWidth, int32_t dstHeight, char *error,
                                        size_t errorCapacity) {
    if (source == NULL || destination == NULL) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity, "no pixels given");
    }
    if (srcWidth <= 0 || srcHeight <= 0 || dstWidth <= 0 || dstHeight <= 0) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity,
                                 "cannot resize %dx%d to %dx%d", srcWidth, srcHeight, dstWidth, dstHeight);
    }
    CImageCodecs_Status status = cimagecodecs_checkSize((uint64_t)srcWidth, (uint64_t)srcHeight, "source image",
                                                        error, errorCapacity);
    if (status == CImageCodecs_ok) {
        status = cimagecodecs_checkSize((uint64_t)dstWidth, (uint64_t)dstHeight, "resized image", error,
                                        errorCapacity);
    }
    if (status != CImageCodecs_ok) return status;

    cimagecodecs_taps horizontal = {0}, vertical = {0};
    float *rows = malloc(sizeof(float) * (size_t)srcHeight * (size_t)dstWidth * 3);
    if (rows == NULL || !cimagecodecs_taps_make(&horizontal, srcWidth, dstWidth) ||
        !cimagecodecs_taps_make(&vertical, srcHeight, dstHeight)) {
        free(rows);
        cimagecodecs_taps_free(&horizontal);
        cimagecodecs_taps_free(&vertical);
        return cimagecodecs_fail(CImageCodecs_outOfMemory, error, errorCapacity, "out of memory while resizing");
    }

    /* Horizontal: srcHeight rows of dstWidth float pixels. Tap indices stay inside [0, srcWidth). */
    for (int32_t y = 0; y < srcHeight; y++) {
        const uint8_t *in = source + (size_t)y * (size_t)srcWidth * 3;
        float *out = rows + (size_t)y * (size_t)dstWidth * 3;
        for (int32_t x = 0; x < dstWidth; x++, out += 3) {
            const float *w = horizontal.weights + (size_t)x * (size_t)horizontal.stride;
            const uint8_t *p = in + (size_t)horizontal.start[x] * 3;
            float r = 0, g = 0, b = 0;
            for (int32_t t = 0; t < horizontal.count[x]; t++, p += 3) {
                r += w[t] * p[0];
                g += w[t] * p[1];
                b += w[t] * p[2];
            }
            out[0] = r;
            out[1] = g;
            out[2] = b;
        }
    }
    /* Vertical, with rounding and clamping. */
    size_t rowFloats = (size_t)dstWidth * 3;
    for (int32_t y = 0; y < dstHeight; y++) {
        const float *w = vertical.weights + (size_t)y * (size_t)vertical.stride;
        const float *first = rows + (size_t)vertical.start[y] * rowFloats;
        uint8_t *out = destination + (size_t)y * rowFloats;
        for (size_t i = 0; i < rowFloats; i++) {
            float sum = 0;
            const float *p = first + i;
            for (int32_t t = 0; t < vertical.count[y]; t++, p += rowFloats) sum += w[t] * *p;
            sum += 0.5f;
            out[i] = sum <= 0 ? 0 : sum >= 255 ? 255 : (uint8_t)sum;
        }
    }
    free(rows);
    cimagecodecs_taps_free(&horizontal);
    cimagecodecs_taps_free(&vertical);
    return CImageCodecs_ok;
}
