// Buses and the links between them: which bridge leads to which bus, root buses, SR-IOV
// virtual buses, and the consistency checks on bus numbers.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "topology_builder.h"

namespace isogroup {
namespace {

constexpr const char* kBusNumberHint =
    "the bridge's bus-number registers (config 0x18-0x1a, lspci's 'Bus: primary=.. "
    "secondary=.. subordinate=..' line) contradict the rest of the input; recapture it, or "
    "check whether the text was edited or two machines' outputs were joined";

std::string bus_range(const pci::BridgeBuses& b) {
  return fmt::format("[{:02x}-{:02x}]", b.secondary, b.subordinate);
}

}  // namespace

Status TopologyBuilder::index_bridges() {
  const auto n = static_cast<FunctionId>(t_.functions_.size());
  for (FunctionId id = 0; id < n; ++id) {
    const Function& f = t_.functions_[id];
    // A CardBus bridge leads to a bus as a type-1 bridge does (pci_scan_bridge).
    if ((!f.is_bridge() && f.layout != pci::HeaderLayout::kCardBus) || f.is_virtfn) continue;
    if (!f.bridge_buses) {
      t_.notes_.push_back(fmt::format(
          "{}: bridge {} has unknown bus numbers; functions below it can only be placed from "
          "sysfs links", f.origin, f.address.to_string()));
      continue;
    }
    const pci::BridgeBuses& b = *f.bridge_buses;
    if (b.secondary <= f.address.bus || b.subordinate < b.secondary) {
      return make_error(Errc::kInconsistent,
                        fmt::format("bridge {} has bus range {}, which does not lie above its own "
                                    "bus {:02x}",
                                    f.address.to_string(), bus_range(b), f.address.bus),
                        f.origin, kBusNumberHint);
    }
    auto [it, inserted] = bridge_by_secondary_.emplace(bus_key(f.address.domain, b.secondary), id);
    if (!inserted) {
      const Function& other = t_.functions_[it->second];
      return make_error(Errc::kInconsistent,
                        fmt::format("bridges {} (at {}) and {} both lead to bus {:04x}:{:02x}",
                                    other.address.to_string(), other.origin, f.address.to_string(),
                                    f.address.domain, b.secondary),
                        f.origin, kBusNumberHint);
    }
    bridges_by_domain_[f.address.domain].push_back(id);
  }
  return {};
}

void TopologyBuilder::make_buses() {
  std::vector<BusAddress> addresses;
  addresses.reserve(t_.functions_.size() + bridge_by_secondary_.size() +
                    t_.snapshot_.root_buses.size());
  for (const Function& f : t_.functions_) addresses.push_back({f.address.domain, f.address.bus});
  // A bridge's secondary bus exists even with nothing on it (pci_add_new_bus at scan time).
  for (const auto& [key, id] : bridge_by_secondary_) {
    const Function& f = t_.functions_[id];
    addresses.push_back({f.address.domain, f.bridge_buses->secondary});
  }
  // So does a host bridge's root bus.
  for (const RootBus& r : t_.snapshot_.root_buses) addresses.push_back(r.bus);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());

  t_.buses_.resize(addresses.size());
  bus_by_address_.reserve(addresses.size());
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    t_.buses_[i].address = addresses[i];
    bus_by_address_.emplace(bus_key(addresses[i]), static_cast<BusId>(i));
  }

  std::vector<FunctionId> by_address(t_.functions_.size());
  for (std::size_t i = 0; i < by_address.size(); ++i) by_address[i] = static_cast<FunctionId>(i);
  std::sort(by_address.begin(), by_address.end(), [&](FunctionId a, FunctionId b) {
    return t_.functions_[a].address < t_.functions_[b].address;
  });
  for (FunctionId id : by_address) {
    Function& f = t_.functions_[id];
    f.bus = bus_by_address_.at(bus_key(f.address.domain, f.address.bus));
    t_.buses_[f.bus].functions.push_back(id);
  }
}

