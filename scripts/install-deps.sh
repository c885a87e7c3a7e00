#!/usr/bin/env bash
# Installs the Debian 12 packages isogroup needs to build and test. Idempotent: it asks
# apt only for what is missing. Usage: scripts/install-deps.sh [build|test|kernel]
set -euo pipefail

build_packages=(
  g++ cmake ninja-build pkg-config make
  libfmt-dev libexpected-dev libcli11-dev nlohmann-json3-dev
  pci.ids            # /usr/share/misc/pci.ids: device names, read as a plain file
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev   # libFuzzer and the sanitizer runtimes
  pciutils                   # lspci, to cross-check the hex-dump reader
)
kernel_packages=(qemu-system-x86 linux-image-amd64 busybox-static cpio python3
  xz-utils zstd file)   # extract_vmlinux.sh and make_initramfs.sh use them

wanted=("${build_packages[@]}")
case "${1:-build}" in
  build) ;;
  test) wanted+=("${test_packages[@]}") ;;
  kernel) wanted+=("${test_packages[@]}" "${kernel_packages[@]}") ;;
  *) echo "usage: $0 [build|test|kernel]" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
