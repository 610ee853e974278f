/* libjpeg(-turbo) behind whole-operation functions. libjpeg reports fatal errors by calling
   err->error_exit, which must not return; ours longjmps back into the function that owns the setjmp.
   Each operation keeps all of its state in a struct that lives in the *caller* of the setjmp function and
   is reached through a pointer, so nothing the cleanup reads is an automatic variable of the function that
   called setjmp (C11 7.13.2.1p3: such variables are indeterminate after longjmp unless volatile). */

#include "codecs_internal.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

_Static_assert(sizeof(JSAMPLE) == 1, "CImageCodecs expects 8-bit libjpeg samples");
_Static_assert(BITS_IN_JSAMPLE == 8, "CImageCodecs expects an 8-bit libjpeg build");
_Static_assert(sizeof(unsigned long) == sizeof(size_t), "jpeg_mem_src takes the size as unsigned long");

/* MARK: Error manager */

typedef struct cimagecodecs_jpeg_error {
    struct jpeg_error_mgr pub; /* must be first: libjpeg sees only this */
    jmp_buf jump;
    int strict;
    char message[JMSG_LENGTH_MAX];
} cimagecodecs_jpeg_error;

static void cimagecodecs_jpeg_error_exit(j_common_ptr cinfo) {
    cimagecodecs_jpeg_error *error = (cimagecodecs_jpeg_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, error->message);
    longjmp(error->jump, 1);
}

/* Warnings after which the decoded pixels are incomplete or wrong. */
static int cimagecodecs_jpeg_warning_corrupts_pixels(int code) {
    switch (code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_MUST_RESYNC:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        return 1;
    default:
        return 0;
    }
}

/* Replaces the default, which prints warnings to stderr. Trace messages (level > 0) are dropped. */
static void cimagecodecs_jpeg_emit_message(j_common_ptr cinfo, int level) {
    cimagecodecs_jpeg_error *error = (cimagecodecs_jpeg_error *)cinfo->err;
    if (level >= 0) return;
    cinfo->err->num_warnings++;
    if (error->strict && cimagecodecs_jpeg_warning_corrupts_pixels(cinfo->err->msg_code)) {
        (*cinfo->err->format_message)(cinfo, error->message);
        longjmp(error->jump, 1);
    }
}

static void cimagecodecs_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void cimagecodecs_jpeg_install_errors(cimagecodecs_jpeg_error *error, int strict) {
    jpeg_std_error(&error->pub);
    error->pub.error_exit = cimagecodecs_jpeg_error_exit;
    error->pub.emit_message = cimagecodecs_jpeg_emit_message;
    error->pub.output_message = cimagecodecs_jpeg_output_message;
    error->strict = strict;
    error->message[0] = '\0';
}

/* MARK: Decoding */

typedef struct cimagecodecs_jpeg_decode {
    cimagecodecs_jpeg_error error;
    struct jpeg_decompress_struct cinfo;
    int created;
    const uint8_t *data;
    size_t size;
    int headerOnly;
    int32_t minWidth, minHeight; /* > 0: DCT-scale to the smallest output that still covers this size */
    CImageCodecs_Image *image;
    uint8_t *allocated; /* pixels malloc'd here, freed on failure */
    uint8_t *cmykRow;   /* one CMYK scanline, always freed */
    char *errorOut;
    size_t errorCapacity;
} cimagecodecs_jpeg_decode;

