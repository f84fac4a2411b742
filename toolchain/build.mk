# SPDX-License-Identifier: Apache-2.0
# Builds the whole toolchain into $(OUT) (a temp dir; toolchain/toolchain.mk renames it into the
# cache when this finishes). Invoked as:
#   make -f toolchain/build.mk OUT=<dir> DL=<downloads> ARCHES="x86_64 aarch64"
# Per arch, $(OUT)/<arch>/ holds:
#   bin/<triple>-gcc, -ar, -ranlib, -strip   wrappers around Debian's gcc/binutils for the arch
#   lib/musl-gcc.specs                       specs that swap glibc for our musl (relocatable)
#   sysroot/{include,lib}                    musl + every static library
#   kernel-headers/include                   pinned linux/asm/asm-generic headers
#   bin/mksquashfs, bin/unsquashfs           static, for that arch
# Reproducibility: every compile maps $(OUT) to /vessel-toolchain, archives are deterministic
# (ar D), and SOURCE_DATE_EPOCH is fixed, so the bytes do not depend on where we build.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DELETE_ON_ERROR:
ARCHES ?= x86_64 aarch64
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
include $(foreach a,$(ARCHES),$(TOP)/arch/$(a)/arch.mk)

export SOURCE_DATE_EPOCH := 1700000000
export LC_ALL := C
export TZ := UTC
export ZERO_AR_DATE := 1
unexport MAKEFLAGS_ignore

TC_MAP := -ffile-prefix-map=$(OUT)=/vessel-toolchain
TC_CFLAGS = -O2 -ffunction-sections -fdata-sections $(TC_MAP) $(ARCH_CFLAGS_$(1))

# $(call dl,FILE) is the verified download.
dl = $(DL)/$(1)
W = $(OUT)/.work/$(1)
P = $(OUT)/$(1)
SYSROOT = $(OUT)/$(1)/sysroot
CC_FOR = $(OUT)/$(1)/bin/$(ARCH_TRIPLE_$(1))-gcc
AR_FOR = $(OUT)/$(1)/bin/$(ARCH_TRIPLE_$(1))-ar
RANLIB_FOR = $(OUT)/$(1)/bin/$(ARCH_TRIPLE_$(1))-ranlib
STRIP_FOR = $(OUT)/$(1)/bin/$(ARCH_TRIPLE_$(1))-strip
GNU_TRIPLE = $(patsubst %-,%,$(ARCH_GNU_PREFIX_$(1)))
BUILD_TRIPLE := $(shell gcc -dumpmachine)
# Environment for autotools/cmake/meson so they only ever see our sysroot.
XENV = PKG_CONFIG_LIBDIR=$(call SYSROOT,$(1))/lib/pkgconfig PKG_CONFIG_PATH= \
	CC=$(call CC_FOR,$(1)) AR=$(call AR_FOR,$(1)) RANLIB=$(call RANLIB_FOR,$(1)) \
	CFLAGS="$(call TC_CFLAGS,$(1))" LDFLAGS=-static PATH=$(OUT)/$(1)/bin:$$$$PATH

PKGS := headers musl zlib zstd yajl libcap libseccomp fuse3 crun squashfs
all: $(foreach a,$(ARCHES),$(foreach p,$(PKGS),$(OUT)/.stamp/$(a)/$(p)))
	rm -rf $(OUT)/.work
	find $(OUT) \( -name '*.la' -o -name '*.so*' \) -delete
	# musl's own musl-gcc wrapper and specs hold the temp build path; our relocatable
	# <triple>-gcc wrapper replaces them.
	rm -rf $(foreach a,$(ARCHES),$(call SYSROOT,$(a))/bin $(call SYSROOT,$(a))/lib/musl-gcc.specs)
	rm -rf $(foreach a,$(ARCHES),$(call SYSROOT,$(a))/lib/pkgconfig $(call SYSROOT,$(a))/share)

$(OUT)/.stamp/%:
	@mkdir -p $(dir $@)
	touch $@

# Unpack $(2) into $(1) (a fresh dir), stripping the top-level directory.
define unpack
	rm -rf $(1) && mkdir -p $(1) && tar -xf $(2) -C $(1) --strip-components=1
endef
# Apply toolchain/patches/$(2)/*.patch in order to the tree $(1).
define apply_patches
	for p in $(sort $(wildcard $(TOP)/toolchain/patches/$(2)/*.patch)); do \
		patch -d $(1) -p1 -s --no-backup-if-mismatch < $$$$p; done
endef

include $(TOP)/toolchain/headers.mk $(TOP)/toolchain/musl.mk $(TOP)/toolchain/zlib.mk \
	$(TOP)/toolchain/zstd.mk $(TOP)/toolchain/yajl.mk $(TOP)/toolchain/libcap.mk \
	$(TOP)/toolchain/libseccomp.mk $(TOP)/toolchain/fuse3.mk $(TOP)/toolchain/crun.mk \
	$(TOP)/toolchain/squashfs.mk
