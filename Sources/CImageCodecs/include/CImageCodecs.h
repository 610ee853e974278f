#ifndef BACKSTOP_CIMAGECODECS_H
#define BACKSTOP_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

/* Whole-operation wrappers around libjpeg(-turbo) and libpng. libjpeg reports fatal errors through
   longjmp, which Swift cannot catch, so every function here owns its setjmp and returns a status; libpng
   is used through its simplified png_image_* API, which catches its own errors. Every exported symbol
   starts with CImageCodecs_. Pixels are always 8-bit RGB, row-major, top row first, 3 bytes per pixel,
   no padding between rows. */

/** Outcome of a codec call. Anything but CImageCodecs_ok leaves a NUL-terminated, human-readable
    message in the caller's error buffer (when one was given). */
typedef enum CImageCodecs_Status {
    /** Success. */
    CImageCodecs_ok = 0,
    /** The bytes are not a valid image of the expected format (corrupt, truncated, unsupported). */
    CImageCodecs_invalidData = 1,
    /** The image is wider, taller or larger than CImageCodecs_maxSide / CImageCodecs_maxPixels. */
    CImageCodecs_tooLarge = 2,
    /** malloc failed. */
    CImageCodecs_outOfMemory = 3,
    /** The caller's pixel buffer is smaller than width * height * 3 (width and height are filled in). */
    CImageCodecs_bufferTooSmall = 4,
    /** An argument is out of range (null pointer, zero size, quality outside 1...100). */
    CImageCodecs_invalidArgument = 5,
} CImageCodecs_Status;

/** The largest width or height accepted by the decoders and encoders. */
#define CImageCodecs_maxSide 16384
/** The largest width * height accepted by the decoders and encoders (100 megapixels). */
#define CImageCodecs_maxPixels 100000000

/** An image's size and pixels. For decoding, set `pixels` and `capacity` to decode into your own buffer,
    or leave `pixels` NULL to have the decoder malloc one (release it with CImageCodecs_free). */
typedef struct CImageCodecs_Image {
    /** width * height * 3 bytes of RGB. */
    uint8_t *pixels;
    /** Size in bytes of the buffer at `pixels` (ignored when `pixels` is NULL on input). */
    size_t capacity;
    /** Width in pixels. */
    int32_t width;
    /** Height in pixels. */
    int32_t height;
} CImageCodecs_Image;

/* MARK: Versions (printed by `backstop doctor`) */

/** The libjpeg API version the library was built against (JPEG_LIB_VERSION, e.g. 62). */
int CImageCodecs_jpegLibVersion(void);

/** libjpeg-turbo's version string at build time (LIBJPEG_TURBO_VERSION, e.g. "2.1.5"), or "" when the
    library is not libjpeg-turbo. */
const char *CImageCodecs_jpegTurboVersion(void);

/** The libpng version string of the library loaded at run time (png_get_libpng_ver). */
const char *CImageCodecs_pngVersion(void);

/* MARK: JPEG */

/** Reads a JPEG's width and height from its header without decoding the pixels.
    Fails with CImageCodecs_tooLarge (dimensions still filled in) beyond the size limits. */
CImageCodecs_Status CImageCodecs_jpegReadSize(const uint8_t *data, size_t size, int32_t *width,
                                              int32_t *height, char *error, size_t errorCapacity);

/** Decodes a baseline or progressive JPEG (YCbCr, grayscale, CMYK or YCCK) to RGB.
    With `strict` set, warnings that mean the pixels are incomplete or wrong (premature end of file,
    corrupt entropy data) fail the call with CImageCodecs_invalidData instead of returning gray fill. */
CImageCodecs_Status CImageCodecs_jpegDecode(const uint8_t *data, size_t size, int strict,
                                            CImageCodecs_Image *image, char *error, size_t errorCapacity);

/** Decodes a JPEG at a reduced size through libjpeg's DCT scaling (1/1, 1/2, 1/4 or 1/8): the smallest
    output whose width and height are still at least minWidth x minHeight (or the full size when the image
    is smaller). `image->width`/`height` receive the output size. With `pixels` NULL the decoder mallocs the
    buffer (release it with CImageCodecs_free); otherwise `capacity` must cover the scaled output. */
CImageCodecs_Status CImageCodecs_jpegDecodeScaled(const uint8_t *data, size_t size, int strict, int32_t minWidth,
                                                  int32_t minHeight, CImageCodecs_Image *image, char *error,
                                                  size_t errorCapacity);

/** Options for CImageCodecs_jpegEncode, OR-ed together. */
enum {
    /** Write a progressive JPEG (jpeg_simple_progression) instead of a baseline one. */
    CImageCodecs_jpegProgressive = 1,
    /** Write a one-component grayscale JPEG (luma of the RGB input). */
    CImageCodecs_jpegGrayscale = 2,
    /** Write a four-component Adobe CMYK JPEG (inverted, as Photoshop writes it). Mostly for testing
        decoders; wins over CImageCodecs_jpegGrayscale. */
    CImageCodecs_jpegAdobeCMYK = 4,
};

/** Encodes RGB pixels as a JPEG at `quality` (1...100): baseline YCbCr with 4:2:0 chroma subsampling
    unless `options` (CImageCodecs_jpeg* flags) say otherwise.
    On success `*output` is a malloc'd buffer of `*outputSize` bytes; release it with CImageCodecs_free. */
CImageCodecs_Status CImageCodecs_jpegEncode(const uint8_t *pixels, int32_t width, int32_t height,
                                            int quality, int options, uint8_t **output, size_t *outputSize,
                                            char *error, size_t errorCapacity);

/* MARK: PNG */

/** Reads a PNG's width and height from its header without decoding the pixels. */
CImageCodecs_Status CImageCodecs_pngReadSize(const uint8_t *data, size_t size, int32_t *width,
                                             int32_t *height, char *error, size_t errorCapacity);

/** Decodes any PNG (gray, palette, RGB, with or without alpha or tRNS, 1 to 16 bits) to 8-bit RGB.
    Alpha is composited onto white; 16-bit files without gamma information are taken as sRGB. */
CImageCodecs_Status CImageCodecs_pngDecode(const uint8_t *data, size_t size, CImageCodecs_Image *image,
                                           char *error, size_t errorCapacity);

/** Encodes RGB pixels as an 8-bit RGB PNG (`fast` trades size for speed: no filters, zlib level 3).
    On success `*output` is a malloc'd buffer of `*outputSize` bytes; release it with CImageCodecs_free. */
CImageCodecs_Status CImageCodecs_pngEncode(const uint8_t *pixels, int32_t width, int32_t height, int fast,
                                           uint8_t **output, size_t *outputSize, char *error,
                                           size_t errorCapacity);

/* MARK: Pixels */

/** Resamples RGB pixels to a new size: box (area) averaging on each axis that shrinks, bilinear on each
    axis that grows. `source` and `destination` must not overlap; `destination` holds
    dstWidth * dstHeight * 3 bytes. */
CImageCodecs_Status CImageCodecs_resize(const uint8_t *source, int32_t srcWidth, int32_t srcHeight,
                                        uint8_t *destination, int32_t dstWidth, int32_t dstHeight,
                                        char *error, size_t errorCapacity);

/** Releases a buffer returned by this library (decoders with a NULL `pixels`, encoders). */
void CImageCodecs_free(void *buffer);

#endif
