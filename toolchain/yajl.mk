# SPDX-License-Identifier: Apache-2.0
# yajl 2.1.0 (cmake, static only) with Debian's security patches from the pinned Debian tarball
# (CVE-2017-16516, CVE-2022-24795, CVE-2023-33460). crun 1.8.1's --enable-embedded-yajl is
# broken, so libcrun links this one.
YAJL_PATCHES := CVE-2017-16516.patch CVE-2022-24795.patch CVE-2023-33460.patch
define yajl_rules
$(OUT)/.stamp/$(1)/yajl: $(OUT)/.stamp/$(1)/musl
	$(call unpack,$(call W,$(1))/yajl,$(call dl,yajl_2.1.0.orig.tar.gz))
	tar -xf $(call dl,yajl_2.1.0-3+deb12u2.debian.tar.xz) -C $(call W,$(1))/yajl debian/patches
	for p in $(YAJL_PATCHES); do patch -d $(call W,$(1))/yajl -p1 -s < $(call W,$(1))/yajl/debian/patches/$$$$p; done
	cd $(call W,$(1))/yajl && $(call XENV,$(1)) cmake -S . -B build -DCMAKE_SYSTEM_NAME=Linux \
		-DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=$(call CC_FOR,$(1)) \
		-DCMAKE_AR=$(call AR_FOR,$(1)) -DCMAKE_RANLIB=$(call RANLIB_FOR,$(1)) >/dev/null
	$$(MAKE) -C $(call W,$(1))/yajl/build yajl_s >/dev/null
	mkdir -p $(call SYSROOT,$(1))/include/yajl $(call SYSROOT,$(1))/lib
	cp $(call W,$(1))/yajl/build/yajl-2.1.0/lib/libyajl_s.a $(call SYSROOT,$(1))/lib/libyajl.a
	cp $(call W,$(1))/yajl/build/yajl-2.1.0/include/yajl/*.h $(call SYSROOT,$(1))/include/yajl/
	mkdir -p $(call SYSROOT,$(1))/lib/pkgconfig && printf 'prefix=%s\nName: yajl\nDescription: yajl\nVersion: 2.1.0\nLibs: -L$$$${prefix}/lib -lyajl\nCflags: -I$$$${prefix}/include\n' \
		$(call SYSROOT,$(1)) > $(call SYSROOT,$(1))/lib/pkgconfig/yajl.pc
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call yajl_rules,$(a))))
