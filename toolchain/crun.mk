# SPDX-License-Identifier: Apache-2.0
# libcrun from crun 1.8.1 (the library only; no crun CLI, no systemd, no criu, no eBPF), linked
# against our yajl, libseccomp and libcap. Patches in toolchain/patches/crun/ (the re-exec
# constructor is removed).
# crun's autoconf build (its configure, libocispec's configure, libtool) cost about 130 s of CPU
# per arch here, of which the compiles are a small part; so the library is compiled directly by
# toolchain/objs.mk from the same source lists as crun's Makefile.am (libcrun_SOURCES, and
# libocispec's SOURCE_FILES + read-file.c + json_common.c, pre-generated in the release tarball)
# with the config.h configure wrote for this configuration (toolchain/files/crun/config.h).
# libcrun's headers include <argp.h> for error_t and <config.h>: both are installed in
# include/libcrun-compat (files/crun/argp.h stands in for musl's missing argp), which only the
# files that include libcrun put on their include path. The libcrun and libocispec headers go to
# include/libcrun and include/ocispec.
CRUN_SRCS := $(addprefix src/libcrun/,utils.c cloned_binary.c container.c cgroup.c \
	cgroup-cgroupfs.c cgroup-resources.c cgroup-setup.c cgroup-systemd.c cgroup-utils.c criu.c \
	custom-handler.c linux.c seccomp.c ebpf.c error.c status.c terminal.c chroot_realpath.c \
	signals.c mount_flags.c seccomp_notify.c handlers/handler-utils.c handlers/krun.c \
	handlers/wasmedge.c handlers/mono.c handlers/wasmtime.c handlers/wasmer.c)
OCISPEC_SRCS := $(addprefix libocispec/src/ocispec/,image_spec_schema_config_schema.c \
	image_spec_schema_content_descriptor.c image_spec_schema_defs.c \
	image_spec_schema_defs_descriptor.c image_spec_schema_image_index_schema.c \
	image_spec_schema_image_layout_schema.c image_spec_schema_image_manifest_schema.c \
	runtime_spec_schema_config_linux.c runtime_spec_schema_config_zos.c \
	runtime_spec_schema_config_schema.c runtime_spec_schema_config_solaris.c \
	runtime_spec_schema_config_vm.c runtime_spec_schema_config_windows.c \
	runtime_spec_schema_defs.c runtime_spec_schema_defs_linux.c runtime_spec_schema_defs_zos.c \
	runtime_spec_schema_defs_vm.c runtime_spec_schema_defs_windows.c \
	runtime_spec_schema_state_schema.c image_manifest_items_image_manifest_items_schema.c \
	basic_test_double_array_item.c basic_test_double_array.c basic_test_top_array_int.c \
	basic_test_top_array_string.c basic_test_top_double_array_int.c \
	basic_test_top_double_array_obj.c basic_test_top_double_array_refobj.c \
	basic_test_top_double_array_string.c read-file.c json_common.c)
define crun_rules
$(OUT)/.stamp/$(1)/crun: $(OUT)/.stamp/$(1)/yajl $(OUT)/.stamp/$(1)/libseccomp $(OUT)/.stamp/$(1)/libcap
	$(call unpack,$(call W,$(1))/crun,$(call dl,crun_1.8.1.orig.tar.xz))
	$(call apply_patches,$(call W,$(1))/crun,crun)
	mkdir -p $(call SYSROOT,$(1))/include/libcrun-compat
	cp $(TOP)/toolchain/files/crun/argp.h $(TOP)/toolchain/files/crun/config.h \
		$(call SYSROOT,$(1))/include/libcrun-compat/
	cp $(TOP)/toolchain/files/crun/ocispec-config.h $(call W,$(1))/crun/libocispec/config.h
	$$(MAKE) --no-print-directory -f $(TOP)/toolchain/objs.mk SRCDIR=$(call W,$(1))/crun \
		OBJDIR=$(call W,$(1))/crun/.objs LIB=$(call SYSROOT,$(1))/lib/libcrun.a \
		SRCS="$(CRUN_SRCS) $(OCISPEC_SRCS)" CC=$(call CC_FOR,$(1)) AR=$(call AR_FOR,$(1)) \
		CFLAGS="$(call TC_CFLAGS,$(1)) -DHAVE_CONFIG_H -fvisibility=hidden \
			-I$(call SYSROOT,$(1))/include/libcrun-compat -I$(call W,$(1))/crun/libocispec \
			-I$(call W,$(1))/crun/src -I$(call W,$(1))/crun/libocispec/src" >/dev/null
	mkdir -p $(call SYSROOT,$(1))/include/libcrun $(call SYSROOT,$(1))/include/ocispec
	cp $(call W,$(1))/crun/src/libcrun/*.h $(call SYSROOT,$(1))/include/libcrun/
	cp $(call W,$(1))/crun/libocispec/src/ocispec/*.h $(call SYSROOT,$(1))/include/ocispec/
	mkdir -p $$(dir $$@) && touch $$@
endef
$(foreach a,$(ARCHES),$(eval $(call crun_rules,$(a))))
