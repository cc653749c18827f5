# ptctl: port triggering for Linux routers, as an eBPF datapath.
#   make            build ptctl (BPF objects and skeleton embedded)
#   make CROSS_COMPILE=aarch64-linux-gnu-
#                   build-aarch64/ptctl for another CPU (make deps installs what it needs)
#   make test       unit tests (BPF_PROG_TEST_RUN), CLI tests, end-to-end netns tests
#   make bench      per-packet cost of the programs against empty programs, and the
#                   forwarding rate of the fast path against nft DNAT, and an nft IPv6
#                   pinhole (netns router)
#   make demo       a router in network namespaces, triggered and timed out
#   make lint       shellcheck on the scripts, clang-format (.clang-format) on the C sources
#   make install    ptctl, man page, bash completion, systemd units ptctl@.service and
#                   ptctl-log@.service (its events to syslog), the Cockpit page
#                   (PREFIX/share/cockpit/ptctl), example rules;
#                   PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc
#                   SYSTEMD_UNIT_DIR=$(PREFIX)/lib/systemd/system
#   make uninstall  the same variables; keeps $(SYSCONFDIR)/ptctl if it holds rules
#   make deb        the Debian package, built from a copy of the sources, in build/deb/
#                   (DEB_JOBS parallel jobs, default all CPUs)
# Targets that run things (test, bench, demo) need root; `make deps` installs
# the Debian packages they use, the cross build's too. CFLAGS, CPPFLAGS and
# LDFLAGS are yours (the build adds what it needs); V=1 shows the full commands.

PREFIX ?= /usr/local
DESTDIR ?=
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc

# Cross-compiling: `make CROSS_COMPILE=aarch64-linux-gnu-` builds build-aarch64/ptctl
# with $(CROSS_COMPILE)gcc against the target's libbpf (its pkg-config, or Debian's
# multiarch directory of libbpf-dev:arm64). The BPF object is the host clang's and
# bpftool's all the same: BPF is one target for every CPU, but for the byte order.
CROSS_COMPILE ?=
ifneq ($(CROSS_COMPILE),)
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
endif
TRIPLET := $(shell $(CC) -dumpmachine 2>/dev/null)
MACHINE := $(firstword $(subst -, ,$(TRIPLET)))
BUILD := $(if $(CROSS_COMPILE),build-$(MACHINE),build)
ifneq ($(CROSS_COMPILE),)
PKG_CONFIG ?= $(if $(shell command -v $(CROSS_COMPILE)pkg-config),$(CROSS_COMPILE)pkg-config,\
	PKG_CONFIG_LIBDIR=/usr/lib/$(TRIPLET)/pkgconfig:/usr/share/pkgconfig pkg-config)
else
PKG_CONFIG ?= pkg-config
endif

# The target's kernel architecture (bpf_tracing.h) and byte order, from the compiler.
BPF_ARCH := $(shell echo $(MACHINE) | sed -e 's/^x86_64$$/x86/;t' -e 's/^i.86$$/x86/;t' \
	-e 's/^aarch64.*/arm64/;t' -e 's/^arm.*/arm/;t' -e 's/^mips.*/mips/;t' -e 's/^riscv.*/riscv/')
BPF_ENDIAN := $(if $(shell $(CC) -dM -E -x c /dev/null 2>/dev/null | \
	grep '__BYTE_ORDER__ __ORDER_BIG_ENDIAN__'),eb,el)
# vmlinux/vmlinux.h holds the kernel's types as the build host's kernel has them
# (its BTF), also when cross-compiling: CO-RE relocates every field access to the
# router's kernel when ptctl loads. VMLINUX_BTF= another BTF (make clean first).
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

CFLAGS ?= -O2 -g
# What the build needs, apart from CFLAGS and CPPFLAGS (`make CFLAGS="-O2 -g"` keeps it).
# Warnings are errors here; a package build, whose compiler may warn anew, sets WERROR=.
WERROR ?= -Werror
PT_CFLAGS := -std=gnu11 -Wall -Wextra $(WERROR)
PT_CPPFLAGS := -Iinclude -I$(BUILD)
LDLIBS += $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
BPF_CFLAGS := -g -O2 -target bpf$(BPF_ENDIAN) -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) -Wall $(WERROR)
COMPILE = $(CC) $(PT_CPPFLAGS) $(CPPFLAGS) $(PT_CFLAGS) $(CFLAGS)

