# phoneboot - GNU make, pkg-config; no autotools.
#   make            ./phoneboot (-O2)
#   make run        build, then serve from the source tree (state in ./var)
#   make test       sanitizer build, unit tests (cmocka), integration tests (shell)
#   make test-deps-check  the integration tests under strace: every program they run
#                   comes from scripts/deps.sh test or the base system (slow; CI runs it)
#   make syscalls-check  (root) record the daemon's system calls now (scripts/record-syscalls.sh)
#                   and check the unit's filter against them; CI runs it
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (default 60)
#   make bench      side-by-side TFTP benchmark against the peers (../shared/bench)
#   make cleanroom  the README's commands in a fresh Debian root (root; scripts/cleanroom.sh)
#   make install    PREFIX (/usr/local), DESTDIR
#   make deb        the Debian package (dpkg-buildpackage -us -uc -b), into build/deb/
#   NO_DEPS=1       skip the build-dependency check (scripts/deps.sh build) made first
#                   on every target (debian/rules sets it: no apt-get in a package build)
VERSION := 0.1
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share/phoneboot
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
SHARED ?= ../shared
FUZZ_SECONDS ?= 60

CC ?= cc
PKGS := sqlite3 inih jansson libarchive libxml-2.0
# the packages must be there before pkg-config is asked; NO_DEPS=1 skips the
# check and its apt-get (a package build: Build-Depends installed them;
# libcsv has no .pc: -lcsv)
ifeq ($(NO_DEPS),)
DEPS_OK := $(shell scripts/deps.sh build >&2 && echo ok)
ifneq ($(DEPS_OK),ok)
$(error missing build dependencies: run scripts/deps.sh as root)
endif
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
# libxml2 (src/sim.c) and libarchive (src/arch.c) are opened with dlopen when
# first used: the daemon's resident memory stays free of them
PKG_LIBS := $(shell pkg-config --libs $(filter-out libxml-2.0 libarchive,$(PKGS))) -lcsv

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -DPHONEBOOT_VERSION='"$(VERSION)"' $(WARN) $(PKG_CFLAGS) -Isrc
CFLAGS ?= -O2 -g
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

