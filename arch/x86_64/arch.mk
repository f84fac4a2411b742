# SPDX-License-Identifier: Apache-2.0
# Per-arch facts for x86_64. This file and arch/aarch64/arch.mk are the only places in vessel
# that know about a particular CPU; everything else indexes these variables by arch name.
ARCH_TRIPLE_x86_64    := x86_64-linux-musl
# Debian's cross gcc for this arch (native on an amd64 host, gcc-x86-64-linux-gnu elsewhere).
ARCH_GNU_PREFIX_x86_64 := x86_64-linux-gnu-
ARCH_DEB_x86_64       := amd64
ARCH_OCI_x86_64       := amd64
# How file(1) names the machine (tests check the ELF it reports).
ARCH_FILE_MACHINE_x86_64 := x86-64
ARCH_ELF_MACHINE_x86_64 := 62
ARCH_MUSL_x86_64      := x86_64
ARCH_MESON_CPU_FAMILY_x86_64 := x86_64
# Debian's multiarch tuple: where a glibc image keeps its libraries (/lib/<tuple>); the FUSE
# server's warm thread looks there for the libraries a program needs (runtime/fuse_warm.c).
ARCH_MULTIARCH_x86_64 := x86_64-linux-gnu
ARCH_CFLAGS_x86_64    :=
# How tests run a binary of this arch on this host: nothing when native, qemu otherwise.
ARCH_QEMU_x86_64      := qemu-x86_64-static
