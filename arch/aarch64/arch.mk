# SPDX-License-Identifier: Apache-2.0
# Per-arch facts for aarch64 (see arch/x86_64/arch.mk).
ARCH_TRIPLE_aarch64    := aarch64-linux-musl
ARCH_GNU_PREFIX_aarch64 := aarch64-linux-gnu-
ARCH_DEB_aarch64       := arm64
ARCH_OCI_aarch64       := arm64
# How file(1) names the machine (tests check the ELF it reports).
ARCH_FILE_MACHINE_aarch64 := ARM aarch64
ARCH_ELF_MACHINE_aarch64 := 183
ARCH_MUSL_aarch64      := aarch64
ARCH_MESON_CPU_FAMILY_aarch64 := aarch64
# Debian's multiarch tuple: where a glibc image keeps its libraries (/lib/<tuple>); the FUSE
# server's warm thread looks there for the libraries a program needs (runtime/fuse_warm.c).
ARCH_MULTIARCH_aarch64 := aarch64-linux-gnu
# Pin the baseline ISA so that the host compiler's defaults cannot leak into the output.
ARCH_CFLAGS_aarch64    := -march=armv8-a
ARCH_QEMU_aarch64      := qemu-aarch64-static
