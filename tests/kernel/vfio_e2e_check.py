#!/usr/bin/env python3
"""Judges the VFIO end-to-end guest's records (tests/kernel/vfio_e2e.sh).

usage: vfio_e2e_check.py GUEST_DIR BOOT BOOT_SECONDS
Prints a markdown PASS/FAIL table; exits 0 when every check passed, 1 otherwise.

The expectations come from the QEMU topology vfio_e2e.sh builds, not from isogroup's output:
the ioh3420 root port has no ACS capability, so the kernel's pci_device_group() puts port
and endpoint functions in one group; e1000e functions bind e1000e, edu has no driver in
Debian's kernel; a mounted disk must make `assign` refuse with the "mounted" check.
"""
import json
import os
import sys

PORT = "0000:00:02.0"
MF = ["0000:01:00.0", "0000:01:00.1", "0000:01:00.2"]
INUSE = "0000:00:05.0"
# QEMU device → the driver Debian 6.1 binds (None: no driver), and its PCI vendor ID.
EXPECTED_DRIVER = {"0000:01:00.0": "e1000e", "0000:01:00.1": None, "0000:01:00.2": "e1000e",
                   PORT: "pcieport", INUSE: "virtio-pci"}
EXPECTED_VENDOR = {"0000:01:00.0": 0x8086, "0000:01:00.1": 0x1234, "0000:01:00.2": 0x8086}
# Must-match config fields vfio-check has to name (the task's minimum).
REQUIRED_FIELDS = {"vendor", "device", "revision", "class", "header type", "subsystem vendor",
                   "subsystem device"}

rows = []


def check(name, ok, detail=""):
    rows.append((name, "PASS" if ok else "FAIL", detail))
    return ok


def read(guest, name, default=None):
    try:
        with open(os.path.join(guest, name)) as f:
            return f.read()
    except OSError:
        return default


def rc(guest, name):
    text = read(guest, name + ".rc")
    try:
        return int(text.strip())
    except (AttributeError, ValueError):
        return None


def drivers(guest, name):
    text = read(guest, name)
    if text is None:
        return None
    table = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            table[parts[0]] = None if parts[1] == "-" else parts[1]
    return table


def first_line(guest, name, limit=160):
    text = (read(guest, name, "") or "").strip().replace("\n", " / ")
    return text[:limit]


def groups_of(listing):
    """{group number: sorted member addresses} from `isogroup list --json`, whatever its shape."""
    found = {}

    def walk(node):
        if isinstance(node, dict):
            number = node.get("group", node.get("id", node.get("number")))
            members = node.get("functions", node.get("members", node.get("devices")))
            if isinstance(number, int) and isinstance(members, list):
                addrs = []
                for m in members:
                    if isinstance(m, str):
                        addrs.append(m)
                    elif isinstance(m, dict):
                        a = m.get("address", m.get("bdf"))
                        if isinstance(a, str):
                            addrs.append(a)
                if addrs:
                    found[number] = sorted(addrs)
                    return
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(listing)
    return found


def load_json(guest, name):
    try:
        return json.loads(read(guest, name, ""))
    except ValueError:
        return None


