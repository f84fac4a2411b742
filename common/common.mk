# SPDX-License-Identifier: Apache-2.0
# Sources shared by the builder and the runtime stub (linked into libvsl-common.a per arch).
COMMON_SRCS += common/error.c common/log.c common/format.c common/sha256.c common/passwd.c
COMMON_SRCS += common/fsutil.c common/tar.c common/tarenc.c common/tarread.c common/ocimounts.c
