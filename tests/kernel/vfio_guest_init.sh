#!/bin/busybox sh
# shellcheck shell=dash
# /init of the VFIO end-to-end guest (tests/kernel/vfio_e2e.sh, docs/kernel-tests.md "VFIO end
# to end"). Runs the ownership and VFIO steps against the real kernel and records every exit
# status and output in /out; the host decides what passed. Nothing is judged here.
# The addresses come from the kernel command line (set by vfio_e2e.sh):
#   isogroup.mf=A,B,C       the functions of the multifunction endpoint (its group is assigned)
#   isogroup.inuse=D        a virtio-blk function whose disk is mounted (assign must refuse)
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

out=/out
step() { echo "isogroup-vfio: $*" > /dev/kmsg; }
step start
for m in $(cat /modules.list); do
  insmod "/lib/modules/$m.ko" >> $out/modules.log 2>&1 || echo "insmod $m failed" >> $out/modules.log
done

arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^isogroup\.$1=//p"; }
mf=$(arg mf | tr ',' ' ')
inuse=$(arg inuse)
first=${mf%% *}
echo "$mf" > $out/mf
echo "$inuse" > $out/inuse

# "ADDRESS DRIVER" for every function ("-" when unbound).
drivers() {
  for d in /sys/bus/pci/devices/*; do
    if [ -e "$d/driver" ]; then echo "${d##*/} $(basename "$(readlink "$d/driver")")"
    else echo "${d##*/} -"; fi
  done
}
# Runs a command with its output in $out/NAME.out and its exit status in $out/NAME.rc.
record() {
  name=$1; shift
  "$@" > "$out/$name.out" 2>&1
  echo $? > "$out/$name.rc"
}

# Udev is absent, so the module loads above may still be probing: wait for the disk.
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 1; done
drivers > $out/drivers-before.txt
record list-before isogroup list --json

record mkfs mke2fs -q /dev/vda
mkdir -p /mnt
record mount mount -t ext2 /dev/vda /mnt
cp /proc/mounts $out/mounts.txt

step assign
record assign isogroup assign "$first"
drivers > $out/drivers-assigned.txt
group=$(basename "$(readlink /sys/bus/pci/devices/$first/iommu_group)")
echo "$group" > $out/group
ls -l /dev/vfio > $out/dev-vfio.txt 2>&1
if [ -c "/dev/vfio/$group" ]; then echo 0 > $out/devnode.rc; else echo 1 > $out/devnode.rc; fi

step vfio-check
for f in $mf; do
  record "vfio-check-$f" isogroup vfio-check "$f" --json
  record "vfio-check-text-$f" isogroup vfio-check "$f"
done

step assign-inuse
record assign-inuse isogroup assign "$inuse"
drivers > $out/drivers-inuse.txt

step release
record release isogroup release "$first"
drivers > $out/drivers-after.txt
record list-after isogroup list --json
# The negative case: with the group back on its drivers there is no /dev/vfio node to open.
record vfio-check-released isogroup vfio-check "$first" --json

cat /proc/cmdline > $out/cmdline
uname -r > $out/uname
dmesg > $out/dmesg.txt
echo "done" > $out/zz-done

step archive
cd $out && tar -cf - ./* | gzip -1 > /tmp/result.tar.gz
stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null
cat /tmp/result.tar.gz > /dev/ttyS1
echo "ISOGROUP-GUEST-DONE $(wc -c < /tmp/result.tar.gz)"
sync
poweroff -f
