# SPDX-License-Identifier: Apache-2.0
# zstd 1.5.4, multi-threaded static lib, plus Debian's 0020-upstream-fix-block-splitter.patch
# (taken from the pinned Debian tarball: it fixes a compression bug in 1.5.4's block splitter
# that can produce corrupt frames at high levels).
define zstd_rules
$(OUT)/.stamp/$(1)/zstd: $(OUT)/.stamp/$(1)/musl
	$(call unpack,$(call W,$(1))/zstd,$(call dl,libzstd_1.5.4+dfsg2.orig.tar.xz))
	tar -xf $(call dl,libzstd_1.5.4+dfsg2-5.debian.tar.xz) -C $(call W,$(1))/zstd \
		debian/patches/0020-upstream-fix-block-splitter.patch
	patch -d $(call W,$(1))/zstd -p1 -s < $(call W,$(1))/zstd/debian/patches/0020-upstream-fix-block-splitter.patch
	$$(MAKE) -C $(call W,$(1))/zstd/lib libzstd.a-mt $(call XENV,$(1)) ZSTD_LEGACY_SUPPORT=0 >/dev/null
	mkdir -p $(call SYSROOT,$(1))/include $(call SYSROOT,$(1))/lib
	cp $(call W,$(1))/zstd/lib/libzstd.a $(call SYSROOT,$(1))/lib/
	cp $(call W,$(1))/zstd/lib/zstd.h $(call W,$(1))/zstd/lib/zstd_errors.h \
		$(call W,$(1))/zstd/lib/zdict.h $(call SYSROOT,$(1))/include/
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call zstd_rules,$(a))))
