# SPDX-License-Identifier: Apache-2.0
# vessel: one entry point. `make` builds the toolchain (cached outside the checkout), the runtime
# stubs for every arch, the `vessel` builder and the unit tests; `make test` runs everything with
# prove; `make demo` builds and runs a demo image for both arches. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:
# Objects of the unit tests are intermediate files to make; keep them so rebuilds stay incremental.
.SECONDARY:

# Quiet by default: one short line per step; `make V=1` shows the commands.
Q := $(if $(filter 1,$(V)),,@)
say = $(if $(Q),@printf '  %-6s %s\n' '$(1)' '$(2)';)

ARCHES_ALL := x86_64 aarch64
# The arches whose tests run (CI's matrix narrows it); stubs are always built for all of them.
VSL_ARCHES ?= $(ARCHES_ALL)
HOST_ARCH := $(shell uname -m)
BUILD := build
VERSION := $(shell cat VERSION)
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 1700000000)

include $(foreach a,$(ARCHES_ALL),arch/$(a)/arch.mk)
include toolchain/toolchain.mk
include common/common.mk runtime/runtime.mk builder/builder.mk

# Flags for our own code. The prefix maps make objects independent of where the checkout and the
# toolchain cache live (two clean builds must give the same bytes).
VSL_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffunction-sections -fdata-sections \
	-ffile-prefix-map=$(CURDIR)/= -ffile-prefix-map=$(TC_DIR)=/vessel-toolchain \
	-Icommon -Iruntime -Ibuilder -Itests -DVSL_VERSION='"$(VERSION)"'
VSL_LDFLAGS := -static -Wl,--gc-sections -Wl,--build-id=none
LIBCRUN_USERS := tests/unit/t-toolchain.c $(STUB_SRCS)
THIRD_PARTY_LIBS := -lcrun -lfuse3 -lseccomp -lcap -lyajl -lzstd -lz -lpthread
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/t-*.c))

objs = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(2))

# Everything built per arch with that arch's musl toolchain. $(1) = arch.
define arch_rules
CC_$(1) := $(TC_DIR)/$(1)/bin/$(ARCH_TRIPLE_$(1))-gcc
AR_$(1) := $(TC_DIR)/$(1)/bin/$(ARCH_TRIPLE_$(1))-ar
CFLAGS_$(1) := $$(VSL_CFLAGS) $(ARCH_CFLAGS_$(1)) -DVSL_ARCH_MULTIARCH='"$(ARCH_MULTIARCH_$(1))"'
# libcrun's headers include <config.h> (crun's own, installed in libcrun-compat with argp.h), so
# only the files that include libcrun get that dir, first.
$(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(LIBCRUN_USERS)): CFLAGS_$(1) := \
	-I$(TC_DIR)/$(1)/sysroot/include/libcrun-compat $$(CFLAGS_$(1))

$(BUILD)/$(1)/obj/%.o: %.c | $(TC_STAMP)
	@mkdir -p $$(@D)
	$$(call say,CC,$(1) $$<)
	$(Q)$$(CC_$(1)) $$(CFLAGS_$(1)) -MMD -MP -c -o $$@ $$<

$(BUILD)/$(1)/lib/libvsl-common.a: $$(call objs,$(1),$$(COMMON_SRCS))
$(BUILD)/$(1)/lib/libvsl-runtime.a: $$(call objs,$(1),$$(RUNTIME_SRCS))
$(BUILD)/$(1)/lib/libvsl-builder.a: $$(call objs,$(1),$$(BUILDER_SRCS))
$(BUILD)/$(1)/lib/%.a:
	@mkdir -p $$(@D)
	$$(call say,AR,$$@)
	$(Q)rm -f $$@ && $$(AR_$(1)) rcsD $$@ $$^

LIBS_$(1) := $(BUILD)/$(1)/lib/libvsl-builder.a $(BUILD)/$(1)/lib/libvsl-runtime.a \
	$(BUILD)/$(1)/lib/libvsl-common.a

