#!/usr/bin/env python3
"""Writes the synthetic lspci hex dumps of this directory (see README.md).

The layouts follow the PCI/PCIe specifications (type 0/1 headers, capability lists
from 0x34 and 0x100); the ids are those of real parts, but the bytes are made up.
Run from this directory: python3 make_synthetic.py
"""


class Config:
    def __init__(self, size):
        self.b = bytearray(size)

    def w8(self, off, v):
        self.b[off] = v & 0xFF

    def w16(self, off, v):
        self.w8(off, v)
        self.w8(off + 1, v >> 8)

    def w32(self, off, v):
        self.w16(off, v)
        self.w16(off + 2, v >> 16)


def header(size, vendor, device, class_code, header_type, rev=0x01, cap=0):
    c = Config(size)
    c.w16(0x00, vendor)
    c.w16(0x02, device)
    c.w16(0x04, 0x0007)
    c.w16(0x06, 0x0010 if cap else 0)
    c.w8(0x08, rev)
    c.w8(0x09, class_code)
    c.w8(0x0A, class_code >> 8)
    c.w8(0x0B, class_code >> 16)
    c.w8(0x0E, header_type)
    c.w8(0x34, cap)
    return c


def std_cap(c, off, cap_id, nxt):
    c.w8(off, cap_id)
    c.w8(off + 1, nxt)


def pcie_cap(c, off, nxt, port_type):
    std_cap(c, off, 0x10, nxt)
    c.w16(off + 2, 0x0002 | port_type << 4)  # version 2


def ext_cap(c, off, cap_id, version, nxt):
    c.w32(off, cap_id | version << 16 | nxt << 20)


def vmd_controller():
    # Intel VMD (8086:9a0b), a root-complex integrated endpoint in domain 0.
    c = header(256, 0x8086, 0x9A0B, 0x010400, 0x00, cap=0x80)
    c.w16(0x2C, 0x8086)
    c.w16(0x2E, 0x0000)
    std_cap(c, 0x80, 0x11, 0x90)  # MSI-X
    pcie_cap(c, 0x90, 0xE0, 0x9)  # RC integrated endpoint
    std_cap(c, 0xE0, 0x01, 0x00)  # power management
    return c


def vmd_root_port():
    # A root port behind VMD (8086:a0bc): type-1 header, buses e0 -> e1..e1.
    c = header(4096, 0x8086, 0xA0BC, 0x060400, 0x81, cap=0x40)
    c.w8(0x18, 0xE0)
    c.w8(0x19, 0xE1)
    c.w8(0x1A, 0xE1)
    pcie_cap(c, 0x40, 0x80, 0x4)  # root port
    std_cap(c, 0x80, 0x05, 0x90)  # MSI
    std_cap(c, 0x90, 0x01, 0x00)  # power management
    ext_cap(c, 0x100, 0x0001, 2, 0x148)  # AER
    ext_cap(c, 0x148, 0x000D, 1, 0x220)  # ACS
    c.w16(0x14C, 0x005F)  # SV TB RR CR UF DT
    c.w16(0x14E, 0x001D)  # SV RR CR UF enabled
    ext_cap(c, 0x220, 0x0019, 1, 0x000)  # secondary PCIe
    return c


def nvme():
    # Samsung NVMe (144d:a808) below the VMD root port.
    c = header(4096, 0x144D, 0xA808, 0x010802, 0x00, rev=0x00, cap=0x40)
    c.w16(0x2C, 0x144D)
    c.w16(0x2E, 0xA801)
    std_cap(c, 0x40, 0x01, 0x50)
    std_cap(c, 0x50, 0x05, 0x70)
    pcie_cap(c, 0x70, 0xB0, 0x0)  # endpoint
    std_cap(c, 0xB0, 0x11, 0x00)
    ext_cap(c, 0x100, 0x0001, 2, 0x148)
    ext_cap(c, 0x148, 0x0003, 1, 0x158)  # device serial number
    ext_cap(c, 0x158, 0x0019, 1, 0x000)
    return c


def rows(c, limit=None, skip=()):
    out = []
    size = len(c.b) if limit is None else limit
    for off in range(0, size, 16):
        if off in skip:
            continue
        out.append("%02x:" % off + "".join(" %02x" % x for x in c.b[off:off + 16]))
    return out


def block(address, text, lines):
    return "\n".join([address + " " + text] + lines) + "\n\n"


def main():
    vmd = vmd_controller()
    port = vmd_root_port()
    disk = nvme()
    with open("synthetic-vmd-D-xxxx.txt", "w") as f:
        f.write(block("0000:00:0e.0", "RAID bus controller: Intel Corporation Volume Management Device NVMe RAID Controller", rows(vmd)))
        f.write(block("10000:e0:06.0", "PCI bridge: Intel Corporation Device a0bc", rows(port)))
        f.write(block("10000:e1:00.0", "Non-Volatile memory controller: Samsung Electronics Co Ltd NVMe SSD Controller SM981/PM981/PM983", rows(disk)))
    # Truncated: the port lost its extended space (a 256-byte dump) and the rows
    # 0x80-0x8f; the disk stops after the first 64 bytes (an unprivileged -x).
    with open("synthetic-truncated.txt", "w") as f:
        f.write(block("10000:e0:06.0", "PCI bridge: Intel Corporation Device a0bc", rows(port, 256, skip=(0x80,))))
        f.write(block("10000:e1:00.0", "Non-Volatile memory controller: Samsung Electronics Co Ltd NVMe SSD Controller SM981/PM981/PM983", rows(disk, 64)))


if __name__ == "__main__":
    main()
