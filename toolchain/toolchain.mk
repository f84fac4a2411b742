# SPDX-License-Identifier: Apache-2.0
# The toolchain as seen from the top-level Makefile: where it lives and when it must be rebuilt.
# It lives outside the checkout, in $(VESSEL_CACHE)/toolchain-<key>. The key hashes everything
# that can change its bytes: versions.lock, the recipes, patches and files under toolchain/, the
# arch facts the recipes use (not the test-only ones), and the versions of the host tools. A warm machine therefore skips
# the build entirely (make sees the stamp), and any input change gives a fresh directory.
VESSEL_CACHE ?= $(HOME)/.cache/vessel
TC_DL := $(VESSEL_CACHE)/downloads
TC_INPUTS := $(sort $(shell find toolchain -type f ! -name toolchain.mk ! -name deps))
TC_ARCH_FACTS := $(foreach a,$(ARCHES_ALL),$(a): $(foreach v,TRIPLE GNU_PREFIX DEB MUSL MESON_CPU_FAMILY CFLAGS,$(ARCH_$(v)_$(a))))
TC_TOOLS := gcc ld
TC_TOOL_VERSIONS = $(foreach a,$(ARCHES_ALL),$(foreach t,$(TC_TOOLS),$(ARCH_GNU_PREFIX_$(a))$(t) --version 2>&1 | head -1;)) \
	cmake --version 2>&1 | head -1; meson --version 2>&1; gcc --version 2>&1 | head -1; tar --version | head -1;
TC_KEY := $(shell { for f in $(TC_INPUTS); do echo "== $$f"; cat $$f; done; \
	echo '$(TC_ARCH_FACTS)'; $(TC_TOOL_VERSIONS) } | sha256sum | cut -c1-16)
TC_DIR := $(VESSEL_CACHE)/toolchain-$(TC_KEY)
# The toolchain build is parallel on its own, whatever -j the caller gave (both arches at once).
TC_JOBS ?= $(shell nproc)
TC_STAMP := $(TC_DIR)/.complete

.PHONY: toolchain fetch toolchain-hashes toolchain-key
toolchain: $(TC_STAMP)

fetch:
	toolchain/fetch $(TC_DL) >&2

toolchain-key:
	@echo $(TC_KEY)

# Built in a temp dir next to the final one and renamed at the end, under a lock, so an
# interrupted build is never taken for a finished one and two checkouts sharing a cache do not
# build the same key twice.
$(TC_STAMP):
	@mkdir -p $(VESSEL_CACHE)
	toolchain/fetch $(TC_DL) >&2
	@set -e; exec 9>$(VESSEL_CACHE)/toolchain.lock; flock 9; \
	if [ -f $@ ]; then exit 0; fi; \
	rm -rf $(TC_DIR).tmp.*; tmp=$$(mktemp -d $(TC_DIR).tmp.XXXXXX); \
	echo "toolchain: building $(TC_DIR) (log: $$tmp.log)" >&2; \
	start=$$(date +%s); \
	if ! $(MAKE) -j$(TC_JOBS) --no-print-directory -f toolchain/build.mk OUT=$$tmp DL=$(TC_DL) \
		ARCHES="$(ARCHES_ALL)" > $$tmp.log 2>&1; then \
		tail -40 $$tmp.log; echo "toolchain: build failed, full log in $$tmp.log" >&2; \
		rm -rf $$tmp; exit 1; fi; \
	touch $$tmp/.complete; chmod 755 $$tmp; rm -rf $(TC_DIR); mv -T $$tmp $(TC_DIR); rm -f $$tmp.log; \
	echo "toolchain: built in $$(( $$(date +%s) - start )) s" >&2

# sha256 of every static library and binary the toolchain produced plus the toolchain test
# programs, relative paths: the reproducibility checks compare these lists.
toolchain-hashes: $(TC_STAMP) $(foreach a,$(ARCHES_ALL),$(BUILD)/$(a)/tests/t-toolchain)
	@cd $(TC_DIR) && find . -type f \( -name '*.a' -o -path './*/bin/*squashfs' \) -print0 | \
		LC_ALL=C sort -z | xargs -0 sha256sum
	@cd $(BUILD) && sha256sum $(foreach a,$(ARCHES_ALL),$(a)/tests/t-toolchain)
