#ifndef BACKSTOP_CBLAS_SHIM_H
#define BACKSTOP_CBLAS_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* dladdr */
#endif
#include <dlfcn.h>
#include <stddef.h>
/* OpenBLAS's cblas.h (Debian: libopenblas-dev, openblas-pthread). It also declares
   openblas_get_corename / openblas_get_config / openblas_set_num_threads, which
   libopenblas.so exports (libblas.so.3 does not), hence `link "openblas"`. */
#include <cblas.h>

/* The path of the shared object that provides `symbol` in this process, or NULL. */
static inline const char *CBLAS_libraryProviding(const char *symbol) {
    void *address = dlsym(RTLD_DEFAULT, symbol);
    Dl_info info;
    if (address == NULL || dladdr(address, &info) == 0) return NULL;
    return info.dli_fname;
}
#endif
