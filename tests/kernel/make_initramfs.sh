#!/usr/bin/env bash
# Builds the guest initramfs for the QEMU oracle (docs/kernel-tests.md): busybox, isogroup and
# lspci (dynamic binaries travel with the libraries ldd lists and the loader), pci.ids and an
# init that captures the guest and sends the results back over the second serial port.
#
# usage: make_initramfs.sh OUT.cpio.gz [ISOGROUP_BINARY]
#   Without ISOGROUP_BINARY (or when it does not exist) the init falls back to a stand-in that
#   copies the sysfs files by hand, so the harness can be developed before the CLI works.
#   KERNEL_MODULES_DIR=/lib/modules/<release> plus INITRAMFS_MODULES="vfio ..." add modules that
#   the init loads with insmod (in the order given; dependencies are not resolved).
#   INITRAMFS_INIT=PATH packs another /init (default guest_init.sh; vfio_e2e.sh uses its own).
set -euo pipefail

out=${1:?usage: make_initramfs.sh OUT.cpio.gz [ISOGROUP_BINARY]}
isogroup_bin=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

busybox=$(command -v busybox || true)
[ -n "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q "statically linked" || busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make_initramfs: busybox (busybox-static) not found; run scripts/install-deps.sh kernel" >&2; exit 2; }
lspci=$(command -v lspci || true)
[ -n "$lspci" ] || { echo "make_initramfs: lspci (pciutils) not found; run scripts/install-deps.sh kernel" >&2; exit 2; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,out,tmp,lib64,usr/share/misc,lib/modules}
cp "$busybox" "$root/bin/busybox"

# Copies a dynamic executable and everything its loader needs to the same absolute paths.
add_binary() {
  local src=$1 dst=$2
  cp -L "$src" "$root$dst"
  local lib
  for lib in $(ldd "$src" | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]*ld-linux/{print $1}'); do
    mkdir -p "$root$(dirname "$lib")"
    [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
  done
}

add_binary "$lspci" /bin/lspci
[ -f /usr/share/misc/pci.ids ] && cp /usr/share/misc/pci.ids "$root/usr/share/misc/pci.ids"
if [ -n "$isogroup_bin" ] && [ -x "$isogroup_bin" ]; then
  if ldd "$isogroup_bin" >/dev/null 2>&1; then add_binary "$isogroup_bin" /bin/isogroup
  else cp "$isogroup_bin" "$root/bin/isogroup"; fi
fi

modules=()
if [ -n "${INITRAMFS_MODULES:-}" ]; then
  mdir=${KERNEL_MODULES_DIR:?KERNEL_MODULES_DIR is needed with INITRAMFS_MODULES}
  for m in $INITRAMFS_MODULES; do
    f=$(find "$mdir" -name "$m.ko*" | head -n1)
    [ -n "$f" ] || { echo "make_initramfs: module $m not found under $mdir" >&2; exit 2; }
    case $f in
      *.xz) xz -dc "$f" > "$root/lib/modules/$m.ko" ;;
      *.zst) zstd -qdc "$f" > "$root/lib/modules/$m.ko" ;;
      *) cp "$f" "$root/lib/modules/$m.ko" ;;
    esac
    modules+=("$m")
  done
fi
echo "${modules[*]:-}" > "$root/modules.list"

cp "${INITRAMFS_INIT:-$here/guest_init.sh}" "$root/init"
chmod +x "$root/init"

(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
