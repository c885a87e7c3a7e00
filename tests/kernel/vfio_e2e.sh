#!/usr/bin/env bash
# VFIO end to end (docs/kernel-tests.md "VFIO end to end"): boots Debian's kernel under QEMU
# (TCG, Intel VT-d) on one fixed q35 topology, loads the vfio modules, and in the guest runs
# `isogroup assign`, `isogroup vfio-check` (viability, VFIO session, DMA map, config space),
# an assign that must be refused (a mounted disk) and `isogroup release`. The guest only
# records; vfio_e2e_check.py judges the results here and prints a PASS/FAIL table.
#
# usage: tests/kernel/vfio_e2e.sh   (artifacts are always kept; each run replaces the last)
# Environment: ISOGROUP_BIN (static isogroup; default build-kernel/tools/isogroup/isogroup),
# ISOGROUP_VFIO_OUT (artifacts; default build-kernel/vfio-e2e), ISOGROUP_KERNEL_TIMEOUT
# (seconds for the boot, default 150), ISOGROUP_KERNEL_MEM (384M), ISOGROUP_KERNEL_CPU
# (qemu64), ISOGROUP_KERNEL (a /boot/vmlinuz-*), ISOGROUP_KERNEL_APPEND.
# Exit: 0 every check passed; 1 a check failed or the boot stalled; 2 the harness cannot run.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
isogroup=${ISOGROUP_BIN:-$repo/build-kernel/tools/isogroup/isogroup}
out=${ISOGROUP_VFIO_OUT:-$repo/build-kernel/vfio-e2e}
timeout_s=${ISOGROUP_KERNEL_TIMEOUT:-150}
mem=${ISOGROUP_KERNEL_MEM:-384M}
cpu=${ISOGROUP_KERNEL_CPU:-qemu64}
[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }

command -v qemu-system-x86_64 >/dev/null || { echo "vfio e2e: qemu-system-x86_64 missing; run scripts/install-deps.sh kernel" >&2; exit 2; }
[ -x "$isogroup" ] || { echo "vfio e2e: $isogroup missing (build: docs/kernel-tests.md)" >&2; exit 2; }
vmlinuz=${ISOGROUP_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)}
[ -r "$vmlinuz" ] || { echo "vfio e2e: no readable /boot/vmlinuz-*" >&2; exit 2; }
release=${vmlinuz##*/vmlinuz-}
modules_dir=/lib/modules/$release
[ -d "$modules_dir" ] || { echo "vfio e2e: $modules_dir missing (the modules of $vmlinuz)" >&2; exit 2; }

mkdir -p "$out/cache"
kernel_image=$out/cache/$(basename "$vmlinuz").vmlinux
if [ ! -s "$kernel_image" ] || [ "$vmlinuz" -nt "$kernel_image" ]; then
  "$here/extract_vmlinux.sh" "$vmlinuz" "$kernel_image" 2>/dev/null || kernel_image=$vmlinuz
fi

# Module order matters: insmod resolves no dependencies. ext4 mounts the ext2 disk (it loads
# crc32c through the crypto API at mount time, so crc32c_generic must be there too); virtio
# for the disk; e1000e so two functions of the endpoint have a driver to return to.
modules="crc16 crc32c_generic mbcache jbd2 ext4 virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
virtio_pci virtio_blk e1000e irqbypass vfio vfio_virqfd vfio_iommu_type1 vfio-pci-core vfio-pci"
initramfs=$out/cache/initramfs-vfio.cpio.gz
if [ ! -s "$initramfs" ] || [ "$isogroup" -nt "$initramfs" ] || [ "$here/vfio_guest_init.sh" -nt "$initramfs" ] \
   || [ "$here/make_initramfs.sh" -nt "$initramfs" ] || [ "$here/vfio_e2e.sh" -nt "$initramfs" ]; then
  INITRAMFS_INIT=$here/vfio_guest_init.sh KERNEL_MODULES_DIR=$modules_dir INITRAMFS_MODULES=$modules \
    "$here/make_initramfs.sh" "$initramfs" "$isogroup" || exit 2
fi

dir=$out/run
rm -rf "$dir"; mkdir -p "$dir/guest"
truncate -s 8M "$dir/disk.img"
# The topology (bus numbers follow from it: the root port's secondary bus is 1):
#   00:02.0 ioh3420 root port (no ACS capability) → 01:00.0 e1000e, 01:00.1 edu, 01:00.2 e1000e
#     one multifunction endpoint; without ACS on the port, port and functions share a group
#   00:05.0 virtio-blk-pci on pcie.0, its own group; the guest mounts its disk
qargs=(
  -machine q35,kernel-irqchip=split
  -device intel-iommu,intremap=on,caching-mode=on
  -device ioh3420,id=rp1,bus=pcie.0,addr=0x2,chassis=1,slot=1
  -device e1000e,bus=rp1,addr=0.0,multifunction=on,romfile=
  -device edu,bus=rp1,addr=0.1
  -device e1000e,bus=rp1,addr=0.2,romfile=
  -drive file="$dir/disk.img",if=none,format=raw,id=disk0
  -device virtio-blk-pci,drive=disk0,bus=pcie.0,addr=0x5
)
printf '%s\n' "${qargs[@]}" > "$dir/qemu.args"
cmdline="intel_iommu=on isogroup.mf=0000:01:00.0,0000:01:00.1,0000:01:00.2 isogroup.inuse=0000:00:05.0"

echo "vfio e2e: booting $kernel_image (timeout ${timeout_s}s); artifacts: $dir"
start=$(date +%s.%N)
timeout -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp 1 -m "$mem" \
  -nodefaults -display none -no-reboot \
  -serial "file:$dir/console.log" -serial "file:$dir/result.tar.gz" \
  -kernel "$kernel_image" -initrd "$initramfs" \
  -append "console=ttyS0 quiet panic=-1 no_timer_check $cmdline ${ISOGROUP_KERNEL_APPEND:-}" \
  "${qargs[@]}" > "$dir/qemu.log" 2>&1
rc=$?
end=$(date +%s.%N)
boot_s=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')

boot=ok
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then boot="STALLED (no poweroff within ${timeout_s}s)"
elif [ $rc -ne 0 ]; then boot="FAILED (qemu exit $rc: $(head -c 200 "$dir/qemu.log" | tr '\n\t' '  '))"
elif ! tar -xzf "$dir/result.tar.gz" -C "$dir/guest" 2>"$dir/untar.log" || [ ! -e "$dir/guest/zz-done" ]; then
  boot="FAILED (no complete result archive from the guest; see console.log)"
fi

python3 "$here/vfio_e2e_check.py" "$dir/guest" "$boot" "$boot_s" | tee "$dir/results.md"
status=${PIPESTATUS[0]}
[ "$status" -le 1 ] || status=1
echo "vfio e2e: $( [ "$status" -eq 0 ] && echo PASS || echo FAIL ) in ${boot_s} s; table: $dir/results.md"
exit "$status"
