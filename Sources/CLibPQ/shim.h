#ifndef BACKSTOP_CLIBPQ_SHIM_H
#define BACKSTOP_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
