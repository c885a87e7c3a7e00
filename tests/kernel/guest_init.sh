#!/bin/busybox sh
# shellcheck shell=dash
# /init of the QEMU oracle guest (built into the initramfs by make_initramfs.sh). Captures the
# guest's PCI and IOMMU state, packs it into one gzipped tar and writes it raw to the second
# serial port (/dev/ttyS1, a file on the host; an ISA port, so it adds no PCI function).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

out=/out
# Marks each step in the kernel log, so dmesg.txt shows where a slow boot spends its time.
step() { echo "isogroup-guest: $*" > /dev/kmsg; }
step start
for m in $(cat /modules.list); do
  insmod "/lib/modules/$m.ko" >> $out/modules.log 2>&1 || echo "insmod $m failed" >> $out/modules.log
done

if [ -x /bin/isogroup ]; then
  isogroup capture -o $out/snap.tar > $out/capture.log 2>&1
  echo $? > $out/capture.rc
else
  # Stand-in until `isogroup capture` works: the raw facts the capture is made of.
  s=$out/standin
  mkdir -p $s/devices $s/iommu_groups
  for d in /sys/bus/pci/devices/*; do
    b=${d##*/}
    mkdir -p $s/devices/$b
    for f in config vendor device class revision subsystem_vendor subsystem_device; do
      cat $d/$f > $s/devices/$b/$f 2>/dev/null
    done
    readlink -f $d > $s/devices/$b/path
    [ -e $d/iommu_group ] && basename "$(readlink $d/iommu_group)" > $s/devices/$b/iommu_group
  done
  for g in /sys/kernel/iommu_groups/*; do
    [ -d "$g" ] || continue
    ls $g/devices > $s/iommu_groups/${g##*/}
  done
  echo 0 > $out/capture.rc
fi
step "capture done"
lspci -xxxx > $out/lspci.txt 2> $out/lspci.err
lspci -vvnn > $out/lspci-vv.txt 2>> $out/lspci.err
step "lspci done"
cat /proc/cmdline > $out/cmdline
uname -r > $out/uname
dmesg > $out/dmesg.txt
echo "done" > $out/zz-done

step archive
# gzip: the serial port moves ~100 KB/s under TCG, and lspci's hex dump compresses well.
cd $out && tar -cf - ./* | gzip -1 > /tmp/result.tar.gz
stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null
cat /tmp/result.tar.gz > /dev/ttyS1
echo "ISOGROUP-GUEST-DONE $(wc -c < /tmp/result.tar.gz)"
sync
poweroff -f
