# SPDX-License-Identifier: Apache-2.0
# libcap 2.66 (libcap.a only; no psx, no Go, no tools). BUILD_CC builds its _makenames helper for
# the host. USE_GPERF=no: libcap uses gperf whenever `which gperf` finds it, which gives another
# cap_text.o (a gperf name table instead of a linear lookup); the output must not depend on
# whether the build machine happens to have gperf (Dockerfile.build's image does).
define libcap_rules
$(OUT)/.stamp/$(1)/libcap: $(OUT)/.stamp/$(1)/musl
	$(call unpack,$(call W,$(1))/libcap,$(call dl,libcap2_2.66.orig.tar.xz))
	$$(MAKE) -C $(call W,$(1))/libcap/libcap libcap.a CC=$(call CC_FOR,$(1)) BUILD_CC=gcc \
		AR=$(call AR_FOR,$(1)) RANLIB=$(call RANLIB_FOR,$(1)) COPTS="$(call TC_CFLAGS,$(1))" \
		BUILD_CFLAGS="$(TC_MAP)" GOLANG=no USE_GPERF=no >/dev/null
	mkdir -p $(call SYSROOT,$(1))/include/sys $(call SYSROOT,$(1))/lib/pkgconfig
	cp $(call W,$(1))/libcap/libcap/libcap.a $(call SYSROOT,$(1))/lib/
	cp $(call W,$(1))/libcap/libcap/include/sys/capability.h $(call SYSROOT,$(1))/include/sys/
	printf 'prefix=%s\nName: libcap\nDescription: libcap\nVersion: 2.66\nLibs: -L$$$${prefix}/lib -lcap\nCflags: -I$$$${prefix}/include\n' \
		$(call SYSROOT,$(1)) > $(call SYSROOT,$(1))/lib/pkgconfig/libcap.pc
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call libcap_rules,$(a))))
