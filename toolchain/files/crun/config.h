/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crun 1.8.1's config.h for vessel's static, musl, library-only build (toolchain/crun.mk). It is
 * what crun's configure wrote for `--enable-static --disable-shared --disable-systemd
 * --disable-criu --disable-bpf --disable-dl --without-python-bindings` against our musl sysroot,
 * identical for x86_64 and aarch64, kept here so that the build skips crun's and libocispec's
 * configure scripts (about 70 s of CPU per arch on a 2-core machine). Code that includes
 * libcrun's headers gets it too (they include <config.h>). Re-check it on a crun upgrade.
 */
#define HAVE_CAP 1
#define HAVE_COPY_FILE_RANGE 1
#define HAVE_DLFCN_H 1
#define HAVE_FGETXATTR 1
#define HAVE_FSCONFIG_CMD_CREATE_LINUX_MOUNT_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_ISSETUGID 1
#define HAVE_LINUX_OPENAT2_H 1
#define HAVE_MEMORY_H 1
#define HAVE_SECCOMP 1
#define HAVE_SECCOMP_GET_NOTIF_SIZES 1
#define HAVE_SECCOMP_H 1
#define HAVE_STDATOMIC_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_CAPABILITY_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define HAVE_YAJL 1
#define LIBCRUN_PUBLIC __attribute__((visibility("default"))) extern
#define PACKAGE "crun"
#define PACKAGE_BUGREPORT "giuseppe@scrivano.org"
#define PACKAGE_NAME "crun"
#define PACKAGE_STRING "crun 1.8.1"
#define PACKAGE_TARNAME "crun"
#define PACKAGE_URL ""
#define PACKAGE_VERSION "1.8.1"
#define SECCOMP_ARCH_RESOLVE_NAME 1
#define STDC_HEADERS 1
#define VERSION "1.8.1"
