# SPDX-License-Identifier: Apache-2.0
# The SquashFS 4.0 reader core (no syscalls; the FUSE binding reads through it).
RUNTIME_SRCS += runtime/sqfs/super.c runtime/sqfs/cache.c runtime/sqfs/decompress.c \
	runtime/sqfs/meta.c runtime/sqfs/table.c runtime/sqfs/inode.c runtime/sqfs/dir.c \
	runtime/sqfs/file.c runtime/sqfs/xattr.c
# gzip images need zlib once the stub reads squashfs; unused archives add nothing to the link.
STUB_LIBS += -lz