$(BUILD)/$(1)/bin/vessel-stub: $$(call objs,$(1),$$(STUB_MAIN) $$(STUB_SRCS)) $$(LIBS_$(1))
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$(Q)$$(CC_$(1)) $$(VSL_LDFLAGS) -s -o $$@ $$^ $$(STUB_LIBS)
$(BUILD)/$(1)/bin/vessel: $$(call objs,$(1),$$(VESSEL_MAIN)) $$(LIBS_$(1))
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$(Q)$$(CC_$(1)) $$(VSL_LDFLAGS) -s -o $$@ $$^ $$(VESSEL_LIBS)
# The layout `vessel` looks in for stubs and mksquashfs: <bindir>/../libexec/vessel/.
$(BUILD)/$(1)/libexec/vessel/mksquashfs: $(TC_STAMP)
	@mkdir -p $$(@D)
	@cp $(TC_DIR)/$(1)/bin/mksquashfs $$@
$(BUILD)/$(1)/libexec/vessel/vessel-stub-%: $(BUILD)/stubs/vessel-stub-%
	@mkdir -p $$(@D)
	@cp $$< $$@
$(BUILD)/stubs/vessel-stub-$(ARCH_OCI_$(1)): $(BUILD)/$(1)/bin/vessel-stub
	@mkdir -p $$(@D)
	@cp $$< $$@

$(BUILD)/$(1)/tests/t-%: $(BUILD)/$(1)/obj/tests/unit/t-%.o $$(LIBS_$(1))
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$(Q)$$(CC_$(1)) $$(VSL_LDFLAGS) -o $$@ $$^ $$(THIRD_PARTY_LIBS)

# The SquashFS conformance tool (t0400): the reader core as a CLI, cross-built like the tests.
$(BUILD)/$(1)/tests/sqfs-tool: $(BUILD)/$(1)/obj/tests/tools/sqfs-tool.o $$(LIBS_$(1))
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$(Q)$$(CC_$(1)) $$(VSL_LDFLAGS) -o $$@ $$^ $$(THIRD_PARTY_LIBS)

# The FUSE conformance/benchmark tool (t0400, tests/bench/fuse.sh): our server on any image.
$(BUILD)/$(1)/tests/sqfs-mount: $(BUILD)/$(1)/obj/tests/tools/sqfs-mount.o $$(LIBS_$(1))
	@mkdir -p $$(@D)
	$$(call say,LD,$$@)
	$(Q)$$(CC_$(1)) $$(VSL_LDFLAGS) -o $$@ $$^ $$(THIRD_PARTY_LIBS)

# TAP wrappers so that ONE prove run covers every arch: prove executes them directly.
$(BUILD)/tap/$(1)/unit-%: $(BUILD)/$(1)/tests/%
	@mkdir -p $$(@D)
	@printf '#!/bin/sh\nexec %s %s "$$$$@"\n' "$(if $(filter $(1),$(HOST_ARCH)),,$(ARCH_QEMU_$(1)))" \
		"$(CURDIR)/$$<" > $$@ && chmod +x $$@

ARCH_TARGETS_$(1) := $(BUILD)/$(1)/bin/vessel-stub $(BUILD)/$(1)/bin/vessel \
	$(BUILD)/$(1)/libexec/vessel/mksquashfs \
	$(foreach o,$(ARCHES_ALL),$(BUILD)/$(1)/libexec/vessel/vessel-stub-$(ARCH_OCI_$(o))) \
	$(foreach t,$(UNIT_TESTS),$(BUILD)/$(1)/tests/$(t)) $(BUILD)/$(1)/tests/sqfs-tool \
	$(BUILD)/$(1)/tests/sqfs-mount
-include $$(shell find $(BUILD)/$(1)/obj -name '*.d' 2>/dev/null)
endef
$(foreach a,$(ARCHES_ALL),$(eval $(call arch_rules,$(a))))

