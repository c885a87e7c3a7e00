// The kernel's device registration order (the PCI bus klist order that bus_iommu_probe()
// walks, so it decides the IOMMU group numbers; reference §3.5).
#include <fmt/format.h>

#include <string>
#include <utility>

#include "topology_builder.h"

namespace isogroup {

// Host bridges are registered in firmware order (ACPI namespace / device tree), which only
// a live capture carries (firmware_node). Without it, ascending (domain, bus) is what
// ordinary x86 machines show, but not all: QEMU lists pxb-pcie expanders in reverse.
Status TopologyBuilder::order_root_buses() {
  std::vector<BusId> ascending;
  for (BusId id = 0; id < t_.buses_.size(); ++id) {
    if (t_.buses_[id].is_root) ascending.push_back(id);
  }
  const auto& listed = t_.snapshot_.root_buses;
  if (listed.empty()) {
    t_.root_buses_ = std::move(ascending);
    t_.root_order_known_ = t_.root_buses_.size() <= 1;
    if (!t_.root_order_known_) {
      t_.notes_.push_back(
          "root bus order assumed ascending: the input does not carry the host bridges' "
          "firmware order");
    }
    return {};
  }
  std::vector<char> seen(t_.buses_.size(), 0);
  std::vector<BusId> order;
  for (const RootBus& r : listed) {
    const BusId id = bus_by_address_.at(bus_key(r.bus));  // make_buses() created every one
    const Bus& bus = t_.buses_[id];
    if (!bus.is_root) {
      const std::string above =
          bus.self != kNoFunction ? "bridge " + t_.functions_[bus.self].address.to_string()
                                  : std::string("an SR-IOV PF's bus");
      return make_error(Errc::kInconsistent,
                        fmt::format("the firmware lists bus {} as a host bridge's root bus{}, but "
                                    "{} leads to it",
                                    r.bus.to_string(),
                                    r.firmware_node ? " (" + *r.firmware_node + ")" : "", above),
                        t_.snapshot_.source, "the capture's host-bridge list does not match its devices; recapture");
    }
    if (seen[id]) continue;
    seen[id] = 1;
    order.push_back(id);
  }
  for (BusId id : ascending) {
    if (seen[id]) continue;
    t_.notes_.push_back(fmt::format(
        "root bus order assumed ascending: the input lists the host bridges' firmware order but "
        "not bus {}", t_.buses_[id].address.to_string()));
    t_.root_buses_ = std::move(ascending);
    t_.root_order_known_ = false;
    return {};
  }
  t_.root_buses_ = std::move(order);
  t_.root_order_known_ = true;
  return {};
}

// pci_bus_add_devices() (drivers/pci/bus.c): register every function on a bus in devfn
// order, then descend into each of those functions' secondary buses in the same order.
// Done with an explicit stack: a generated tree may be far deeper than the call stack.
Status TopologyBuilder::order_registration() {
  auto& order = t_.registration_order_;
  order.reserve(t_.functions_.size());
  std::vector<char> visited(t_.buses_.size(), 0);
  struct Frame {
    BusId bus;
    std::size_t next;  // index into the bus's functions of the next one to descend into
  };
  std::vector<Frame> stack;
  const auto enter = [&](BusId id) -> Status {
    if (visited[id]) {
      return make_error(Errc::kInternal,
                        fmt::format("bus {} reached twice while ordering registration",
                                    t_.buses_[id].address.to_string()));
    }
    visited[id] = 1;
    for (FunctionId fid : t_.buses_[id].functions) {
      if (!t_.functions_[fid].is_virtfn) order.push_back(fid);
    }
    stack.push_back({id, 0});
    return {};
  };
  for (BusId root : t_.root_buses_) {
    if (auto s = enter(root); !s) return s;
    while (!stack.empty()) {
      Frame& top = stack.back();
      const auto& functions = t_.buses_[top.bus].functions;
      BusId child = kNoBus;
      while (top.next < functions.size() && child == kNoBus) {
        const Function& f = t_.functions_[functions[top.next++]];
        if (!f.is_virtfn) child = f.secondary;
      }
      if (child == kNoBus) {
        stack.pop_back();
      } else if (auto s = enter(child); !s) {
        return s;
      }
    }
  }
  // VFs exist only once someone writes sriov_numvfs after boot (or a PF driver enables
  // them at probe); each is registered as it is created, so they follow every boot-time
  // function, PF by PF in the PFs' order, each PF's VFs by VF index.
  const std::size_t boot_functions = order.size();
  for (std::size_t i = 0; i < boot_functions; ++i) {
    for (FunctionId vf : t_.functions_[order[i]].virtfns) order.push_back(vf);
  }
  if (order.size() != t_.functions_.size()) {
    return make_error(Errc::kInternal,
                      fmt::format("registration order holds {} of {} functions",
                                  order.size(), t_.functions_.size()),
                      t_.snapshot_.source, "this is a bug in isogroup; please report it with the input");
  }
  return {};
}

}  // namespace isogroup
