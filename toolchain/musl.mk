# SPDX-License-Identifier: Apache-2.0
# musl 1.2.3 built from source with Debian's gcc for the arch (CROSS_COMPILE=<gnu-triple>-), then
# the <triple>-gcc wrapper: Debian's gcc driven by our specs. The specs file reads the toolchain
# root from $$VSL_TC_ROOT (set by the wrapper from its own location), so the toolchain can be
# built in a temp dir and renamed into the cache without rewriting any path.
define musl_rules
$(OUT)/.stamp/$(1)/musl: $(OUT)/.stamp/$(1)/headers
	$(call unpack,$(call W,$(1))/musl,$(call dl,musl_1.2.3.orig.tar.gz))
	cd $(call W,$(1))/musl && ./configure --prefix=$(call SYSROOT,$(1)) \
		--target=$(ARCH_MUSL_$(1))-linux-musl --disable-shared \
		CROSS_COMPILE=$(ARCH_GNU_PREFIX_$(1)) CC=$(ARCH_GNU_PREFIX_$(1))gcc \
		CFLAGS="$(call TC_CFLAGS,$(1))" >/dev/null
	$$(MAKE) -C $(call W,$(1))/musl >/dev/null
	$$(MAKE) -C $(call W,$(1))/musl install >/dev/null
	mkdir -p $(call P,$(1))/bin $(call P,$(1))/lib
	sed 's/@GNU@/$(ARCH_GNU_PREFIX_$(1))/' $(TOP)/toolchain/files/musl-gcc.specs.in > $(call P,$(1))/lib/musl-gcc.specs
	for t in gcc ar ranlib strip nm objcopy; do \
		sed -e 's/@GNU@/$(ARCH_GNU_PREFIX_$(1))/' -e "s/@TOOL@/$$$$t/" \
			$(TOP)/toolchain/files/wrapper.in > $(call P,$(1))/bin/$(ARCH_TRIPLE_$(1))-$$$$t; \
		chmod 755 $(call P,$(1))/bin/$(ARCH_TRIPLE_$(1))-$$$$t; done
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call musl_rules,$(a))))