Status TopologyBuilder::resolve_bus_parents() {
  for (BusId id = 0; id < t_.buses_.size(); ++id) {
    if (auto s = resolve_one_bus(id); !s) return s;
  }
  return {};
}

// Who is above a bus. The sysfs tree (when the source has it) is the kernel's own answer;
// otherwise the bus numbers decide: the bridge whose secondary bus it is, else a root bus,
// unless a bridge's range claims the number (then only SR-IOV can explain it).
Status TopologyBuilder::resolve_one_bus(BusId id) {
  Bus& bus = t_.buses_[id];
  FunctionId sysfs_self = kNoFunction, sysfs_witness = kNoFunction, root_witness = kNoFunction;
  FunctionId first_plain = kNoFunction, first_vf = kNoFunction;
  for (FunctionId fid : bus.functions) {
    const Function& f = t_.functions_[fid];
    // A VF's sysfs parent is its PF's parent, not the bus it sits on (pci_iov_add_virtfn).
    if (f.is_virtfn) {
      if (first_vf == kNoFunction) first_vf = fid;
      continue;
    }
    if (first_plain == kNoFunction) first_plain = fid;
    const SnapshotFunction& sf = raw(fid);
    const bool claims_root = sf.on_root_bus.value_or(false) && !sf.sysfs_parent;
    if (!sf.sysfs_parent && !claims_root) continue;
    FunctionId parent = kNoFunction;
    if (sf.sysfs_parent) {
      parent = lookup(*sf.sysfs_parent);
      if (parent == kNoFunction) {
        return make_error(Errc::kInconsistent,
                          fmt::format("function {} sits below {} in sysfs, but {} is not in the input",
                                      f.address.to_string(), sf.sysfs_parent->to_string(),
                                      sf.sysfs_parent->to_string()),
                          f.origin, "capture the whole machine; a partial capture loses the tree");
      }
    }
    const FunctionId earlier = sysfs_witness != kNoFunction ? sysfs_witness : root_witness;
    const bool disagrees = earlier != kNoFunction && (parent == kNoFunction
                                                          ? sysfs_self != kNoFunction
                                                          : parent != sysfs_self);
    if (disagrees) {
      const auto describe = [&](FunctionId p) {
        return p == kNoFunction ? std::string("a host bridge") : t_.functions_[p].address.to_string();
      };
      return make_error(Errc::kInconsistent,
                        fmt::format("functions {} and {} share bus {} but sysfs puts them below "
                                    "{} and {}",
                                    t_.functions_[earlier].address.to_string(),
                                    f.address.to_string(), bus.address.to_string(),
                                    describe(sysfs_self), describe(parent)),
                        f.origin, "the sysfs tree of the input is damaged; recapture it");
    }
    if (parent == kNoFunction) {
      root_witness = fid;
    } else {
      sysfs_self = parent;
      sysfs_witness = fid;
    }
  }

  const auto bridge_it = bridge_by_secondary_.find(bus_key(bus.address));
  const FunctionId bridge = bridge_it == bridge_by_secondary_.end() ? kNoFunction : bridge_it->second;
  FunctionId self = kNoFunction;
  if (sysfs_self != kNoFunction) {
    const Function& p = t_.functions_[sysfs_self];
    const Function& w = t_.functions_[sysfs_witness];
    if (p.is_virtfn || (p.layout && !p.is_bridge() && p.layout != pci::HeaderLayout::kCardBus)) {
      return make_error(Errc::kInconsistent,
                        fmt::format("sysfs puts {} below {}, which is not a bridge",
                                    w.address.to_string(), p.address.to_string()),
                        w.origin, "the sysfs tree of the input is damaged; recapture it");
    }
    if (bridge != kNoFunction && bridge != sysfs_self) {
      const Function& b = t_.functions_[bridge];
      return make_error(Errc::kInconsistent,
                        fmt::format("sysfs puts {} below bridge {}, but bridge {} (at {}) has "
                                    "secondary bus {:02x}",
                                    w.address.to_string(), p.address.to_string(),
                                    b.address.to_string(), b.origin, bus.address.bus),
                        w.origin, kBusNumberHint);
    }
    if (p.bridge_buses && p.bridge_buses->secondary != bus.address.bus) {
      return make_error(Errc::kInconsistent,
                        fmt::format("sysfs puts {} (bus {:02x}) below bridge {}, whose secondary "
                                    "bus is {:02x}",
                                    w.address.to_string(), bus.address.bus, p.address.to_string(),
                                    p.bridge_buses->secondary),
                        w.origin, kBusNumberHint);
    }
    self = sysfs_self;
  } else if (root_witness != kNoFunction) {
    if (bridge != kNoFunction) {
      const Function& w = t_.functions_[root_witness];
      return make_error(Errc::kInconsistent,
                        fmt::format("sysfs puts {} directly below a host bridge, but bridge {} "
                                    "leads to its bus {}",
                                    w.address.to_string(), t_.functions_[bridge].address.to_string(),
                                    bus.address.to_string()),
                        w.origin, kBusNumberHint);
    }
    bus.is_root = true;
    return {};
  } else if (bridge != kNoFunction) {
    self = bridge;
  } else if (first_plain == kNoFunction && first_vf != kNoFunction) {
    // Only VFs and no bridge: the virtual bus pci_iov_add_virtfn() creates for VF routing
    // IDs past the PF's bus (virtfn_add_bus: bus->self is NULL, its parent is the PF's bus).
    bus.parent = t_.functions_[t_.functions_[first_vf].physfn].bus;
    return {};
  } else {
    if (first_plain != kNoFunction) {
      const FunctionId cover = bridge_covering(bus.address.domain, bus.address.bus);
      if (cover != kNoFunction) {
        const Function& f = t_.functions_[first_plain];
        const Function& c = t_.functions_[cover];
        return make_error(Errc::kInconsistent,
                          fmt::format("function {} is on bus {:02x}, which no bridge leads to but "
                                      "which lies inside bridge {}'s bus range {} (at {})",
                                      f.address.to_string(), bus.address.bus,
                                      c.address.to_string(), bus_range(*c.bridge_buses), c.origin),
                          f.origin,
                          "a bridge description is missing or has wrong bus numbers; check that "
                          "the input is complete (lspci output cut short?)");
      }
    }
    bus.is_root = true;
    return {};
  }

  Function& s = t_.functions_[self];
  if (s.secondary != kNoBus && s.secondary != id) {
    return make_error(Errc::kInconsistent,
                      fmt::format("bridge {} leads to both bus {} and bus {}", s.address.to_string(),
                                  t_.buses_[s.secondary].address.to_string(),
                                  bus.address.to_string()),
                      s.origin, kBusNumberHint);
  }
  s.secondary = id;
  bus.self = self;
  bus.parent = s.bus;
  return {};
}

