# SPDX-License-Identifier: Apache-2.0
# libseccomp 2.5.4 (static). The release tarball ships the generated syscall table
# (src/syscalls.perf.c) and include/seccomp.h, so neither gperf nor configure is needed: the
# library's sources (src/Makefile.am's SOURCES_ALL) are compiled by toolchain/objs.mk with the
# configure.h configure wrote for this configuration (files/libseccomp/configure.h), which saves
# the libtool configure (about 30 s of CPU per arch here).
SECCOMP_SRCS := $(addprefix src/,api.c system.c helper.c gen_pfc.c gen_bpf.c hash.c db.c arch.c \
	arch-x86.c arch-x86_64.c arch-x32.c arch-arm.c arch-aarch64.c arch-mips.c arch-mips64.c \
	arch-mips64n32.c arch-parisc.c arch-parisc64.c arch-ppc.c arch-ppc64.c arch-riscv64.c \
	arch-s390.c arch-s390x.c syscalls.c syscalls.perf.c)
define libseccomp_rules
$(OUT)/.stamp/$(1)/libseccomp: $(OUT)/.stamp/$(1)/musl
	$(call unpack,$(call W,$(1))/libseccomp,$(call dl,libseccomp_2.5.4.orig.tar.gz))
	cp $(TOP)/toolchain/files/libseccomp/configure.h $(call W,$(1))/libseccomp/src/configure.h
	$$(MAKE) --no-print-directory -f $(TOP)/toolchain/objs.mk SRCDIR=$(call W,$(1))/libseccomp \
		OBJDIR=$(call W,$(1))/libseccomp/.objs LIB=$(call SYSROOT,$(1))/lib/libseccomp.a \
		SRCS="$(SECCOMP_SRCS)" CC=$(call CC_FOR,$(1)) AR=$(call AR_FOR,$(1)) \
		CFLAGS="$(call TC_CFLAGS,$(1)) -Wall -Umips -fvisibility=hidden \
			-I$(call W,$(1))/libseccomp/include" >/dev/null
	mkdir -p $(call SYSROOT,$(1))/include
	cp $(call W,$(1))/libseccomp/include/seccomp.h \
		$(call W,$(1))/libseccomp/include/seccomp-syscalls.h $(call SYSROOT,$(1))/include/
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call libseccomp_rules,$(a))))