static CImageCodecs_Status cimagecodecs_jpeg_decode_run(cimagecodecs_jpeg_decode *state) {
    if (setjmp(state->error.jump)) {
        return cimagecodecs_fail(CImageCodecs_invalidData, state->errorOut, state->errorCapacity, "invalid JPEG: %s",
                                 state->error.message);
    }
    struct jpeg_decompress_struct *cinfo = &state->cinfo;
    cinfo->err = &state->error.pub;
    jpeg_create_decompress(cinfo);
    state->created = 1;
    jpeg_mem_src(cinfo, state->data, (unsigned long)state->size);
    if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK) {
        return cimagecodecs_fail(CImageCodecs_invalidData, state->errorOut, state->errorCapacity,
                                 "invalid JPEG: the stream holds tables but no image");
    }
    state->image->width = (int32_t)cinfo->image_width;
    state->image->height = (int32_t)cinfo->image_height;
    CImageCodecs_Status sizeStatus = cimagecodecs_checkSize(cinfo->image_width, cinfo->image_height, "JPEG",
                                                            state->errorOut, state->errorCapacity);
    if (sizeStatus != CImageCodecs_ok || state->headerOnly) return sizeStatus;

    int cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
    cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    if (state->minWidth > 0 && state->minHeight > 0) {
        /* DCT scaling: the IDCT itself produces 1/2, 1/4 or 1/8 of the size, so most of the work of a
           full-size decode is never done. Pick the smallest output that still covers the minimum. */
        unsigned denominator = 8;
        while (denominator > 1 &&
               ((cinfo->image_width + denominator - 1) / denominator < (unsigned)state->minWidth ||
                (cinfo->image_height + denominator - 1) / denominator < (unsigned)state->minHeight)) {
            denominator /= 2;
        }
        cinfo->scale_num = 1;
        cinfo->scale_denom = denominator;
    }
    jpeg_calc_output_dimensions(cinfo);
    state->image->width = (int32_t)cinfo->output_width;
    state->image->height = (int32_t)cinfo->output_height;
    size_t width = cinfo->output_width, height = cinfo->output_height;
    size_t needed = width * height * 3; /* safe because checkSize bounded width * height */
    if (state->image->pixels == NULL) {
        state->allocated = malloc(needed);
        if (state->allocated == NULL) {
            return cimagecodecs_fail(CImageCodecs_outOfMemory, state->errorOut, state->errorCapacity,
                                     "out of memory for %zux%zu JPEG pixels", width, height);
        }
        state->image->pixels = state->allocated;
        state->image->capacity = needed;
    } else if (state->image->capacity < needed) {
        return cimagecodecs_fail(CImageCodecs_bufferTooSmall, state->errorOut, state->errorCapacity,
                                 "pixel buffer holds %zu bytes, the %zux%zu JPEG needs %zu",
                                 state->image->capacity, width, height, needed);
    }
    if (cmyk) {
        state->cmykRow = malloc(width * 4);
        if (state->cmykRow == NULL) {
            return cimagecodecs_fail(CImageCodecs_outOfMemory, state->errorOut, state->errorCapacity,
                                     "out of memory for a CMYK scanline");
        }
    }

    jpeg_start_decompress(cinfo);
    if (cinfo->output_width != width || cinfo->output_height != height ||
        cinfo->output_components != (cmyk ? 4 : 3)) {
        return cimagecodecs_fail(CImageCodecs_invalidData, state->errorOut, state->errorCapacity,
                                 "invalid JPEG: unexpected output layout (%u components)",
                                 (unsigned)cinfo->output_components);
    }
    /* Adobe writes CMYK inverted (0 = full ink); libjpeg passes it through as stored. */
    int inverted = cinfo->saw_Adobe_marker;
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *row = state->image->pixels + (size_t)cinfo->output_scanline * width * 3;
        if (!cmyk) {
            JSAMPROW rows[1] = {row};
            jpeg_read_scanlines(cinfo, rows, 1);
            continue;
        }
        JSAMPROW rows[1] = {state->cmykRow};
        jpeg_read_scanlines(cinfo, rows, 1);
        const uint8_t *ink = state->cmykRow;
        for (size_t x = 0; x < width; x++, ink += 4, row += 3) {
            unsigned c = ink[0], m = ink[1], y = ink[2], k = ink[3];
            if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
            row[0] = (uint8_t)((c * k + 127) / 255);
            row[1] = (uint8_t)((m * k + 127) / 255);
            row[2] = (uint8_t)((y * k + 127) / 255);
        }
    }
    jpeg_finish_decompress(cinfo);
    return CImageCodecs_ok;
}

static CImageCodecs_Status cimagecodecs_jpeg_decode_scaled(const uint8_t *data, size_t size, int strict,
                                                           int headerOnly, int32_t minWidth, int32_t minHeight,
                                                           CImageCodecs_Image *image, char *error,
                                                           size_t errorCapacity);

static CImageCodecs_Status cimagecodecs_jpeg_decode_common(const uint8_t *data, size_t size, int strict,
                                                           int headerOnly, CImageCodecs_Image *image, char *error,
                                                           size_t errorCapacity) {
    if (data == NULL || size == 0 || image == NULL) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity, "no JPEG data given");
    }
    return cimagecodecs_jpeg_decode_scaled(data, size, strict, headerOnly, 0, 0, image, error, errorCapacity);
}