# Quiet: one line a step; V=1 shows the full commands.
ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = printf '  %-9s %s\n' $(1) $(2);
endif

BPF_SRCS := $(wildcard bpf/*.h bpf/*.c) include/ptctl.h vmlinux/vmlinux.h

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(USER_SRCS:user/%.c=$(BUILD)/user/%.o)
# ptctl's modules below the commands: linked into the unit tests and the benchmark too.
LIB_OBJS := $(patsubst %,$(BUILD)/user/%.o,out addr rule pins store view iface conf uci dev link ct)

UNIT_TESTS := $(patsubst tests/unit/test_%.c,$(BUILD)/tests/test_%,$(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))

.PHONY: all deps test unit cli e2e bench demo lint install uninstall deb clean
.DELETE_ON_ERROR:

all: $(BUILD)/ptctl

deps:
	@scripts/install-deps.sh

vmlinux/vmlinux.h:
	$(Q)$(call msg,BTF,$@)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD) $(BUILD)/user $(BUILD)/tests:
	@mkdir -p $@

# bpf/ptctl.bpf.c includes every program: one object, one skeleton.
$(BUILD)/ptctl.bpf.o: bpf/ptctl.bpf.c $(BPF_SRCS) | $(BUILD)
	$(Q)$(call msg,CLANG-BPF,$@)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(Q)$(call msg,GEN-SKEL,$@)$(BPFTOOL) gen skeleton $< name $* > $@

$(BUILD)/user/%.o: user/%.c $(wildcard user/*.h) include/ptctl.h $(BUILD)/ptctl.skel.h | $(BUILD)/user
	$(Q)$(call msg,CC,$@)$(COMPILE) -c $< -o $@

$(BUILD)/ptctl: $(USER_OBJS)
	$(Q)$(call msg,LINK,$@)$(COMPILE) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_HELPERS) $(wildcard tests/unit/*.h) $(LIB_OBJS) \
		$(BUILD)/ptctl.skel.h | $(BUILD)/tests
	$(Q)$(call msg,CC,$@)$(COMPILE) -Iuser -Itests/unit $< $(UNIT_HELPERS) $(LIB_OBJS) $(LDFLAGS) \
		$(LDLIBS) -lcmocka -lpthread -o $@

$(BUILD)/bench: tests/bench/bench.c $(UNIT_HELPERS) $(LIB_OBJS) $(BUILD)/ptctl.skel.h \
		$(BUILD)/bench_empty.skel.h
	$(Q)$(call msg,CC,$@)$(COMPILE) -Iuser -Itests/unit $< $(UNIT_HELPERS) $(LIB_OBJS) $(LDFLAGS) \
		$(LDLIBS) -o $@

$(BUILD)/tests/udpflood: tests/tools/udpflood.c | $(BUILD)/tests
	$(Q)$(call msg,CC,$@)$(COMPILE) $(LDFLAGS) $< -o $@

$(BUILD)/bench_empty.bpf.o: tests/bench/bench_empty.bpf.c vmlinux/vmlinux.h | $(BUILD)
	$(Q)$(call msg,CLANG-BPF,$@)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/fwd.bpf.o: tests/bench/fwd.bpf.c vmlinux/vmlinux.h | $(BUILD)
	$(Q)$(call msg,CLANG-BPF,$@)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/fwd: tests/bench/fwd.c tests/unit/pkt.c $(BUILD)/fwd.skel.h | $(BUILD)/tests
	$(Q)$(call msg,CC,$@)$(COMPILE) -Itests/unit $< tests/unit/pkt.c $(LDFLAGS) $(LDLIBS) -o $@

unit: $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)

cli: $(BUILD)/ptctl
	@tests/cli/run.sh

e2e: $(BUILD)/ptctl
	@tests/e2e/run.sh

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(BUILD)/tests/udpflood $(BUILD)/bench_empty.bpf.o
	@UNIT_TESTS="$(UNIT_TESTS)" tests/run-all.sh

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/bench $(BUILD)/ptctl $(BUILD)/tests/fwd
	@$(BUILD)/bench
	@tests/bench/fwd.sh

C_SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find bpf user include tests -name '*.[ch]')
# The shell scripts: *.sh, CI's, and the OpenWrt package's init and hotplug scripts.
SH_SOURCES = $(shell git ls-files '*.sh' .ci/run 'openwrt/*.init' 'openwrt/*.hotplug' 2>/dev/null || \
	find . -name '*.sh' -o -path './openwrt/*' \( -name '*.init' -o -name '*.hotplug' \))

lint: deps
	shellcheck -x -P SCRIPTDIR -S warning $(SH_SOURCES)
	clang-format --dry-run -Werror $(C_SOURCES)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

SYSCONFDIR ?= /etc
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
COCKPIT_DIR = $(PREFIX)/share/cockpit/ptctl
COCKPIT_FILES = manifest.json index.html ptctl.js ptctl.css
INSTALLED = $(PREFIX)/sbin/ptctl $(PREFIX)/share/man/man8/ptctl.8 \
	$(PREFIX)/share/bash-completion/completions/ptctl $(SYSTEMD_UNIT_DIR)/ptctl@.service \
	$(SYSTEMD_UNIT_DIR)/ptctl-log@.service \
	$(PREFIX)/share/doc/ptctl/examples/wan0.conf.example \
	$(addprefix $(COCKPIT_DIR)/,$(COCKPIT_FILES))

install: $(BUILD)/ptctl
	install -D -m 0755 $(BUILD)/ptctl $(DESTDIR)$(PREFIX)/sbin/ptctl
	install -D -m 0644 dist/ptctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/ptctl.8
	install -D -m 0644 dist/ptctl.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ptctl
	for u in ptctl@.service ptctl-log@.service; do \
		sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			dist/$$u > $(BUILD)/$$u && \
		install -D -m 0644 $(BUILD)/$$u $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$u || exit 1; \
	done
	install -D -m 0644 dist/wan0.conf.example \
		$(DESTDIR)$(PREFIX)/share/doc/ptctl/examples/wan0.conf.example
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/ptctl
	install -d -m 0755 $(DESTDIR)$(COCKPIT_DIR)
	install -m 0644 $(addprefix web/cockpit/,$(COCKPIT_FILES)) $(DESTDIR)$(COCKPIT_DIR)/

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(DESTDIR)$(PREFIX)/share/doc/ptctl/examples $(DESTDIR)$(PREFIX)/share/doc/ptctl \
		$(DESTDIR)$(SYSCONFDIR)/ptctl 2>/dev/null || true
	rmdir $(DESTDIR)$(COCKPIT_DIR) $(DESTDIR)$(PREFIX)/share/cockpit 2>/dev/null || true

PT_VERSION = $(shell sed -n 's/^.define PT_VERSION "\(.*\)"$$/\1/p' include/ptctl.h)
DEB_DIR := $(BUILD)/deb
DEB_JOBS ?= $(shell nproc 2>/dev/null || echo 1)

# dpkg-buildpackage writes the packages next to the tree it builds: it builds a
# copy of the sources (git's files, or all but $(BUILD)) in $(DEB_DIR), so they
# land there and this tree, its build/ included, is neither read nor cleaned.
# MAKEFLAGS is not passed on: debian/rules is a make of its own.
deb: deps
	$(Q)v=$$(dpkg-parsechangelog -S Version) && [ "$$v" = "$(PT_VERSION)" ] || \
		{ echo "Error: debian/changelog is at $$v, include/ptctl.h at $(PT_VERSION)" >&2; exit 1; }
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/ptctl-$(PT_VERSION)
	$(Q){ git ls-files -z -co --exclude-standard 2>/dev/null || \
		find . -path ./$(BUILD) -prune -o -type f -print0; } | \
		tar -c --null -T - --ignore-failed-read -f - | tar -x -C $(DEB_DIR)/ptctl-$(PT_VERSION)
	$(Q)cd $(DEB_DIR)/ptctl-$(PT_VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -us -uc -b -J$(DEB_JOBS)
	$(Q)rm -rf $(DEB_DIR)/ptctl-$(PT_VERSION)
	@ls $(DEB_DIR)/*.deb

clean:
	rm -rf $(BUILD) vmlinux/vmlinux.h