FunctionId TopologyBuilder::bridge_covering(std::uint32_t domain, std::uint8_t bus) {
  auto cached = covering_.find(domain);
  if (cached == covering_.end()) {
    std::vector<FunctionId> widest(256, kNoFunction);  // per secondary bus number
    const auto subordinate = [&](FunctionId id) { return t_.functions_[id].bridge_buses->subordinate; };
    if (auto it = bridges_by_domain_.find(domain); it != bridges_by_domain_.end()) {
      for (FunctionId id : it->second) {
        const std::uint8_t sec = t_.functions_[id].bridge_buses->secondary;
        if (widest[sec] == kNoFunction || subordinate(id) > subordinate(widest[sec])) widest[sec] = id;
      }
    }
    // Sweep the bus numbers keeping the open range that reaches furthest.
    std::vector<FunctionId> cover(256, kNoFunction);
    FunctionId open = kNoFunction;
    for (unsigned b = 0; b < 256; ++b) {
      if (open != kNoFunction && subordinate(open) < b) open = kNoFunction;
      const FunctionId starts = widest[b];
      if (starts != kNoFunction && (open == kNoFunction || subordinate(starts) > subordinate(open))) {
        open = starts;
      }
      cover[b] = open;
    }
    cached = covering_.emplace(domain, std::move(cover)).first;
  }
  return cached->second[bus];
}

