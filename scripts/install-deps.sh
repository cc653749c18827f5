#!/usr/bin/env bash
# Installs the Debian packages ptctl builds, tests and demos with (root).
# Quiet and quick when everything is there already.
set -euo pipefail

PKGS=(
	# build
	make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
	# unit tests
	libcmocka-dev
	# netns demo, end-to-end, integrity and generated command-line tests
	iproute2 nftables conntrack socat nmap tcpdump
	iputils-ping ethtool util-linux procps kmod python3 valgrind
	# ops test: ptctl stats --prometheus read by a real parser
	python3-prometheus-client
	# install test: unit file and man page checks
	systemd groff-base
	# web test: the Cockpit page (web/cockpit) in headless Chromium
	cockpit-ws cockpit-bridge chromium chromium-driver python3-selenium
	# make lint: shell scripts and C layout
	shellcheck clang-format
	# make deb and its test: the package built, checked and installed, its
	# man page found (no fakeroot: debian/control says Rules-Requires-Root: no)
	dpkg-dev debhelper lintian man-db
	# make CROSS_COMPILE=aarch64-linux-gnu- and its test: the cross compiler,
	# the target's libraries through multiarch, qemu-user to run the result
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross libbpf-dev:arm64 libelf-dev:arm64
	zlib1g-dev:arm64 qemu-user file
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "Error: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Multiarch: the arm64 libraries install beside the host's.
dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
