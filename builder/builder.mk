# SPDX-License-Identifier: Apache-2.0
# The `vessel` CLI: everything but main.c goes into libvsl-builder.a so unit tests can link it.
BUILDER_SRCS +=
BUILDER_SRCS += builder/layer.c builder/rootfs.c builder/tarzst.c builder/pseudo.c \
		builder/squashfs.c builder/squashfs_xattr.c
BUILDER_SRCS += builder/arch.c builder/assemble.c builder/build.c builder/cli.c builder/guard.c builder/json.c \
		builder/manifest.c builder/manifest_docker.c builder/ocispec.c builder/source.c \
		builder/source_archive.c builder/source_docker.c builder/source_layer.c \
		builder/source_oci.c builder/source_ref.c builder/source_skopeo.c builder/user.c
VESSEL_MAIN := builder/main.c
VESSEL_LIBS := -lzstd -lyajl -lz -lpthread
# The commands that read a built file, and the progress display.
BUILDER_SRCS += builder/cli_tools.c builder/extract_cmd.c builder/inspect.c builder/progress.c \
		builder/unsquash.c
