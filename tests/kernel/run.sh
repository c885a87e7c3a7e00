#!/usr/bin/env bash
# The kernel oracle (docs/kernel-tests.md): boots Debian's kernel under QEMU (TCG) on random q35
# PCI topologies, captures each guest with `isogroup capture`, and checks isogroup's answer
# against the kernel's own groups.
#
# usage: tests/kernel/run.sh [--seed N]... [--count N] [--jobs N] [--keep]
#   --seed N   run only this topology seed (repeatable); otherwise seeds 1..COUNT plus
#              ISOGROUP_KERNEL_FRESH_SEEDS fresh random ones
#   --count N  number of fixed seeds (default $ISOGROUP_KERNEL_COUNT or 40)
#   --jobs N   guests booted at once (default $ISOGROUP_KERNEL_JOBS or 2)
#   --keep     keep the artifacts of passing cases too (failing ones are always kept)
# Environment: ISOGROUP_KERNEL_TIMEOUT (seconds per boot, default 90), ISOGROUP_KERNEL_PLATFORM
# (force intel|amd|none), ISOGROUP_BIN (isogroup for guest and host; default the static build in
# build-kernel), ISOGROUP_KERNEL_OUT (artifacts; default build-kernel/kernel-tests),
# ISOGROUP_KERNEL_MEM (guest memory, default 384M), ISOGROUP_KERNEL_CPU (default qemu64),
# ISOGROUP_KERNEL (a /boot/vmlinuz-* to boot), ISOGROUP_KERNEL_APPEND (more kernel parameters),
# ISOGROUP_KERNEL_QEMU_EXTRA (more QEMU arguments, split on spaces).
# Exit: 0 when every boot finished and every check matched; 1 on any mismatch or stalled boot;
# 2 when the harness itself cannot run.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
count=${ISOGROUP_KERNEL_COUNT:-40}
jobs=${ISOGROUP_KERNEL_JOBS:-2}
fresh=${ISOGROUP_KERNEL_FRESH_SEEDS:-0}
timeout_s=${ISOGROUP_KERNEL_TIMEOUT:-90}
mem=${ISOGROUP_KERNEL_MEM:-384M}
cpu=${ISOGROUP_KERNEL_CPU:-qemu64}
out=${ISOGROUP_KERNEL_OUT:-$repo/build-kernel/kernel-tests}
isogroup=${ISOGROUP_BIN:-$repo/build-kernel/tools/isogroup/isogroup}
keep=${ISOGROUP_KERNEL_KEEP:-0}
seeds=()

while [ $# -gt 0 ]; do
  case $1 in
    --seed) seeds+=("$2"); shift 2 ;;
    --count) count=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --keep) keep=1; export ISOGROUP_KERNEL_KEEP=1; shift ;;
    --one) one=$2; shift 2 ;;   # internal: run one case (used through xargs)
    *) echo "usage: $0 [--seed N]... [--count N] [--jobs N] [--keep]" >&2; exit 2 ;;
  esac
done

