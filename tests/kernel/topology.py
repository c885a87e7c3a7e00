#!/usr/bin/env python3
"""Random q35 PCI topologies for the QEMU oracle (docs/kernel-tests.md).

One seed gives one machine: the IOMMU platform and the QEMU -device list. The same seed always
gives the same machine, so a failure is replayed with `run.sh --seed N`.

usage: topology.py --seed N [--platform intel|amd|none] --out DIR
  writes DIR/qemu.args (one QEMU argument a line), DIR/platform, DIR/cmdline (kernel
  parameters the platform needs) and DIR/topology.txt (the tree, for people).
"""
import argparse
import os
import random

PLATFORMS = ("intel", "amd", "none")

# Endpoint models that need no backend. PCIe-capable ones become PCI Express endpoints below a
# PCIe port and root-complex integrated endpoints on pcie.0; virtio-rng-pci is PCIe below a
# port but conventional on the root bus. The conventional ones have no PCIe capability at all.
PCIE_ENDPOINTS = ("e1000e", "nvme", "qemu-xhci", "virtio-rng-pci")
CONVENTIONAL_ENDPOINTS = ("e1000", "rtl8139", "edu", "pci-testdev")
NEEDS_NO_ROM = ("e1000", "e1000e", "rtl8139")

MAX_FUNCTIONS = 26   # bigger machines boot too slowly under TCG (and SeaBIOS may stall)
MAX_DEPTH = 3


class Machine:
    def __init__(self, rng):
        self.rng = rng
        self.args = []
        self.tree = []
        self.next_id = 0
        self.chassis = 0
        self.functions = 0
        self.serial = 0

    def new_id(self, kind):
        self.next_id += 1
        return f"{kind}{self.next_id}"

    def new_chassis(self):
        self.chassis += 1
        return self.chassis

    def room(self, n=1):
        return self.functions + n <= MAX_FUNCTIONS

    def device(self, model, bus, addr, depth, extra="", note=""):
        """Adds one function; returns its id."""
        dev_id = self.new_id(model.replace("-", "_"))
        props = [model, f"id={dev_id}", f"bus={bus}", f"addr={addr}"]
        if model in NEEDS_NO_ROM:
            props.append("romfile=")
        if model == "nvme":
            self.serial += 1
            props.append(f"serial=isogroup{self.serial}")
        if extra:
            props.append(extra)
        self.args += ["-device", ",".join(props)]
        self.functions += 1
        self.tree.append("  " * depth + f"{addr:<5} {model}{(' ' + extra) if extra else ''}{('  # ' + note) if note else ''}")
        return dev_id

    # --- things that sit at one slot of a bus ------------------------------------------------
    def endpoint(self, bus, slot, depth, pcie_bus):
        """A single- or multi-function endpoint at `slot`."""
        rng = self.rng
        nfunc = 1 if rng.random() < 0.55 else rng.randint(2, 8)
        nfunc = max(1, min(nfunc, MAX_FUNCTIONS - self.functions))
        pool = PCIE_ENDPOINTS + CONVENTIONAL_ENDPOINTS if pcie_bus else CONVENTIONAL_ENDPOINTS + ("virtio-rng-pci",)
        for f in range(nfunc):
            model = rng.choice(pool)
            extra = "multifunction=on" if (nfunc > 1 and f == 0) else ""
            self.device(model, bus, f"{slot:x}.{f}", depth, extra)

    def below_port(self, bus, depth):
        """What hangs below a PCIe downstream port (root port or switch port): device 0 only."""
        rng = self.rng
        if not self.room():
            return
        r = rng.random()
        if depth >= MAX_DEPTH or r < 0.40:
            self.endpoint(bus, 0, depth, pcie_bus=True)
        elif r < 0.50:
            self.device(rng.choice(CONVENTIONAL_ENDPOINTS), bus, "0.0", depth, note="conventional below a PCIe port")
        elif r < 0.70:
            self.switch(bus, depth)
        elif r < 0.85:
            self.pcie_pci_bridge(bus, depth)
        elif r < 0.93:
            pass  # an empty port
        else:
            self.endpoint(bus, 0, depth, pcie_bus=True)

    def root_port(self, bus, addr, depth, model=None, extra=""):
        rng = self.rng
        if model is None:
            model = rng.choice(("pcie-root-port", "pcie-root-port", "pcie-root-port:no-acs", "ioh3420"))
        props = f"chassis={self.new_chassis()},slot={self.chassis}"
        if model == "pcie-root-port:no-acs":
            model, props = "pcie-root-port", props + ",disable-acs=on"
        if extra:
            props += "," + extra
        port = self.device(model, bus, addr, depth, props)
        self.below_port(port, depth + 1)

    def switch(self, bus, depth):
        rng = self.rng
        if not self.room(2):
            return
        up = self.device("x3130-upstream", bus, "0.0", depth)
        for i in range(rng.randint(1, 3)):
            if not self.room():
                break
            dp = self.device("xio3130-downstream", up, f"{i:x}.0", depth + 1,
                             f"chassis={self.new_chassis()},slot={self.chassis}")
            self.below_port(dp, depth + 2)

    def conventional_bus(self, bus, depth, first_slot=1):
        """Conventional endpoints (maybe multifunction) and maybe a pci-bridge on a PCI bus."""
        rng = self.rng
        slots = rng.sample(range(first_slot, 8), rng.randint(1, 3))
        for slot in sorted(slots):
            if not self.room():
                return
            if depth < MAX_DEPTH + 1 and rng.random() < 0.2 and self.room(2):
                br = self.device("pci-bridge", bus, f"{slot:x}.0", depth, f"chassis_nr={self.new_chassis()}")
                self.conventional_bus(br, depth + 1)
            else:
                self.endpoint(bus, slot, depth, pcie_bus=False)

    def pcie_pci_bridge(self, bus, depth):
        if not self.room(2):
            return
        br = self.device("pcie-pci-bridge", bus, "0.0", depth)
        self.conventional_bus(br, depth + 1)

    # --- the root bus -------------------------------------------------------------------------
    def root_bus(self, first_slot):
        rng = self.rng
        slot = first_slot
        kinds = ["port", "port", "port", "mf-ports", "rciep", "rciep-mf", "conventional", "dmi-bridge", "pxb"]
        pxb_numbers = rng.sample([0x40, 0x80, 0xc0], 3)
        for _ in range(rng.randint(2, 6)):
            if not self.room(2) or slot > 0x1e:
                break
            kind = rng.choice(kinds)
            if kind == "port":
                self.root_port("pcie.0", f"{slot:x}.0", 1)
            elif kind == "mf-ports":
                n = rng.randint(2, 4)
                for f in range(n):
                    if not self.room(2):
                        break
                    self.root_port("pcie.0", f"{slot:x}.{f}", 1, extra="multifunction=on" if f == 0 else "")
            elif kind == "rciep":
                self.device(rng.choice(PCIE_ENDPOINTS), "pcie.0", f"{slot:x}.0", 1, note="root-complex integrated")
            elif kind == "rciep-mf":
                self.endpoint("pcie.0", slot, 1, pcie_bus=True)
            elif kind == "conventional":
                self.device(rng.choice(CONVENTIONAL_ENDPOINTS), "pcie.0", f"{slot:x}.0", 1, note="conventional on the root bus")
            elif kind == "dmi-bridge":
                br = self.device("i82801b11-bridge", "pcie.0", f"{slot:x}.0", 1)
                self.conventional_bus(br, 2)
            elif kind == "pxb" and pxb_numbers:
                nr = pxb_numbers.pop()
                pxb = self.device("pxb-pcie", "pcie.0", f"{slot:x}.0", 1, f"bus_nr={nr}")
                for i in range(rng.randint(1, 2)):
                    if not self.room(2):
                        break
                    self.root_port(pxb, f"{i:x}.0", 2)
            slot += 1


