# SPDX-License-Identifier: Apache-2.0
# Compile a list of C sources into one deterministic static archive, for third-party libraries
# whose own build system costs more than the compile (autoconf + libtool: crun, libseccomp).
# Run as a sub-make, so the compiles share the toolchain build's jobserver:
#   $(MAKE) -f toolchain/objs.mk SRCDIR=<tree> OBJDIR=<dir> LIB=<lib.a> SRCS="<rel paths>" \
#           CC=<cc> AR=<ar> CFLAGS="<flags>"
# Members are added in SRCS order with `ar D` (zero dates and ids), so the archive's bytes
# depend only on the objects.
OBJS := $(patsubst %.c,$(OBJDIR)/%.o,$(SRCS))

$(LIB): $(OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) qcsD $@ $^

$(OBJDIR)/%.o: $(SRCDIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<
