#!/usr/bin/env bash
# Installs what `make CROSS_COMPILE=aarch64-linux-gnu-` and tests/cli/cross.sh
# need on Debian (root): the cross compiler, libbpf, libelf and zlib for
# arm64 through multiarch, qemu-user to run the result, file(1) to check it.
# The BPF object is built by the host's clang and bpftool (scripts/install-deps.sh).
# Quiet and quick when everything is there already.
set -euo pipefail

ARCH=arm64
PKGS=(
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	"libbpf-dev:$ARCH" "libelf-dev:$ARCH" "zlib1g-dev:$ARCH"
	qemu-user file
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
dpkg --print-foreign-architectures | grep -qx "$ARCH" || dpkg --add-architecture "$ARCH"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
