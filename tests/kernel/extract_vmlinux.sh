#!/usr/bin/env bash
# Extracts the uncompressed ELF vmlinux from a Debian bzImage (xz, zstd or gzip payload), so
# QEMU can boot it through the PVH entry point without a slow in-guest decompression.
# usage: extract_vmlinux.sh /boot/vmlinuz-RELEASE OUT
set -euo pipefail
in=${1:?usage: extract_vmlinux.sh VMLINUZ OUT}; out=${2:?usage: extract_vmlinux.sh VMLINUZ OUT}
try() {  # try MAGIC DECOMPRESSOR...
  local magic=$1; shift
  local off
  for off in $(LC_ALL=C grep -aobUP "$magic" "$in" | cut -d: -f1 | head -n 3); do
    if tail -c +$((off + 1)) "$in" | "$@" > "$out.tmp" 2>/dev/null || [ -s "$out.tmp" ]; then
      if head -c 4 "$out.tmp" | grep -q $'^\x7fELF'; then mv "$out.tmp" "$out"; return 0; fi
    fi
  done
  return 1
}
try '\xfd7zXZ\x00' xz -dc || try '\x28\xb5\x2f\xfd' zstd -qdc || try '\x1f\x8b\x08' gzip -dc || {
  rm -f "$out.tmp"; echo "extract_vmlinux: no ELF payload found in $in" >&2; exit 1; }