static CImageCodecs_Status cimagecodecs_jpeg_decode_scaled(const uint8_t *data, size_t size, int strict,
                                                           int headerOnly, int32_t minWidth, int32_t minHeight,
                                                           CImageCodecs_Image *image, char *error,
                                                           size_t errorCapacity) {
    if (data == NULL || size == 0 || image == NULL) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity, "no JPEG data given");
    }
    cimagecodecs_jpeg_decode state;
    memset(&state, 0, sizeof state);
    state.minWidth = minWidth;
    state.minHeight = minHeight;
    cimagecodecs_jpeg_install_errors(&state.error, strict);
    state.data = data;
    state.size = size;
    state.headerOnly = headerOnly;
    state.image = image;
    state.errorOut = error;
    state.errorCapacity = errorCapacity;
    CImageCodecs_Status status = cimagecodecs_jpeg_decode_run(&state);
    if (state.created) jpeg_destroy_decompress(&state.cinfo);
    free(state.cmykRow);
    if (status != CImageCodecs_ok && state.allocated != NULL) {
        free(state.allocated);
        image->pixels = NULL;
        image->capacity = 0;
    }
    return status;
}

CImageCodecs_Status CImageCodecs_jpegReadSize(const uint8_t *data, size_t size, int32_t *width, int32_t *height,
                                              char *error, size_t errorCapacity) {
    CImageCodecs_Image image = {NULL, 0, 0, 0};
    CImageCodecs_Status status = cimagecodecs_jpeg_decode_common(data, size, 0, 1, &image, error, errorCapacity);
    if (width != NULL) *width = image.width;
    if (height != NULL) *height = image.height;
    return status;
}

CImageCodecs_Status CImageCodecs_jpegDecode(const uint8_t *data, size_t size, int strict, CImageCodecs_Image *image,
                                            char *error, size_t errorCapacity) {
    return cimagecodecs_jpeg_decode_common(data, size, strict, 0, image, error, errorCapacity);
}

CImageCodecs_Status CImageCodecs_jpegDecodeScaled(const uint8_t *data, size_t size, int strict, int32_t minWidth,
                                                  int32_t minHeight, CImageCodecs_Image *image, char *error,
                                                  size_t errorCapacity) {
    if (minWidth <= 0 || minHeight <= 0) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity,
                                 "minimum size %dx%d is not positive", (int)minWidth, (int)minHeight);
    }
    return cimagecodecs_jpeg_decode_scaled(data, size, strict, 0, minWidth, minHeight, image, error, errorCapacity);
}

/* MARK: Encoding */

/* A destination manager that grows one malloc'd buffer (jpeg_mem_dest's reallocation would leave the
   caller's pointer dangling if a later error longjmps). */
typedef struct cimagecodecs_jpeg_destination {
    struct jpeg_destination_mgr pub; /* must be first */
    uint8_t *buffer;
    size_t capacity;
    size_t size;
} cimagecodecs_jpeg_destination;

static void cimagecodecs_jpeg_destination_init(j_compress_ptr cinfo) {
    cimagecodecs_jpeg_destination *destination = (cimagecodecs_jpeg_destination *)cinfo->dest;
    destination->buffer = malloc(destination->capacity);
    if (destination->buffer == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 1);
    destination->pub.next_output_byte = destination->buffer;
    destination->pub.free_in_buffer = destination->capacity;
}

static boolean cimagecodecs_jpeg_destination_grow(j_compress_ptr cinfo) {
    cimagecodecs_jpeg_destination *destination = (cimagecodecs_jpeg_destination *)cinfo->dest;
    size_t old = destination->capacity;
    uint8_t *grown = realloc(destination->buffer, old * 2);
    if (grown == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 2);
    destination->buffer = grown;
    destination->capacity = old * 2;
    destination->pub.next_output_byte = grown + old;
    destination->pub.free_in_buffer = old;
    return TRUE;
}

static void cimagecodecs_jpeg_destination_term(j_compress_ptr cinfo) {
    cimagecodecs_jpeg_destination *destination = (cimagecodecs_jpeg_destination *)cinfo->dest;
    destination->size = destination->capacity - destination->pub.free_in_buffer;
}

typedef struct cimagecodecs_jpeg_encode {
    cimagecodecs_jpeg_error error;
    struct jpeg_compress_struct cinfo;
    cimagecodecs_jpeg_destination destination;
    int created;
    const uint8_t *pixels;
    int32_t width, height;
    int quality;
    int options;
    uint8_t *cmykRow; /* one CMYK scanline, always freed */
} cimagecodecs_jpeg_encode;

