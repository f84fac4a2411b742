/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libseccomp 2.5.4's configure.h for vessel's static musl build (toolchain/libseccomp.mk): what
 * its configure wrote for `--enable-static --disable-shared --disable-python` (GPERF=false: the
 * release ships syscalls.perf.c) against our musl sysroot, the same for x86_64 and aarch64.
 * Keeping it here skips the libtool configure (about 30 s of CPU per arch on a 2-core machine).
 * Re-check it on a libseccomp upgrade.
 */
#define ENABLE_PYTHON 0
#define HAVE_DLFCN_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_LINUX_SECCOMP_H 1
#define HAVE_MEMORY_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define PACKAGE "libseccomp"
#define PACKAGE_BUGREPORT ""
#define PACKAGE_NAME "libseccomp"
#define PACKAGE_STRING "libseccomp 2.5.4"
#define PACKAGE_TARNAME "libseccomp"
#define PACKAGE_URL ""
#define PACKAGE_VERSION "2.5.4"
#define STDC_HEADERS 1
#define VERSION "2.5.4"
