# SPDX-License-Identifier: Apache-2.0
# libseccomp 2.5.4 (static). The release tarball ships the generated syscall table, so gperf is
# not needed (GPERF=false makes sure it is never run).
define libseccomp_rules
$(OUT)/.stamp/$(1)/libseccomp: $(OUT)/.stamp/$(1)/musl
	$(call unpack,$(call W,$(1))/libseccomp,$(call dl,libseccomp_2.5.4.orig.tar.gz))
	cd $(call W,$(1))/libseccomp && $(call XENV,$(1)) GPERF=false ./configure \
		--host=$(ARCH_TRIPLE_$(1)) --build=$(BUILD_TRIPLE) --prefix=$(call SYSROOT,$(1)) \
		--enable-static --disable-shared --disable-python >/dev/null
	$$(MAKE) -C $(call W,$(1))/libseccomp/src >/dev/null
	$$(MAKE) -C $(call W,$(1))/libseccomp/src install >/dev/null
	$$(MAKE) -C $(call W,$(1))/libseccomp/include install >/dev/null
	$$(MAKE) -C $(call W,$(1))/libseccomp install-pkgconfDATA >/dev/null
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call libseccomp_rules,$(a))))
