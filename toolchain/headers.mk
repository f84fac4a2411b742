# SPDX-License-Identifier: Apache-2.0
# Kernel UAPI headers, pinned: Debian's linux-libc-dev-<arch>-cross 6.1.4 debs. The musl specs
# use -nostdinc, so the wrapper adds this dir after musl's own include dir.
define headers_rules
$(OUT)/.stamp/$(1)/headers:
	rm -rf $(call W,$(1))/headers && mkdir -p $(call W,$(1))/headers $(call P,$(1))/kernel-headers
	dpkg-deb -x $(call dl,linux-libc-dev-$(ARCH_DEB_$(1))-cross_6.1.4-1cross1_all.deb) $(call W,$(1))/headers
	cp -a $(call W,$(1))/headers/usr/$(call GNU_TRIPLE,$(1))/include $(call P,$(1))/kernel-headers/
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call headers_rules,$(a))))