def generate(seed, platform=None):
    rng = random.Random(seed)
    if platform is None:
        platform = rng.choices(PLATFORMS, weights=(5, 4, 1))[0]
    m = Machine(rng)
    machine = ["-machine", "q35,kernel-irqchip=split"]
    cmdline = []
    if platform == "intel":
        m.args += ["-device", "intel-iommu,intremap=on,caching-mode=on"]
        cmdline.append("intel_iommu=on")
    elif platform == "amd":
        # QEMU puts the AMD IOMMU's own PCI function (class 0806) at the first free slot of
        # pcie.0: 00:01.0 with -nodefaults, as no other device here asks for slot 1.
        m.args += ["-device", "amd-iommu,intremap=on"]
    m.root_bus(first_slot=2)
    return platform, machine + m.args, cmdline, m.tree


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--platform", choices=PLATFORMS)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    platform, args, cmdline, tree = generate(a.seed, a.platform)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "qemu.args"), "w") as f:
        f.write("\n".join(args) + "\n")
    with open(os.path.join(a.out, "platform"), "w") as f:
        f.write(platform + "\n")
    with open(os.path.join(a.out, "cmdline"), "w") as f:
        f.write(" ".join(cmdline) + "\n")
    with open(os.path.join(a.out, "topology.txt"), "w") as f:
        f.write(f"seed {a.seed} platform {platform}\npcie.0\n" + "\n".join(tree) + "\n")


if __name__ == "__main__":
    main()
