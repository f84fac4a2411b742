# SPDX-License-Identifier: Apache-2.0
# The runtime stub: everything but main.c goes into libvsl-runtime.a so unit tests can link it.
RUNTIME_SRCS += runtime/options.c runtime/env.c runtime/userspec.c runtime/config.c \
	runtime/payload.c runtime/launch.c runtime/userns.c runtime/rundir.c runtime/overlay.c \
	runtime/copytree.c runtime/mounts.c runtime/signals.c runtime/runner.c
RUNTIME_SRCS += runtime/extract.c
# The FUSE fast path: the parent's side (mount, start, stop) and the lowlevel server.
RUNTIME_SRCS += runtime/fuse.c runtime/fuse_ll.c runtime/fuse_files.c runtime/fuse_warm.c
STUB_MAIN := runtime/main.c
# Third-party libraries the stub links (from the toolchain sysroot).
STUB_LIBS := -lfuse3 -lpthread -lzstd -lyajl
include runtime/sqfs/sqfs.mk
