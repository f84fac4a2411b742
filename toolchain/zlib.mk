# SPDX-License-Identifier: Apache-2.0
# zlib 1.2.13 (static): gzip layers in the builder, gzip squashfs images, mksquashfs -comp gzip.
define zlib_rules
$(OUT)/.stamp/$(1)/zlib: $(OUT)/.stamp/$(1)/musl
	$(call unpack,$(call W,$(1))/zlib,$(call dl,zlib_1.2.13.dfsg.orig.tar.bz2))
	cd $(call W,$(1))/zlib && $(call XENV,$(1)) CHOST=$(call GNU_TRIPLE,$(1)) \
		./configure --static --prefix=$(call SYSROOT,$(1)) >/dev/null
	$$(MAKE) -C $(call W,$(1))/zlib libz.a >/dev/null
	$$(MAKE) -C $(call W,$(1))/zlib install >/dev/null
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call zlib_rules,$(a))))
