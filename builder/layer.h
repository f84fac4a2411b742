/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A layer blob as a byte stream of tar: gzip, zstd or plain, told apart by magic so a blob
 * whose media type lies still applies. Reads the fd sequentially through fixed buffers, so a
 * layer is never held in memory and a pipe works as well as a file. Internal to rootfs.c.
 */
#ifndef VSL_LAYER_H
#define VSL_LAYER_H

#include <sys/types.h>

#include "error.h"

struct vsl_layer_src;

struct vsl_layer_src *vsl_layer_src_open(int fd, const char *name, struct vsl_error *err);
/* A vsl_tar_read_fn: ctx is the vsl_layer_src. Errors do not name the layer: callers do. */
ssize_t vsl_layer_src_read(void *ctx, void *buf, size_t n, struct vsl_error *err);
/* "gzip", "zstd" or "tar". */
const char *vsl_layer_src_kind(const struct vsl_layer_src *s);
void vsl_layer_src_close(struct vsl_layer_src *s);

#endif
