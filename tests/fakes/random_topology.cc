#include "fakes/random_topology.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "fakes/snapshot_builder.h"

namespace isogroup::testing {
namespace {

constexpr std::uint16_t kAcsCapAll = pci::kAcsSv | pci::kAcsTb | pci::kAcsRr | pci::kAcsCr | pci::kAcsUf;
constexpr std::uint16_t kAcsReq = pci::kAcsSv | pci::kAcsRr | pci::kAcsCr | pci::kAcsUf;

class Generator {
 public:
  Generator(std::uint64_t seed, const RandomTopologyOptions& options) : rng_(seed), opt_(options) {}

  Snapshot run() {
    const int roots = 1 + pick(opt_.max_root_buses);
    std::uint32_t domain = 0;
    int bus = 0;
    for (int r = 0; r < roots && bus < 250; ++r) {
      if (r > 0 && chance(0.3)) {
        ++domain;
        bus = 0;
      }
      next_bus_ = bus + 1;
      domain_ = domain;
      populate_root_bus(bus);
      bus = next_bus_ + 1 + pick(8);
    }
    SnapshotBuilder builder;
    for (auto& p : pending_) builder.add(p.address, p.config);
    for (auto& [vf, pf] : vfs_) builder.physfn(vf, pf);
    return builder.build();
  }

 private:
  struct Pending {
    std::string address;
    ConfigBuilder config;
  };

