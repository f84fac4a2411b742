# SPDX-License-Identifier: Apache-2.0
# libcrun from crun 1.8.1 (the library only; no crun CLI, no systemd, no criu), linked against our
# yajl, libseccomp and libcap. Patches in toolchain/patches/crun/ (the re-exec constructor is
# removed). --build is passed explicitly so configure never thinks it is native when qemu is
# registered with binfmt. <argp.h> comes from toolchain/files/crun-compat (musl has none), and
# configure's argp_parse probe is answered through its cache variable: only the crun CLI, which
# we do not build, calls argp.
# The libcrun and libocispec headers are installed under include/libcrun and include/ocispec.
define crun_rules
$(OUT)/.stamp/$(1)/crun: $(OUT)/.stamp/$(1)/yajl $(OUT)/.stamp/$(1)/libseccomp $(OUT)/.stamp/$(1)/libcap
	$(call unpack,$(call W,$(1))/crun,$(call dl,crun_1.8.1.orig.tar.xz))
	$(call apply_patches,$(call W,$(1))/crun,crun)
	mkdir -p $(call SYSROOT,$(1))/include/libcrun-compat && cp $(TOP)/toolchain/files/crun-compat/argp.h $(call SYSROOT,$(1))/include/libcrun-compat/
	cd $(call W,$(1))/crun && $(call XENV,$(1)) CPPFLAGS="-I$(call SYSROOT,$(1))/include/libcrun-compat" \
		ac_cv_search_argp_parse="none required" \
		./configure --host=$(ARCH_TRIPLE_$(1)) --build=$(BUILD_TRIPLE) \
		--enable-static --disable-shared --disable-systemd --disable-criu --disable-bpf --disable-dl \
		--without-python-bindings >/dev/null
	$$(MAKE) -C $(call W,$(1))/crun libcrun.la >/dev/null
	mkdir -p $(call SYSROOT,$(1))/include/libcrun $(call SYSROOT,$(1))/include/ocispec
	cp $(call W,$(1))/crun/.libs/libcrun.a $(call SYSROOT,$(1))/lib/
	cp $(call W,$(1))/crun/src/libcrun/*.h $(call SYSROOT,$(1))/include/libcrun/
	cp $(call W,$(1))/crun/config.h $(call SYSROOT,$(1))/include/libcrun-compat/config.h
	cp $(call W,$(1))/crun/libocispec/src/ocispec/*.h $(call SYSROOT,$(1))/include/ocispec/
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call crun_rules,$(a))))