SRCS := $(wildcard src/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
# data built into the binary
GEN := build/gen/models_data.c build/gen/known_data.c
OBJS := $(SRCS:src/%.c=build/rel/%.o) build/rel/models_data.o build/rel/known_data.o
SAN_OBJS := $(SRCS:src/%.c=build/asan/%.o) build/asan/models_data.o build/asan/known_data.o
SAN_LIB_OBJS := $(LIB_SRCS:src/%.c=build/asan/%.o) build/asan/models_data.o build/asan/known_data.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/asan/%)
FUZZ_SRCS := $(wildcard fuzz/*.c)
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)

all: phoneboot

# CPPFLAGS and LDFLAGS: empty here; dpkg-buildflags' hardening in a package build
phoneboot: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS) -lm

build/rel/%.o: src/%.c $(wildcard src/*.h) | build/rel
	$(CC) $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/gen/models_data.c: data/models.conf scripts/embed.sh | build/gen
	scripts/embed.sh models_builtin $< >$@.tmp && mv $@.tmp $@

build/gen/known_data.c: data/known-firmware.conf scripts/embed.sh | build/gen
	scripts/embed.sh known_builtin $< >$@.tmp && mv $@.tmp $@

build/rel/%_data.o: build/gen/%_data.c | build/rel
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/asan/%_data.o: build/gen/%_data.c | build/asan
	$(CC) $(SAN_CFLAGS) -c -o $@ $<

build/asan/%.o: src/%.c $(wildcard src/*.h) | build/asan
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) -c -o $@ $<

build/asan/phoneboot: $(SAN_OBJS)
	$(CC) $(SAN_CFLAGS) -o $@ $(SAN_OBJS) $(PKG_LIBS) -lm

build/asan/test_%: tests/unit/test_%.c $(SAN_LIB_OBJS)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $$(pkg-config --cflags cmocka) -o $@ $< $(SAN_LIB_OBJS) \
		$(PKG_LIBS) -lm $$(pkg-config --libs cmocka)

build/fuzz/%: fuzz/%.c $(LIB_SRCS) $(GEN) $(wildcard src/*.h) | build/fuzz
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(PKG_CFLAGS) \
		-o $@ $< $(LIB_SRCS) $(GEN) $(PKG_LIBS) -lm

build/rel build/asan build/fuzz build/gen:
	mkdir -p $@

test-deps:
	@scripts/deps.sh test

test: test-deps build/asan/phoneboot $(UNIT_BINS)
	@PHONEBOOT=$(CURDIR)/build/asan/phoneboot UNIT_BINS="$(UNIT_BINS)" tests/run-tests.sh

# root: the daemon's system calls and address families recorded now, against the
# unit (make test checks the committed lists in debian/; this catches a stale one)
syscalls-check: test-deps phoneboot build/asan/phoneboot
	@scripts/record-syscalls.sh -o build/syscalls
	@PB_LISTS=$(CURDIR)/build/syscalls PHONEBOOT=$(CURDIR)/build/asan/phoneboot \
		bash tests/integration/unit_check.sh

test-deps-check: test-deps build/asan/phoneboot
	@TESTS="$(TESTS)" scripts/test-deps-check.sh

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do \
		n=$${f#build/fuzz/}; corpus=build/fuzz/corpus-$$n; mkdir -p $$corpus; \
		[ -d fuzz/corpus/$$n ] && cp -n fuzz/corpus/$$n/* $$corpus/ 2>/dev/null || true; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -artifact_prefix=build/fuzz/$$n- \
			-print_final_stats=1 $$corpus 2>build/fuzz/$$n.log || \
			{ tail -40 build/fuzz/$$n.log; echo "fuzz: $$n FAILED (see build/fuzz/$$n.log)"; exit 1; }; \
		grep -E '^stat::number_of_executed_units' build/fuzz/$$n.log || true; \
	done; echo "fuzz: all targets ran without a crash"

run: phoneboot
	@scripts/run.sh

bench: phoneboot
	@scripts/deps.sh bench
	bench/run.sh $(BENCH_ARGS)

bench-dhcp: phoneboot
	@scripts/deps.sh bench
	bench/dhcp.sh $(BENCH_ARGS)

bench-import: phoneboot
	@scripts/deps.sh bench
	bench/import.sh

# phone import of 10,000 phones beside a daemon serving TFTP (docs/benchmarks.md)
bench-phones: phoneboot
	bench/phone_import.sh $(BENCH_ARGS)

install: phoneboot
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSCONFDIR)/phoneboot $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)
	install -m 755 phoneboot $(DESTDIR)$(SBINDIR)/phoneboot
	install -m 644 man/phoneboot.8 $(DESTDIR)$(MANDIR)/man8/phoneboot.8
	install -m 644 man/phoneboot.conf.5 $(DESTDIR)$(MANDIR)/man5/phoneboot.conf.5
	install -m 644 data/models.conf data/known-firmware.conf $(DESTDIR)$(DATADIR)/
	sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/phoneboot.service >$(DESTDIR)$(UNITDIR)/phoneboot.service
	chmod 644 $(DESTDIR)$(UNITDIR)/phoneboot.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/phoneboot/phoneboot.conf ] || \
		install -m 644 contrib/phoneboot.conf $(DESTDIR)$(SYSCONFDIR)/phoneboot/phoneboot.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/phoneboot $(DESTDIR)$(MANDIR)/man8/phoneboot.8 \
		$(DESTDIR)$(MANDIR)/man5/phoneboot.conf.5 $(DESTDIR)$(UNITDIR)/phoneboot.service \
		$(DESTDIR)$(DATADIR)/models.conf $(DESTDIR)$(DATADIR)/known-firmware.conf

# dpkg-buildpackage writes beside the checkout: the results are moved into
# build/deb/ (its clean step removes build/, so they are moved after)
deb:
	@scripts/deps.sh package
	dpkg-buildpackage -us -uc -b
	mkdir -p build/deb
	mv ../phoneboot_$(VERSION)_*.deb ../phoneboot_$(VERSION)_*.changes \
		../phoneboot_$(VERSION)_*.buildinfo build/deb/
	-mv ../phoneboot-dbgsym_$(VERSION)_*.deb build/deb/ 2>/dev/null

# no build here: the clean room builds from a clone of HEAD inside its own root
cleanroom:
	@scripts/cleanroom.sh $(CLEANROOM_ARGS)

clean:
	rm -rf build phoneboot

.PHONY: all test test-deps syscalls-check test-deps-check fuzz run bench bench-dhcp bench-import bench-phones cleanroom install uninstall deb clean
