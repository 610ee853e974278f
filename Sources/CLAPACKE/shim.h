#ifndef BACKSTOP_CLAPACKE_SHIM_H
#define BACKSTOP_CLAPACKE_SHIM_H
#include <lapacke.h>
#endif