# ---- one case ---------------------------------------------------------------------------------
# Writes $out/cases/<seed>/result: one tab-separated line
#   seed platform devices boot_s boot verify partition numbering detail
run_case() {
  local seed=$1 dir=$out/cases/$1
  rm -rf "$dir"; mkdir -p "$dir"
  local platform_opt=()
  [ -n "${ISOGROUP_KERNEL_PLATFORM:-}" ] && platform_opt=(--platform "$ISOGROUP_KERNEL_PLATFORM")
  python3 "$here/topology.py" --seed "$seed" "${platform_opt[@]}" --out "$dir" || return 2
  local platform cmdline devices
  platform=$(cat "$dir/platform"); cmdline=$(cat "$dir/cmdline")
  devices=$(grep -c "^-device" "$dir/qemu.args")
  mapfile -t qargs < "$dir/qemu.args"

  local start end rc
  start=$(date +%s.%N)
  timeout -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp 1 -m "$mem" \
    -nodefaults -display none -no-reboot \
    -serial "file:$dir/console.log" -serial "file:$dir/result.tar.gz" \
    -kernel "$kernel_image" -initrd "$initramfs" \
    -append "console=ttyS0 quiet panic=-1 no_timer_check $cmdline ${ISOGROUP_KERNEL_APPEND:-}" \
    "${qargs[@]}" ${ISOGROUP_KERNEL_QEMU_EXTRA:-} > "$dir/qemu.log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  local boot_s; boot_s=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')

  local boot=ok verify=- partition=- numbering=- detail=""
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    boot=STALLED; detail="no poweroff within ${timeout_s}s"
  elif [ $rc -ne 0 ]; then
    boot=FAILED; detail="qemu exit $rc: $(head -c 200 "$dir/qemu.log" | tr '\n\t' '  ')"
  elif ! mkdir -p "$dir/guest" || ! tar -xzf "$dir/result.tar.gz" -C "$dir/guest" 2>"$dir/untar.log" \
       || [ ! -e "$dir/guest/zz-done" ]; then
    boot=FAILED; detail="no complete result archive from the guest (see console.log)"
  fi
  if [ $boot = ok ]; then
    check_case "$dir" "$platform"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$seed" "$platform" "$devices" "$boot_s" "$boot" \
    "$verify" "$partition" "$numbering" "$detail" > "$dir/result"
  if [ $keep -eq 0 ] && [ $boot = ok ] && [ "$verify" = ok ] && [ "$partition" = ok ] \
     && [ "$numbering" != DIFF ]; then
    find "$dir" -mindepth 1 ! -name result ! -name topology.txt -delete
  fi
}

# Sets verify, partition, numbering and detail for a booted case.
check_case() {
  local dir=$1 platform=$2 g=$1/guest
  if [ -d "$g/standin" ]; then
    verify=STAND-IN; detail="$(ls "$g/standin/iommu_groups" | wc -l) kernel groups copied by the stand-in; nothing verified"
    return
  fi
  if [ ! -f "$g/snap.tar" ]; then
    verify=NO-CAPTURE; detail="isogroup capture failed (rc $(cat "$g/capture.rc" 2>/dev/null)): $(head -c 200 "$g/capture.log" 2>/dev/null | tr '\n\t' '  ')"
    return
  fi
  "$isogroup" verify --from "$g/snap.tar" --json > "$dir/verify.json" 2> "$dir/verify.err"
  local vrc=$?
  "$isogroup" list --from "$g/snap.tar" --json > "$dir/kernel-groups.json" 2> "$dir/list-kernel.err"
  "$isogroup" list --from "$g/snap.tar" --computed --json > "$dir/snap-computed.json" 2> "$dir/list-snap.err"
  "$isogroup" list --from "$g/lspci.txt" --kind hex --iommu "$platform" --computed --json \
    > "$dir/lspci-computed.json" 2> "$dir/list-lspci.err"
  local lrc=$?
  if [ $vrc -eq 0 ]; then verify=ok
  elif [ $vrc -eq 1 ]; then verify=DIFF
  elif [ $vrc -eq 3 ]; then verify=UNDECIDED
  else verify=ERROR; fi
  if [ $lrc -ne 0 ]; then
    partition=ERROR; detail="list --from lspci.txt: $(head -c 200 "$dir/list-lspci.err" | tr '\n\t' '  ')"
    return
  fi
  if [ "$platform" = none ]; then
    # No IOMMU: the kernel makes no groups, and isogroup must not invent any, from the
    # snapshot or from the dump.
    partition=$(python3 "$here/compare_groups.py" expect-empty "$dir/kernel-groups.json" \
                "$dir/snap-computed.json" "$dir/lspci-computed.json")
    numbering=n/a; detail="no IOMMU: no groups, as expected"
    return
  fi
  # pxb-pcie adds root buses, whose registration order a dump cannot carry (reference §3.5).
  local cmp roots=single
  grep -q '^pxb-pcie,' "$dir/qemu.args" && roots=multiple
  cmp=$(python3 "$here/compare_groups.py" compare "$dir/kernel-groups.json" "$dir/lspci-computed.json" "$roots")
  partition=${cmp%% *}; cmp=${cmp#* }; numbering=${cmp%% *}; detail=${cmp#* }
  [ "$verify" = ok ] || detail="verify: $(head -c 200 "$dir/verify.err" | tr '\n\t' '  ') $detail"
}

# ---- setup ------------------------------------------------------------------------------------
setup() {
  command -v qemu-system-x86_64 >/dev/null || { echo "kernel tests: qemu-system-x86_64 missing; run scripts/install-deps.sh kernel" >&2; exit 2; }
  local vmlinuz=${ISOGROUP_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)}
  [ -r "$vmlinuz" ] || { echo "kernel tests: no readable /boot/vmlinuz-*; run scripts/install-deps.sh kernel" >&2; exit 2; }
  mkdir -p "$out/cache"
  # The bzImage's xz decompression takes ~20 s under TCG; booting the extracted ELF vmlinux
  # through its PVH entry point skips it (Debian builds CONFIG_PVH=y).
  kernel_image=$out/cache/$(basename "$vmlinuz").vmlinux
  if [ ! -s "$kernel_image" ] || [ "$vmlinuz" -nt "$kernel_image" ]; then
    "$here/extract_vmlinux.sh" "$vmlinuz" "$kernel_image" 2>/dev/null || kernel_image=$vmlinuz
  fi
  local guest_bin=$isogroup
  if [ ! -x "$isogroup" ]; then
    echo "kernel tests: $isogroup missing (build: docs/kernel-tests.md); STAND-IN mode: the guest" \
         "copies sysfs by hand and nothing is verified, so every case counts as failed" >&2
    guest_bin=""
  fi
  initramfs=$out/cache/initramfs.cpio.gz
  if [ ! -s "$initramfs" ] || [ "$isogroup" -nt "$initramfs" ] || [ -z "$guest_bin" ] || [ "$here/guest_init.sh" -nt "$initramfs" ] \
     || [ "$here/make_initramfs.sh" -nt "$initramfs" ]; then
    "$here/make_initramfs.sh" "$initramfs" "$guest_bin" || exit 2
  fi
  export kernel_image initramfs
}