  int pick(int n) { return n <= 0 ? 0 : std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  bool room() const { return functions_ < opt_.max_functions; }
  bool bus_room() const { return next_bus_ < 240; }

  std::string address(int bus, int devfn) const {
    return fmt::format("{:04x}:{:02x}:{:02x}.{}", domain_, bus, devfn >> 3, devfn & 7);
  }

  std::size_t add(int bus, int devfn, ConfigBuilder config) {
    if (opt_.unknown_acs && chance(0.03)) config.truncate(256);  // ACS not readable
    pending_.push_back({address(bus, devfn), std::move(config)});
    ++functions_;
    return pending_.size() - 1;
  }

  void set_subordinate(std::size_t index, int subordinate) {
    pending_[index].config.poke8(0x1a, static_cast<std::uint8_t>(subordinate));
  }

  // Random ACS on a multifunction endpoint function: none, all-zero capability, on, off.
  void endpoint_acs(ConfigBuilder& b) {
    switch (pick(4)) {
      case 0: break;
      case 1: b.acs(0, 0); break;
      case 2: b.acs(kAcsCapAll, kAcsReq); break;
      default: b.acs(kAcsCapAll, static_cast<std::uint16_t>(kAcsReq & ~pci::kAcsUf)); break;
    }
  }

  void populate_root_bus(int bus) {
    add(bus, 0, parts::host_bridge());
    const int slots = 2 + pick(10);
    int slot = 1;
    for (int i = 0; i < slots && room() && slot < 32; ++i, slot += 1 + pick(3)) {
      const int devfn = slot << 3;
      switch (pick(8)) {
        case 0:
        case 1:
        case 2: {  // root ports, sometimes several functions of one slot
          const int fns = chance(0.3) ? 2 + pick(6) : 1;
          for (int fn = 0; fn < fns && bus_room(); ++fn) root_port(bus, devfn | fn, fns > 1 && fn == 0);
          break;
        }
        case 3: {  // RCiEPs (Intel ones count as ACS-isolated by quirk), maybe multifunction
          const bool intel = chance(0.5);
          const int fns = chance(0.5) ? 2 + pick(4) : 1;
          for (int fn = 0; fn < fns; ++fn) {
            add(bus, devfn | fn, parts::rc_endpoint(intel ? 0x8086 : 0x1022, 0x2922, fns > 1 && fn == 0));
          }
          break;
        }
        case 4:  // conventional integrated functions (PCH 1f.x style)
          multifunction(bus, devfn, false);
          break;
        case 5:  // a conventional PCI bridge on the root bus (00:1e.0 style)
          if (bus_room()) conventional_bridge(bus, devfn, 0);
          break;
        case 6:
          multifunction(bus, devfn, true);
          break;
        default:
          add(bus, devfn, parts::pcie_endpoint(0x8086, static_cast<std::uint16_t>(0x1000 + pick(64))));
          break;
      }
    }
  }

  void root_port(int bus, int devfn, bool mf) {
    const int secondary = next_bus_++;
    ConfigBuilder b = [&] {
      switch (pick(6)) {
        case 0: {  // Intel PCH root port without ACS (quirk list, enable may fail)
          auto c = ConfigBuilder::bridge(0x8086, 0x1c10, static_cast<std::uint8_t>(bus),
                                         static_cast<std::uint8_t>(secondary), static_cast<std::uint8_t>(secondary));
          c.pcie(pci::PcieType::kRootPort);
          return c;
        }
        case 1:
          return parts::root_port(static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(secondary),
                                  static_cast<std::uint8_t>(secondary), false, false);
        case 2:
          return parts::root_port(static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(secondary),
                                  static_cast<std::uint8_t>(secondary), true, false);
        default:
          return parts::root_port(static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(secondary),
                                  static_cast<std::uint8_t>(secondary), true, true);
      }
    }();
    if (mf) b.multifunction(true);
    const std::size_t index = add(bus, devfn, std::move(b));
    if (chance(0.15)) {
      set_subordinate(index, secondary);  // an empty port
      return;
    }
    populate_port_bus(secondary, 1);
    set_subordinate(index, next_bus_ - 1);
  }

  // The bus below a root port or downstream port: one device at slot 0.
  void populate_port_bus(int bus, int depth) {
    if (!room()) return;
    const bool deep_ok = depth < opt_.max_depth && bus_room();
    switch (pick(9)) {
      case 0:
        if (deep_ok) {
          switch_below(bus, depth);
          return;
        }
        break;
      case 1:
        if (deep_ok) {
          pcie_to_pci_bridge(bus, depth);
          return;
        }
        break;
      case 2:
        sriov(bus);
        return;
      case 3:
        alias_device(bus);
        return;
      case 4:
        ari_device(bus);
        return;
      case 5:
        multifunction(bus, 0, true);
        return;
      default:
        break;
    }
    add(bus, 0, parts::pcie_endpoint(0x8086, static_cast<std::uint16_t>(0x10d3 + pick(4))));
  }

  void switch_below(int bus, int depth) {
    const int internal = next_bus_++;
    const std::size_t up = add(bus, 0,
                               parts::upstream_port(static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(internal),
                                                    static_cast<std::uint8_t>(internal)));
    const int ports = 1 + pick(5);
    const int acs_mode = pick(3);  // none, all, mixed
    for (int p = 0; p < ports && room() && bus_room(); ++p) {
      const int secondary = next_bus_++;
      const bool acs = acs_mode == 1 || (acs_mode == 2 && chance(0.5));
      const std::size_t down =
          add(internal, p << 3,
              parts::downstream_port(static_cast<std::uint8_t>(internal), static_cast<std::uint8_t>(secondary),
                                     static_cast<std::uint8_t>(secondary), acs));
      if (chance(0.8)) populate_port_bus(secondary, depth + 1);
      set_subordinate(down, next_bus_ - 1);
    }
    set_subordinate(up, next_bus_ - 1);
  }

  void pcie_to_pci_bridge(int bus, int depth) {
    const int secondary = next_bus_++;
    const std::size_t index =
        add(bus, 0,
            parts::pcie_to_pci_bridge(static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(secondary),
                                      static_cast<std::uint8_t>(secondary)));
    populate_conventional_bus(secondary, depth + 1);
    set_subordinate(index, next_bus_ - 1);
  }

  void conventional_bridge(int bus, int devfn, int depth) {
    const int secondary = next_bus_++;
    const std::size_t index = add(bus, devfn,
                                  parts::pci_bridge(static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(secondary),
                                                    static_cast<std::uint8_t>(secondary)));
    populate_conventional_bus(secondary, depth + 1);
    set_subordinate(index, next_bus_ - 1);
  }

  void populate_conventional_bus(int bus, int depth) {
    const int devices = 1 + pick(4);
    for (int d = 0; d < devices && room(); ++d) {
      const int devfn = (1 + d * 2) << 3;
      if (depth < opt_.max_depth && bus_room() && chance(0.2)) {
        conventional_bridge(bus, devfn, depth);
      } else if (chance(0.3)) {
        multifunction(bus, devfn, false);
      } else {
        add(bus, devfn, parts::pci_endpoint());
      }
    }
  }

  // A multifunction device: PCIe functions with random ACS, or conventional functions.
  void multifunction(int bus, int devfn, bool pcie) {
    const int fns = 2 + pick(7);
    const bool quirk = pcie && chance(0.2);  // Intel I350: mf_endpoint ACS quirk
    for (int fn = 0; fn < fns && fn < 8; ++fn) {
      if (fn > 0 && chance(0.15)) continue;  // holes in the function numbers
      if (pcie) {
        auto b = parts::pcie_endpoint(0x8086, quirk ? 0x1521 : 0x10d3, fn == 0);
        if (!quirk) endpoint_acs(b);
        add(bus, devfn | fn, std::move(b));
      } else {
        auto b = parts::pci_endpoint(0x8086, static_cast<std::uint16_t>(0x2930 + fn));
        if (fn == 0) b.multifunction(true);
        add(bus, devfn | fn, std::move(b));
      }
    }
  }

  void sriov(int bus) {
    const int vfs = 1 + pick(opt_.max_vfs);
    auto pf = parts::pcie_endpoint(0x8086, 0x1521, false);
    pf.ari().sriov(static_cast<std::uint16_t>(vfs), static_cast<std::uint16_t>(vfs), 0x80, 1, 0x1520);
    if (chance(0.5)) pf.acs(0, 0);
    add(bus, 0, std::move(pf));
    const std::string pf_address = address(bus, 0);
    for (int i = 0; i < vfs && room(); ++i) {
      const int devfn = 0x80 + i;
      auto vf = parts::pcie_endpoint(0x8086, 0x1520, false);
      add(bus, devfn, std::move(vf));
      vfs_.emplace_back(address(bus, devfn), pf_address);
    }
  }

  void ari_device(int bus) {
    const int fns = 2 + pick(14);
    for (int fn = 0; fn < fns; ++fn) {
      auto b = parts::pcie_endpoint(0x15b3, 0x1017, fn == 0);
      b.ari(static_cast<std::uint8_t>(fn + 1 < fns ? fn + 1 : 0));
      if (chance(0.5)) endpoint_acs(b);
      add(bus, fn, std::move(b));
    }
  }

  // Devices with DMA-alias quirks (§5.1): Ricoh (function 0 alias), Marvell 88SE9230
  // (function 1 alias, often a ghost), PLX NTB (aliases its whole bus).
  void alias_device(int bus) {
    switch (pick(3)) {
      case 0: {
        const int fns = 2 + pick(3);
        for (int fn = 0; fn < fns; ++fn) {
          auto b = ConfigBuilder::endpoint(0x1180, 0xe832, 0x0c0010);
          b.pcie(pci::PcieType::kEndpoint).multifunction(fn == 0);
          add(bus, fn, std::move(b));
        }
        break;
      }
      case 1: {
        auto b = ConfigBuilder::endpoint(0x1b4b, 0x9230, 0x010601);
        const bool second = chance(0.5);
        b.pcie(pci::PcieType::kEndpoint).multifunction(second);
        add(bus, 0, std::move(b));
        if (second) {
          auto c = ConfigBuilder::endpoint(0x1b4b, 0x9230, 0x010185);
          c.pcie(pci::PcieType::kEndpoint);
          add(bus, 1, std::move(c));
        }
        break;
      }
      default: {
        auto b = ConfigBuilder::endpoint(0x10b5, 0x87b0, 0x068000);
        b.pcie(pci::PcieType::kEndpoint).multifunction(true);
        add(bus, 0, std::move(b));
        add(bus, 1, parts::pcie_endpoint(0x10b5, 0x8732, false));
        break;
      }
    }
  }

  std::mt19937_64 rng_;
  RandomTopologyOptions opt_;
  std::vector<Pending> pending_;
  std::vector<std::pair<std::string, std::string>> vfs_;
  int next_bus_ = 1;
  std::uint32_t domain_ = 0;
  int functions_ = 0;
};

}  // namespace

Snapshot random_topology(std::uint64_t seed, const RandomTopologyOptions& options) {
  return Generator(seed, options).run();
}

}  // namespace isogroup::testing