.PHONY: all deps test check clean distclean demo demo-run bench \
	check-container install uninstall
all: $(foreach a,$(ARCHES_ALL),$(ARCH_TARGETS_$(a))) $(BUILD)/asan/ok

# A host (glibc) build of the unit tests with ASan+UBSan against Debian's -dev libraries: the
# musl builds prove portability, this one catches memory errors.
ASAN_TESTS := $(filter-out t-toolchain,$(UNIT_TESTS))
ASAN_CFLAGS := $(filter-out -ffile-prefix-map=$(TC_DIR)=/vessel-toolchain,$(VSL_CFLAGS)) -g \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-DVSL_ARCH_MULTIARCH='"$(ARCH_MULTIARCH_$(HOST_ARCH))"'
$(BUILD)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,asan $<)
	$(Q)gcc $(ASAN_CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/asan/tests/t-%: $(BUILD)/asan/obj/tests/unit/t-%.o \
		$(call objs,asan,$(BUILDER_SRCS) $(RUNTIME_SRCS) $(COMMON_SRCS))
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)gcc $(ASAN_CFLAGS) -o $@ $^ -lfuse3 -lyajl -lzstd -lz -lpthread
$(BUILD)/tap/asan/unit-%: $(BUILD)/asan/tests/%
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec %s "$$@"\n' "$(CURDIR)/$<" > $@ && chmod +x $@
$(BUILD)/asan/ok: $(foreach t,$(ASAN_TESTS),$(BUILD)/asan/tests/$(t))
	@touch $@
-include $(shell find $(BUILD)/asan/obj -name '*.d' 2>/dev/null)

# Integration tests run once per arch through one variable (VSL_ARCH); aarch64 under qemu.
INTEGRATION_TESTS := $(wildcard tests/integration/t[0-9]*.sh)
$(BUILD)/tap/%.sh: FORCE
	@mkdir -p $(@D)
	@a=$$(basename $$(dirname $@)); t=tests/integration/$$(basename $@); \
	printf '#!/bin/sh\nVSL_ARCH=%s VSL_BUILD=%s exec sh %s\n' $$a $(CURDIR)/$(BUILD) $(CURDIR)/$$t > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@
FORCE:

TAP_UNIT := $(foreach a,$(VSL_ARCHES),$(foreach t,$(UNIT_TESTS),$(BUILD)/tap/$(a)/unit-$(t))) \
	$(foreach t,$(ASAN_TESTS),$(BUILD)/tap/asan/unit-$(t))
TAP_INTEGRATION := $(foreach a,$(VSL_ARCHES),$(foreach t,$(INTEGRATION_TESTS),$(BUILD)/tap/$(a)/$(notdir $(t))))

deps:
	toolchain/deps

# The README's two commands install what they need first, then re-enter make so that the
# toolchain key is computed with the compilers actually present.
test:
	toolchain/deps
	$(MAKE) --no-print-directory check
check: all $(TAP_UNIT) $(TAP_INTEGRATION)
	prove $(PROVE_FLAGS) $(TAP_UNIT) $(TAP_INTEGRATION)

demo:
	toolchain/deps
	$(MAKE) --no-print-directory demo-run
demo-run: all
	VSL_BUILD=$(CURDIR)/$(BUILD) sh tests/demo.sh

# Benchmarks run one after the other (never in parallel: they time things), each beside its
# baseline, printing ratios; append yours to the list. `make bench-NAME` runs tests/bench/NAME.sh.
BENCH_SCRIPTS := tests/bench/start.sh tests/bench/fuse.sh tests/bench/crun.sh tests/bench/build.sh
bench: all
	@rc=0; for b in $(BENCH_SCRIPTS); do \
		echo "=== $$b"; VSL_BUILD=$(CURDIR)/$(BUILD) sh $$b || rc=1; \
	done; exit $$rc