static int cimagecodecs_jpeg_encode_run(cimagecodecs_jpeg_encode *state) {
    if (setjmp(state->error.jump)) return 0;
    struct jpeg_compress_struct *cinfo = &state->cinfo;
    cinfo->err = &state->error.pub;
    jpeg_create_compress(cinfo);
    state->created = 1;
    state->destination.pub.init_destination = cimagecodecs_jpeg_destination_init;
    state->destination.pub.empty_output_buffer = cimagecodecs_jpeg_destination_grow;
    state->destination.pub.term_destination = cimagecodecs_jpeg_destination_term;
    /* A quarter of the raw size covers typical photos at quality <= 90 without growing. */
    state->destination.capacity = (size_t)state->width * (size_t)state->height * 3 / 4 + 4096;
    cinfo->dest = &state->destination.pub;
    cinfo->image_width = (JDIMENSION)state->width;
    cinfo->image_height = (JDIMENSION)state->height;
    int cmyk = (state->options & CImageCodecs_jpegAdobeCMYK) != 0;
    cinfo->input_components = cmyk ? 4 : 3;
    cinfo->in_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(cinfo);
    if (cmyk) {
        jpeg_set_colorspace(cinfo, JCS_CMYK); /* also turns on the Adobe marker */
        state->cmykRow = malloc((size_t)state->width * 4);
        if (state->cmykRow == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 3);
    } else if (state->options & CImageCodecs_jpegGrayscale) {
        jpeg_set_colorspace(cinfo, JCS_GRAYSCALE);
    }
    jpeg_set_quality(cinfo, state->quality, TRUE);
    if (state->options & CImageCodecs_jpegProgressive) jpeg_simple_progression(cinfo);
    jpeg_start_compress(cinfo, TRUE);
    size_t stride = (size_t)state->width * 3;
    while (cinfo->next_scanline < cinfo->image_height) {
        const uint8_t *rgb = state->pixels + (size_t)cinfo->next_scanline * stride;
        if (!cmyk) {
            /* safe because libjpeg only reads input scanlines; JSAMPROW is merely not const-qualified. */
            JSAMPROW rows[1] = {(JSAMPROW)(uintptr_t)rgb};
            jpeg_write_scanlines(cinfo, rows, 1);
            continue;
        }
        /* Inverted CMYK: stored K' = max(R, G, B) and C' = R * 255 / K', so R = C' * K' / 255 on decode. */
        uint8_t *ink = state->cmykRow;
        for (int32_t x = 0; x < state->width; x++, rgb += 3, ink += 4) {
            unsigned k = rgb[0] > rgb[1] ? rgb[0] : rgb[1];
            if (rgb[2] > k) k = rgb[2];
            ink[0] = k == 0 ? 0 : (uint8_t)((rgb[0] * 255u + k / 2) / k);
            ink[1] = k == 0 ? 0 : (uint8_t)((rgb[1] * 255u + k / 2) / k);
            ink[2] = k == 0 ? 0 : (uint8_t)((rgb[2] * 255u + k / 2) / k);
            ink[3] = (uint8_t)k;
        }
        JSAMPROW rows[1] = {state->cmykRow};
        jpeg_write_scanlines(cinfo, rows, 1);
    }
    jpeg_finish_compress(cinfo);
    return 1;
}

CImageCodecs_Status CImageCodecs_jpegEncode(const uint8_t *pixels, int32_t width, int32_t height, int quality,
                                            int options, uint8_t **output, size_t *outputSize, char *error,
                                            size_t errorCapacity) {
    if (pixels == NULL || output == NULL || outputSize == NULL) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity, "no pixels or output given");
    }
    if (quality < 1 || quality > 100) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity,
                                 "JPEG quality %d is outside 1...100", quality);
    }
    if (width < 0 || height < 0) {
        return cimagecodecs_fail(CImageCodecs_invalidArgument, error, errorCapacity, "negative size %dx%d", width,
                                 height);
    }
    CImageCodecs_Status sizeStatus = cimagecodecs_checkSize((uint64_t)width, (uint64_t)height, "image to encode",
                                                            error, errorCapacity);
    if (sizeStatus != CImageCodecs_ok) return sizeStatus;
    *output = NULL;
    *outputSize = 0;
    cimagecodecs_jpeg_encode state;
    memset(&state, 0, sizeof state);
    cimagecodecs_jpeg_install_errors(&state.error, 0);
    state.pixels = pixels;
    state.width = width;
    state.height = height;
    state.quality = quality;
    state.options = options;
    int succeeded = cimagecodecs_jpeg_encode_run(&state);
    if (state.created) jpeg_destroy_compress(&state.cinfo);
    free(state.cmykRow);
    if (!succeeded) {
        free(state.destination.buffer);
        return cimagecodecs_fail(CImageCodecs_invalidData, error, errorCapacity, "JPEG encoding failed: %s",
                                 state.error.message);
    }
    *output = state.destination.buffer;
    *outputSize = state.destination.size;
    return CImageCodecs_ok;
}
