# SPDX-License-Identifier: Apache-2.0
# squashfs-tools 4.5.1: static mksquashfs (the builder writes the squashfs section with it) and
# unsquashfs, with gzip and zstd only. x86_64 and aarch64 builds write byte-identical images.
define squashfs_rules
$(OUT)/.stamp/$(1)/squashfs: $(OUT)/.stamp/$(1)/zlib $(OUT)/.stamp/$(1)/zstd
	$(call unpack,$(call W,$(1))/squashfs,$(call dl,squashfs-tools_4.5.1.orig.tar.gz))
	$$(MAKE) -C $(call W,$(1))/squashfs/squashfs-tools mksquashfs unsquashfs \
		CC=$(call CC_FOR,$(1)) EXTRA_CFLAGS="$(call TC_CFLAGS,$(1))" LDFLAGS="-static -Wl,--gc-sections" \
		GZIP_SUPPORT=1 ZSTD_SUPPORT=1 XZ_SUPPORT=0 LZO_SUPPORT=0 LZ4_SUPPORT=0 LZMA_XZ_SUPPORT=0 \
		XATTR_SUPPORT=1 COMP_DEFAULT=zstd >/dev/null
	mkdir -p $(call P,$(1))/bin
	for t in mksquashfs unsquashfs; do $(call STRIP_FOR,$(1)) -o $(call P,$(1))/bin/$$$$t \
		$(call W,$(1))/squashfs/squashfs-tools/$$$$t; done
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call squashfs_rules,$(a))))
