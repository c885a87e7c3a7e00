#!/usr/bin/env python3
"""Compares two `isogroup list --json` documents for the kernel oracle (tests/kernel/run.sh).

compare_groups.py compare KERNEL.json COMPUTED.json single|multiple
    prints "PARTITION NUMBERING DETAIL": PARTITION is ok or DIFF (same sets of functions
    grouped together); NUMBERING is ok, DIFF, or n/a when the machine has several root buses
    (an lspci dump cannot carry their registration order, reference §3.5) or the partition
    already differs.
compare_groups.py expect-empty KERNEL.json COMPUTED.json...
    prints ok when no document has a group (a machine without an IOMMU), else DIFF.
"""
import json
import sys


def groups(path):
    with open(path) as f:
        doc = json.load(f)
    return {g["id"]: frozenset(g["devices"]) for g in doc.get("groups", [])}


def compare(kernel_path, computed_path, roots):
    kernel, computed = groups(kernel_path), groups(computed_path)
    if not kernel:
        return "DIFF n/a the kernel made no groups"
    kernel_sets = {devices: gid for gid, devices in kernel.items()}
    computed_sets = {devices: gid for gid, devices in computed.items()}
    only_kernel = [sorted(d) for d in kernel_sets if d not in computed_sets]
    only_computed = [sorted(d) for d in computed_sets if d not in kernel_sets]
    if only_kernel or only_computed:
        detail = f"kernel-only groups {only_kernel[:3]} computed-only groups {only_computed[:3]}"
        return f"DIFF n/a {detail}"
    if roots == "multiple":
        return f"ok n/a {len(kernel)} groups; several root buses: numbers not decidable from a dump"
    renumbered = [(kernel_sets[d], computed_sets[d]) for d in kernel_sets if kernel_sets[d] != computed_sets[d]]
    if renumbered:
        return f"ok DIFF {len(kernel)} groups; kernel id -> computed id {renumbered[:5]}"
    return f"ok ok {len(kernel)} groups"


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "compare":
        print(compare(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "expect-empty":
        print("ok" if not any(groups(path) for path in sys.argv[2:]) else "DIFF")
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