void TopologyBuilder::link_children() {
  for (Bus& bus : t_.buses_) {
    for (FunctionId fid : bus.functions) {
      const Function& f = t_.functions_[fid];
      if (!f.is_virtfn && f.secondary != kNoBus) bus.children.push_back(f.secondary);
    }
  }
  for (BusId id = 0; id < t_.buses_.size(); ++id) {
    const Bus& bus = t_.buses_[id];
    if (!bus.is_root && bus.self == kNoFunction && bus.parent != kNoBus) {
      t_.buses_[bus.parent].children.push_back(id);
    }
  }
}

// Sibling bridges must own disjoint bus ranges, or the kernel's bus-number space is
// contradictory (a bus would be reachable through two bridges).
Status TopologyBuilder::check_sibling_ranges() const {
  std::vector<FunctionId> bridges;
  for (const Bus& bus : t_.buses_) {
    bridges.clear();
    for (FunctionId fid : bus.functions) {
      const Function& f = t_.functions_[fid];
      if (!f.is_virtfn && f.bridge_buses && f.secondary != kNoBus) bridges.push_back(fid);
    }
    if (bridges.size() < 2) continue;
    std::sort(bridges.begin(), bridges.end(), [&](FunctionId a, FunctionId b) {
      return t_.functions_[a].bridge_buses->secondary < t_.functions_[b].bridge_buses->secondary;
    });
    FunctionId reach = bridges.front();
    for (std::size_t i = 1; i < bridges.size(); ++i) {
      const Function& prev = t_.functions_[reach];
      const Function& next = t_.functions_[bridges[i]];
      if (next.bridge_buses->secondary <= prev.bridge_buses->subordinate) {
        return make_error(Errc::kInconsistent,
                          fmt::format("bridges {} {} and {} {} on bus {} have overlapping bus "
                                      "ranges",
                                      prev.address.to_string(), bus_range(*prev.bridge_buses),
                                      next.address.to_string(), bus_range(*next.bridge_buses),
                                      bus.address.to_string()),
                          next.origin, kBusNumberHint);
      }
      if (next.bridge_buses->subordinate > prev.bridge_buses->subordinate) reach = bridges[i];
    }
  }
  return {};
}

// Parent links must end at a root bus. With bus numbers alone they always do (a secondary
// bus lies above its bridge's bus); sysfs links can be damaged into a cycle.
Status TopologyBuilder::check_bus_loops() const {
  enum : unsigned char { kUnseen, kOnPath, kDone };
  std::vector<unsigned char> state(t_.buses_.size(), kUnseen);
  std::vector<BusId> path;
  for (BusId start = 0; start < t_.buses_.size(); ++start) {
    path.clear();
    BusId cur = start;
    while (state[cur] != kDone) {
      if (state[cur] == kOnPath) {
        std::string chain;
        for (auto it = std::find(path.begin(), path.end(), cur); it != path.end(); ++it) {
          chain += t_.buses_[*it].address.to_string() + " -> ";
        }
        chain += t_.buses_[cur].address.to_string();
        const Bus& bus = t_.buses_[cur];
        const std::string origin = bus.self != kNoFunction ? t_.functions_[bus.self].origin : "";
        return make_error(Errc::kInconsistent,
                          fmt::format("bus loop: the parent links {} never reach a root bus", chain),
                          origin, "the sysfs tree or the bridges' bus numbers are damaged; recapture");
      }
      state[cur] = kOnPath;
      path.push_back(cur);
      const Bus& bus = t_.buses_[cur];
      if (bus.is_root || bus.parent == kNoBus) break;
      cur = bus.parent;
    }
    for (BusId b : path) state[b] = kDone;
  }
  return {};
}

}  // namespace isogroup
