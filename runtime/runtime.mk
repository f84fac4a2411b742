# SPDX-License-Identifier: Apache-2.0
# The runtime stub: everything but main.c goes into libvsl-runtime.a so unit tests can link it.
RUNTIME_SRCS += runtime/options.c runtime/env.c runtime/userspec.c runtime/config.c \
	runtime/payload.c runtime/launch.c runtime/userns.c runtime/rundir.c runtime/overlay.c \
	runtime/copytree.c runtime/mounts.c runtime/signals.c runtime/runner.c \
	runtime/emulation.c runtime/cgroup.c runtime/crunspec.c
RUNTIME_SRCS += runtime/extract.c runtime/extract_tree.c
# Subordinate id ranges: /etc/subuid parsing, id maps, the newuidmap/newgidmap helper.
RUNTIME_SRCS += runtime/subid.c runtime/idmap.c runtime/usermap.c
# The FUSE fast path: the parent's side (mount, start, stop) and the lowlevel server.
RUNTIME_SRCS += runtime/fuse.c runtime/fuse_ll.c runtime/fuse_files.c runtime/fuse_warm.c
STUB_MAIN := runtime/main.c
# The libcrun launcher: only in the stub (not in libvsl-runtime.a, whose objects the host ASan
# build compiles too, without libcrun's headers). They include libcrun: see LIBCRUN_USERS.
STUB_SRCS := runtime/crun.c runtime/crun_console.c runtime/crun_exec.c
# Third-party libraries the stub links (from the toolchain sysroot), users before what they use.
STUB_LIBS := -lcrun -lseccomp -lcap -lfuse3 -lpthread -lzstd -lyajl
include runtime/sqfs/sqfs.mk
RUNTIME_SRCS += runtime/tty.c
