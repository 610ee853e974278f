#ifndef BACKSTOP_CZLIB_SHIM_H
#define BACKSTOP_CZLIB_SHIM_H
#include <zlib.h>
/* inflateInit2 is a function-like macro Swift cannot call. */
static inline int CZlib_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
