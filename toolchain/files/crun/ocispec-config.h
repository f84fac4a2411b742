/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libocispec's config.h (the copy inside crun 1.8.1) for vessel's build without its configure.
 * Its configure.ac only runs AC_USE_SYSTEM_EXTENSIONS; on Linux/musl what matters of that is
 * _GNU_SOURCE. Only read-file.c of the library sources includes it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#ifndef _ALL_SOURCE
#define _ALL_SOURCE 1
#endif
#define PACKAGE "ocispec"
#define PACKAGE_VERSION "0.1.1"