def main():
    guest, boot, boot_s = sys.argv[1], sys.argv[2], sys.argv[3]
    if not check("boot", boot == "ok", f"{boot}, {boot_s} s"):
        report()
        return 1
    modules = read(guest, "modules.log", "") or ""
    check("modules loaded", "failed" not in modules, first_line(guest, "modules.log"))

    before = drivers(guest, "drivers-before.txt") or {}
    ok = all(before.get(a, "absent") == d for a, d in EXPECTED_DRIVER.items())
    check("drivers before", ok, ", ".join(f"{a}={before.get(a, 'absent') or '-'}" for a in EXPECTED_DRIVER))

    listing_before = load_json(guest, "list-before.out")
    groups = groups_of(listing_before) if listing_before is not None else {}
    mf_groups = {g for g, members in groups.items() if MF[0] in members}
    want = sorted([PORT] + MF)
    got = groups[next(iter(mf_groups))] if len(mf_groups) == 1 else None
    check("kernel group = port + 3 functions", got == want, f"list --json: {got}")
    inuse_alone = any(members == [INUSE] for members in groups.values())
    check("disk in its own group", inuse_alone, "")

    check("disk mounted", rc(guest, "mkfs") == 0 and rc(guest, "mount") == 0
          and "/dev/vda /mnt" in (read(guest, "mounts.txt", "") or ""),
          f"mke2fs rc {rc(guest, 'mkfs')}, mount rc {rc(guest, 'mount')}")

    check("assign group exits 0", rc(guest, "assign") == 0,
          f"rc {rc(guest, 'assign')}: {first_line(guest, 'assign.out')}")
    assigned = drivers(guest, "drivers-assigned.txt") or {}
    bad = {a: assigned.get(a) for a in MF if assigned.get(a) != "vfio-pci"}
    check("functions on vfio-pci", not bad, f"not on vfio-pci: {bad}" if bad else "all 3")
    check("port keeps pcieport", assigned.get(PORT) == "pcieport", f"{assigned.get(PORT)}")
    group = (read(guest, "group", "") or "").strip()
    check(f"/dev/vfio/{group} exists", rc(guest, "devnode") == 0, first_line(guest, "dev-vfio.txt"))

    for f in MF:
        name = f"vfio-check-{f}"
        code = rc(guest, name)
        doc = load_json(guest, name + ".out")
        check(f"vfio-check {f} exits 0", code == 0,
              f"rc {code}: {first_line(guest, name + '.out', 200) if code != 0 else ''}"
              f"{first_line(guest, 'vfio-check-text-' + f + '.out', 300) if code != 0 else ''}")
        if not isinstance(doc, dict):
            check(f"vfio-check {f} report", False, "no JSON report")
            continue
        g = doc.get("group", {})
        check(f"  {f} viable, container set",
              g.get("vfio_viable") is True and g.get("container_set") is True
              and g.get("computed_viable") == "yes" and str(g.get("number")) == group,
              f"group {g.get('number')} vfio_viable={g.get('vfio_viable')} "
              f"computed={g.get('computed_viable')} container_set={g.get('container_set')}")
        dma = doc.get("dma", {})
        check(f"  {f} DMA map+unmap 1 MiB", dma.get("mapped") is True and dma.get("unmapped") is True
              and dma.get("size") == 1 << 20 and isinstance(dma.get("iova"), int)
              and dma["iova"] % 4096 == 0, f"iova {dma.get('iova')}")
        cfg = doc.get("config", {})
        fields = {m.get("field"): m.get("equal") for m in cfg.get("must_match", [])}
        differing = cfg.get("differing_bytes", [])
        regs = sorted({d.get("register") for d in differing})
        check(f"  {f} config fields equal", REQUIRED_FIELDS <= set(fields) and all(fields.values())
              and cfg.get("length", 0) >= 64,
              f"{cfg.get('length')} bytes, {len(differing)} differ (in: {', '.join(regs) or 'none'})")
        check(f"  {f} vendor through VFIO", cfg.get("vendor") == EXPECTED_VENDOR[f],
              f"read {cfg.get('vendor')}, expected {EXPECTED_VENDOR[f]:#06x} (the QEMU device)")
        dev = doc.get("device", {})
        check(f"  {f} device info", dev.get("pci") is True and dev.get("regions", 0) >= 8,
              f"regions {dev.get('regions')} irqs {dev.get('irqs')} reset {dev.get('reset')}")

    out = read(guest, "assign-inuse.out", "") or ""
    check("assign of mounted disk refused (1)", rc(guest, "assign-inuse") == 1 and "mounted" in out,
          f"rc {rc(guest, 'assign-inuse')}; names 'mounted': {'mounted' in out}")
    inuse_after = drivers(guest, "drivers-inuse.txt") or {}
    check("refused disk keeps virtio-pci", inuse_after.get(INUSE) == "virtio-pci", f"{inuse_after.get(INUSE)}")

    check("release exits 0", rc(guest, "release") == 0,
          f"rc {rc(guest, 'release')}: {first_line(guest, 'release.out')}")
    after = drivers(guest, "drivers-after.txt") or {}
    changed = {a: (before.get(a), after.get(a)) for a in set(before) | set(after) if before.get(a) != after.get(a)}
    check("drivers after release = before", bool(after) and not changed,
          f"changed: {changed}" if changed else f"{len(after)} functions identical")
    listing_after = load_json(guest, "list-after.out")
    check("groups after release = before", listing_after is not None
          and groups_of(listing_after) == groups, "")
    check("vfio-check after release fails (2)", rc(guest, "vfio-check-released") == 2,
          f"rc {rc(guest, 'vfio-check-released')}")
    report()
    return 0 if all(r[1] == "PASS" for r in rows) else 1


def report():
    print("| check | result | detail |")
    print("|---|---|---|")
    for name, result, detail in rows:
        print(f"| {name} | {result} | {detail.replace('|', '/')} |")


if __name__ == "__main__":
    sys.exit(main())
