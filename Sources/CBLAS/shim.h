#ifndef BACKSTOP_CBLAS_SHIM_H
#define BACKSTOP_CBLAS_SHIM_H
/* OpenBLAS's cblas.h (Debian: libopenblas-dev, openblas-pthread). It also declares
   openblas_get_corename / openblas_get_config / openblas_set_num_threads, which
   libopenblas.so exports (libblas.so.3 does not), hence `link "openblas"`. */
#include <cblas.h>
#endif
