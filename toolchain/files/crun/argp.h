/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcrun's headers include <argp.h> for the error_t type only; libcrun itself calls no argp
 * function (that is crun's CLI). musl has no argp, so this stands in for the one type. It is on
 * the include path of the libcrun build and of code that includes libcrun's headers.
 */
#ifndef VSL_COMPAT_ARGP_H
#define VSL_COMPAT_ARGP_H
#include <errno.h>
#ifndef __error_t_defined
typedef int error_t;
#define __error_t_defined 1
#endif
#endif
