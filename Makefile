# ptctl: port triggering for Linux routers, as an eBPF datapath.
#   make            build ptctl (BPF objects and skeleton embedded)
#   make test       unit tests (BPF_PROG_TEST_RUN), CLI tests, end-to-end netns tests
#   make bench      per-packet cost of the programs against empty programs, and the
#                   forwarding rate of the fast path against nft DNAT (netns router)
#   make demo       a router in network namespaces, triggered and timed out
#   make lint       shellcheck on the scripts, clang-format (.clang-format) on the C sources
#   make install    ptctl, man page, bash completion, systemd units ptctl@.service and
#                   ptctl-log@.service (its events to syslog), the Cockpit page
#                   (PREFIX/share/cockpit/ptctl), example rules;
#                   PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc
#                   SYSTEMD_UNIT_DIR=$(PREFIX)/lib/systemd/system
#   make uninstall  the same variables; keeps $(SYSCONFDIR)/ptctl if it holds rules
# Targets that run things (test, bench, demo) need root; `make deps` installs
# the Debian packages they use. CFLAGS and CPPFLAGS are yours (the build adds
# what it needs); V=1 shows the full commands.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS ?= -O2 -g
# What the build needs, apart from CFLAGS and CPPFLAGS (`make CFLAGS="-O2 -g"` keeps it).
PT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror
PT_CPPFLAGS := -Iinclude -I$(BUILD)
LDLIBS += $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror
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
LIB_OBJS := $(patsubst %,$(BUILD)/user/%.o,out rule pins store view iface conf dev link ct)

UNIT_TESTS := $(patsubst tests/unit/test_%.c,$(BUILD)/tests/test_%,$(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))

.PHONY: all deps test unit cli e2e bench demo lint install uninstall clean
.DELETE_ON_ERROR:

all: $(BUILD)/ptctl

deps:
	@scripts/install-deps.sh

vmlinux/vmlinux.h:
	$(Q)$(call msg,BTF,$@)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

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
	$(Q)$(call msg,LINK,$@)$(COMPILE) $^ $(LDLIBS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_HELPERS) $(wildcard tests/unit/*.h) $(LIB_OBJS) \
		$(BUILD)/ptctl.skel.h | $(BUILD)/tests
	$(Q)$(call msg,CC,$@)$(COMPILE) -Iuser -Itests/unit $< $(UNIT_HELPERS) $(LIB_OBJS) $(LDLIBS) \
		-lcmocka -lpthread -o $@

$(BUILD)/bench: tests/bench/bench.c $(UNIT_HELPERS) $(LIB_OBJS) $(BUILD)/ptctl.skel.h \
		$(BUILD)/bench_empty.skel.h
	$(Q)$(call msg,CC,$@)$(COMPILE) -Iuser -Itests/unit $< $(UNIT_HELPERS) $(LIB_OBJS) $(LDLIBS) -o $@

$(BUILD)/tests/udpflood: tests/tools/udpflood.c | $(BUILD)/tests
	$(Q)$(call msg,CC,$@)$(COMPILE) $< -o $@

$(BUILD)/bench_empty.bpf.o: tests/bench/bench_empty.bpf.c vmlinux/vmlinux.h | $(BUILD)
	$(Q)$(call msg,CLANG-BPF,$@)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/fwd.bpf.o: tests/bench/fwd.bpf.c vmlinux/vmlinux.h | $(BUILD)
	$(Q)$(call msg,CLANG-BPF,$@)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/fwd: tests/bench/fwd.c tests/unit/pkt.c $(BUILD)/fwd.skel.h | $(BUILD)/tests
	$(Q)$(call msg,CC,$@)$(COMPILE) -Itests/unit $< tests/unit/pkt.c $(LDLIBS) -o $@

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
SH_SOURCES = $(shell git ls-files '*.sh' .ci/run 2>/dev/null || find . -name '*.sh')

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
	$(PREFIX)/share/doc/ptctl/wan0.conf.example $(addprefix $(COCKPIT_DIR)/,$(COCKPIT_FILES))

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
	install -D -m 0644 dist/wan0.conf.example $(DESTDIR)$(PREFIX)/share/doc/ptctl/wan0.conf.example
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/ptctl
	install -d -m 0755 $(DESTDIR)$(COCKPIT_DIR)
	install -m 0644 $(addprefix web/cockpit/,$(COCKPIT_FILES)) $(DESTDIR)$(COCKPIT_DIR)/

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rmdir $(DESTDIR)$(PREFIX)/share/doc/ptctl $(DESTDIR)$(SYSCONFDIR)/ptctl 2>/dev/null || true
	rmdir $(DESTDIR)$(COCKPIT_DIR) $(DESTDIR)$(PREFIX)/share/cockpit 2>/dev/null || true

clean:
	rm -rf $(BUILD) vmlinux/vmlinux.h
