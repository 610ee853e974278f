#ifndef BACKSTOP_CZSTD_SHIM_H
#define BACKSTOP_CZSTD_SHIM_H
#include <zstd.h>
#endif
