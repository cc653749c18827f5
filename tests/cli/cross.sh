#!/usr/bin/env bash
# The cross build: `make CROSS_COMPILE=aarch64-linux-gnu-` in a build directory
# of its own gives an aarch64 ptctl (user code by the cross compiler against
# Debian's arm64 libbpf, the BPF object by the host's clang for arm64), which
# runs under qemu-user: it prints the version of include/ptctl.h and reads the
# OpenWrt package's UCI file, the example rules file and a bad file. And the
# OpenWrt package's fw4 include is nft that a chain takes.
# Needs the cross group of scripts/install-deps.sh (run here; quiet when all is there).
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib/report.sh
source tests/lib/report.sh

CROSS=aarch64-linux-gnu-
SYSROOT=/usr/aarch64-linux-gnu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build=$tmp/build-aarch64

check "cross dependencies installed" scripts/install-deps.sh
out=$(make --no-print-directory -s CROSS_COMPILE=$CROSS --eval 'pt-build: ; @echo $(BUILD)' pt-build)
[ "$out" = build-aarch64 ] && pass "CROSS_COMPILE builds in build-aarch64 by default" ||
	fail "CROSS_COMPILE builds in '$out', want build-aarch64"

if make --no-print-directory -j2 CROSS_COMPILE=$CROSS BUILD="$build" >"$tmp/make.log" 2>&1; then
	pass "make CROSS_COMPILE=$CROSS BUILD=..."
else
	fail "make CROSS_COMPILE=$CROSS: $(tail -5 "$tmp/make.log")"
fi
desc=$(file -b "$build/ptctl" 2>&1)
[[ $desc == "ELF 64-bit LSB "*"executable, ARM aarch64,"* ]] && pass "ptctl is an aarch64 executable" ||
	fail "ptctl is: $desc"
desc=$(file -b "$build/ptctl.bpf.o" 2>&1)
[[ $desc == "ELF 64-bit LSB relocatable, eBPF"* ]] && pass "the BPF object is little-endian eBPF" ||
	fail "the BPF object is: $desc"
grep -q -- '-D__TARGET_ARCH_arm64 ' <(make --no-print-directory -n -B V=1 CROSS_COMPILE=$CROSS \
	BUILD="$build" "$build/ptctl.bpf.o") && pass "the BPF object is built for arm64" ||
	fail "the BPF object is not built with -D__TARGET_ARCH_arm64"

# Under qemu-user, with the cross toolchain's libc and the arm64 libbpf of multiarch.
ptctl_arm() { qemu-aarch64 -L "$SYSROOT" "$build/ptctl" "$@"; }
version=$(sed -n 's/^#define PT_VERSION "\(.*\)"$/\1/p' include/ptctl.h)
out=$(ptctl_arm -V 2>&1)
[[ $out == "ptctl $version (libbpf v"* ]] && pass "qemu-aarch64 ptctl -V: $out" ||
	fail "qemu-aarch64 ptctl -V: '$out', want 'ptctl $version (libbpf ...)'"
dev=ptx$$ # an interface not loaded: apply --check plans against no rules
while read -r f want; do
	out=$(ptctl_arm apply --check "$f" --dev $dev 2>&1)
	[[ $out == *"added     $want"*"checked against no rules"* ]] &&
		pass "qemu-aarch64 ptctl apply --check $f" ||
		fail "qemu-aarch64 ptctl apply --check $f: '$out', want 'added     $want'"
done <<EOF
openwrt/ptctl/files/ptctl.config 2: irc-dcc, game
dist/wan0.conf.example 3: irc-dcc, game, cam
EOF
printf 'config rule a\n\toption trigger tcp:1\n\tlist open tcp:0\n' >"$tmp/bad"
out=$(ptctl_arm apply --check "$tmp/bad" --dev $dev 2>&1)
[ "$out" = "Error: $tmp/bad:3: port 0 out of range in 'tcp:0' (1-65535)" ] &&
	pass "qemu-aarch64 ptctl apply --check: FILE:LINE error" || fail "bad UCI file: $out"

# The OpenWrt package's fw4 include: nft takes it where fw4 puts it, in a chain.
printf 'table inet fw4 {\n\tchain forward_wan {\n\t\tinclude "%s"\n\t}\n}\n' \
	"$PWD/openwrt/ptctl/files/ptctl.nft" >"$tmp/fw4.nft"
check "the fw4 include is a rule of a chain (nft -c)" nft -c -f "$tmp/fw4.nft"

report cross