bench-%: all
	VSL_BUILD=$(CURDIR)/$(BUILD) sh tests/bench/$*.sh

check-container:
	sh tests/container/check.sh

# `make install [PREFIX=/usr/local] [DESTDIR=]`: vessel for this machine, the stubs for every
# arch and mksquashfs where vessel looks for them (<bindir>/../libexec/vessel/), and the man
# pages. Installs what `make` built (and builds what is missing).
PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
MAN_PAGES := $(sort $(wildcard docs/man/*.[1-9]))
INSTALL_LIBEXEC := $(BUILD)/$(HOST_ARCH)/libexec/vessel/mksquashfs \
	$(foreach a,$(ARCHES_ALL),$(BUILD)/$(HOST_ARCH)/libexec/vessel/vessel-stub-$(ARCH_OCI_$(a)))
install: $(BUILD)/$(HOST_ARCH)/bin/vessel $(INSTALL_LIBEXEC) $(MAN_PAGES)
	$(call say,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/vessel \
		$(foreach s,$(sort $(subst .,,$(suffix $(MAN_PAGES)))),$(DESTDIR)$(MANDIR)/man$(s))
	$(Q)install -m 0755 $(BUILD)/$(HOST_ARCH)/bin/vessel $(DESTDIR)$(PREFIX)/bin/vessel
	$(Q)install -m 0755 $(INSTALL_LIBEXEC) $(DESTDIR)$(PREFIX)/libexec/vessel/
	$(Q)$(foreach p,$(MAN_PAGES),install -m 0644 $(p) $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/ &&) true
uninstall:
	$(call say,RM,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(PREFIX)/bin/vessel $(addprefix $(DESTDIR)$(PREFIX)/libexec/vessel/,$(notdir $(INSTALL_LIBEXEC))) \
		$(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
	$(Q)rmdir $(DESTDIR)$(PREFIX)/libexec/vessel 2>/dev/null || true

# Fuzzing: `make fuzz` builds every libFuzzer harness in tests/fuzz with the host's clang
# (ASan + UBSan) and runs each for FUZZ_TIME seconds on one core, niced, from seeds made at fuzz
# time (tests/fuzz/run.sh; corpora and crash inputs stay in build/fuzz, never committed).
# FUZZ_TARGETS narrows the run: `make fuzz FUZZ_TARGETS=sqfs FUZZ_TIME=600`.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_ALL := sqfs tar trailer
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Icommon -Iruntime -DVSL_ARCH_MULTIARCH='"$(ARCH_MULTIARCH_$(HOST_ARCH))"'
FUZZ_SRCS_sqfs := $(filter runtime/sqfs/%,$(RUNTIME_SRCS)) runtime/fuse_warm.c common/error.c \
	common/log.c
FUZZ_LIBS_sqfs := -lzstd -lz -lpthread
FUZZ_SRCS_tar := common/tar.c common/tarread.c common/tarenc.c common/error.c common/log.c
FUZZ_SRCS_trailer := common/format.c common/sha256.c common/error.c common/log.c
define fuzz_rules
$(BUILD)/fuzz/fuzz-$(1): tests/fuzz/fuzz-$(1).c $(FUZZ_SRCS_$(1)) \
		$(wildcard common/*.h runtime/*.h runtime/sqfs/*.h)
	@mkdir -p $$(@D)
	$$(call say,CC,fuzz $$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ $$(filter %.c,$$^) $(FUZZ_LIBS_$(1))
endef
$(foreach f,$(FUZZ_ALL),$(eval $(call fuzz_rules,$(f))))
.PHONY: fuzz fuzz-build
fuzz-build: $(foreach f,$(FUZZ_TARGETS),$(BUILD)/fuzz/fuzz-$(f))
fuzz: fuzz-build
	sh tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_TIME) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD)
distclean: clean
	@echo "the toolchain cache is in $(VESSEL_CACHE); remove it by hand if you want"
