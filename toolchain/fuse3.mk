# SPDX-License-Identifier: Apache-2.0
# libfuse 3.14.0 (static lib only: no utils, examples or tests). --prefix=/usr keeps
# FUSERMOUNT_DIR sane even though vessel mounts with mount(2) fd= and never runs fusermount.
define fuse3_rules
$(OUT)/.stamp/$(1)/fuse3: $(OUT)/.stamp/$(1)/musl
	$(call unpack,$(call W,$(1))/fuse3,$(call dl,fuse3_3.14.0.orig.tar.xz))
	printf "[binaries]\nc = '%s'\nar = '%s'\nstrip = '%s'\n[host_machine]\nsystem = 'linux'\ncpu_family = '%s'\ncpu = '%s'\nendian = 'little'\n[built-in options]\nc_args = [%s]\n" \
		$(call CC_FOR,$(1)) $(call AR_FOR,$(1)) $(call STRIP_FOR,$(1)) \
		$(ARCH_MESON_CPU_FAMILY_$(1)) $(ARCH_MESON_CPU_FAMILY_$(1)) \
		"$(foreach f,$(call TC_CFLAGS,$(1)),'$(f)',)" > $(call W,$(1))/fuse3/cross.txt
	cd $(call W,$(1))/fuse3 && PKG_CONFIG_LIBDIR=$(call SYSROOT,$(1))/lib/pkgconfig meson setup build \
		--cross-file cross.txt --prefix=/usr --libdir=lib --default-library=static \
		--buildtype=release -Dutils=false -Dexamples=false -Dtests=false -Duseroot=false \
		-Ddisable-mtab=true -Dudevrulesdir=/tmp -Dinitscriptdir= >/dev/null
	ninja -C $(call W,$(1))/fuse3/build -j2 lib/libfuse3.a >/dev/null
	mkdir -p $(call SYSROOT,$(1))/include/fuse3 $(call SYSROOT,$(1))/lib
	cp $(call W,$(1))/fuse3/build/lib/libfuse3.a $(call SYSROOT,$(1))/lib/
	cp $(call W,$(1))/fuse3/include/*.h $(call W,$(1))/fuse3/build/libfuse_config.h $(call SYSROOT,$(1))/include/fuse3/
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call fuse3_rules,$(a))))
