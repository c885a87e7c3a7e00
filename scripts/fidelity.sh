#!/usr/bin/env bash
# Writes docs/fidelity.md's figures: `isogroup verify` on every real machine of
# tests/data/linuxhw (kernel profile from the file name), counted per platform and per
# kernel profile. Usage: scripts/fidelity.sh [ISOGROUP] > table.md
set -euo pipefail
cd "$(dirname "$0")/.."
isogroup=${1:-build/tools/isogroup/isogroup}
[ -x "$isogroup" ] || { echo "fidelity.sh: build isogroup first ($isogroup)" >&2; exit 2; }

# The value of a top-level string field of `verify --json` (two-space indented).
field() { sed -n "s/^  \"$1\": \"\([^\"]*\)\",\{0,1\}$/\1/p"; }

declare -A tried partition numbering
rows=""
total=0; total_partition=0; total_numbering=0
for f in tests/data/linuxhw/*.lspci-vv.txt; do
  name=$(basename "$f" .lspci-vv.txt)
  # The kernel release follows the model in the file name: ..._6.1.0-23-AMD64_<probe>
  # (releases may hold underscores themselves: 5.14.18-300.FC35.X86_64).
  kernel=$(echo "$name" | grep -oE '_[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 | grep -oE '[0-9]+\.[0-9]+' | head -n 1 || true)
  set +e
  json=$("$isogroup" verify --from "$f" --kernel "$kernel" --json 2>/dev/null)
  set -e
  status=$(echo "$json" | field status)
  platform=$(echo "$json" | field platform)
  part=no; numb=no
  case "$status" in
    "exact match") part=yes; numb=yes ;;
    "same partition, different group numbers") part=yes ;;
  esac
  key_p="platform: $platform"; key_k="kernel profile: $kernel"
  for key in "$key_p" "$key_k"; do
    tried[$key]=$(( ${tried[$key]:-0} + 1 ))
    if [ $part = yes ]; then partition[$key]=$(( ${partition[$key]:-0} + 1 )); fi
    if [ $numb = yes ]; then numbering[$key]=$(( ${numbering[$key]:-0} + 1 )); fi
  done
  total=$((total + 1))
  if [ $part = yes ]; then total_partition=$((total_partition + 1)); fi
  if [ $numb = yes ]; then total_numbering=$((total_numbering + 1)); fi
  rows+="| \`${name}\` | $kernel | $platform | $part | $numb | $status |"$'\n'
done

echo "| machine | kernel profile | platform | partition | numbers | verify says |"
echo "|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
echo "| subset | machines | exact partition | exact numbering |"
echo "|---|---|---|---|"
echo "| all | $total | $total_partition | $total_numbering |"
for key in $(printf '%s\n' "${!tried[@]}" | sed 's/ /~/g' | sort -V); do
  k=${key//\~/ }
  echo "| $k | ${tried[$k]} | ${partition[$k]:-0} | ${numbering[$k]:-0} |"
done