if [ -n "${one:-}" ]; then
  run_case "$one"
  exit 0
fi

setup
if [ ${#seeds[@]} -eq 0 ]; then
  mapfile -t seeds < <(seq 1 "$count")
  for _ in $(seq 1 "$fresh"); do seeds+=($(( (RANDOM << 15 | RANDOM) + 100000 ))); done
fi
echo "kernel tests: ${#seeds[@]} topologies (seeds ${seeds[*]}), $jobs at a time, ${timeout_s}s per boot"
echo "kernel: $kernel_image; artifacts: $out/cases/<seed>"
export out isogroup timeout_s mem cpu keep ISOGROUP_KERNEL_APPEND ISOGROUP_KERNEL_QEMU_EXTRA ISOGROUP_KERNEL_PLATFORM
t0=$(date +%s)
printf '%s\n' "${seeds[@]}" | xargs -P "$jobs" -I{} "$0" --one {}
t1=$(date +%s)

table=$out/results.md
{
  echo "| seed | platform | -device args | boot s | boot | verify | partition | numbering | detail |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for s in "${seeds[@]}"; do
    if [ -f "$out/cases/$s/result" ]; then
      sed 's/\t/ | /g; s/^/| /; s/$/ |/' "$out/cases/$s/result"
    else
      echo "| $s | ? | ? | ? | NO-RESULT | - | - | - | harness failed |"
    fi
  done
} > "$table"
cat "$table"
failed=$(grep -c -v -E '^\| seed|^\|---|\| ok \| ok \| ok \| (ok|n/a) \|' "$table")
echo "kernel tests: ${#seeds[@]} topologies in $((t1 - t0)) s, $failed failed; table: $table"
[ "$failed" -eq 0 ]
