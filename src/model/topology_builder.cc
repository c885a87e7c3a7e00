#include "topology_builder.h"

#include <fmt/format.h>

#include <utility>

#include "isogroup/pci/decode.h"
#include "isogroup/pci/regs.h"

namespace isogroup {

TopologyBuilder::TopologyBuilder(Snapshot&& snapshot) { t_.snapshot_ = std::move(snapshot); }

Result<Topology> TopologyBuilder::build() && {
  // Each step relies on the ones before it: VFs must be known before buses are resolved
  // (a bus holding only VFs is a virtual bus), buses before the registration order.
  if (auto s = decode_functions(); !s) return tl::unexpected(std::move(s.error()));
  if (auto s = link_virtual_functions(); !s) return tl::unexpected(std::move(s.error()));
  compute_multifunction();
  if (auto s = index_bridges(); !s) return tl::unexpected(std::move(s.error()));
  make_buses();
  if (auto s = resolve_bus_parents(); !s) return tl::unexpected(std::move(s.error()));
  link_children();
  if (auto s = check_sibling_ranges(); !s) return tl::unexpected(std::move(s.error()));
  if (auto s = check_bus_loops(); !s) return tl::unexpected(std::move(s.error()));
  if (auto s = order_root_buses(); !s) return tl::unexpected(std::move(s.error()));
  if (auto s = order_registration(); !s) return tl::unexpected(std::move(s.error()));
  return std::move(t_);
}

Status TopologyBuilder::decode_functions() {
  const auto& raw_functions = t_.snapshot_.functions;
  t_.functions_.reserve(raw_functions.size());
  t_.index_.reserve(raw_functions.size());
  for (std::size_t i = 0; i < raw_functions.size(); ++i) {
    const SnapshotFunction& sf = raw_functions[i];
    Function f;
    f.address = sf.address;
    f.origin = sf.origin;
    f.snapshot_index = static_cast<std::uint32_t>(i);
    f.identity = pci::decode_identity(sf.config);
    // sysfs vendor/device/class files and lspci's header line state these directly.
    if (sf.vendor_id) f.identity.vendor_id = sf.vendor_id;
    if (sf.device_id) f.identity.device_id = sf.device_id;
    if (sf.class_code) f.identity.class_code = sf.class_code;
    if (f.identity.vendor_id == pci::regs::kVendorIdNone) {
      t_.notes_.push_back(fmt::format("{}: {} reads vendor ffff, so no function is there; skipped",
                                      sf.origin, sf.address.to_string()));
      continue;
    }
    f.layout = pci::decode_header_layout(sf.config);
    f.bridge_buses = pci::decode_bridge_buses(sf.config);  // type-1 and CardBus headers
    f.pcie = pci::decode_pcie(sf.config);
    f.acs = pci::decode_acs(sf.config);
    f.ari = pci::decode_ari(sf.config);
    f.sriov = pci::decode_sriov(sf.config);
    f.driver = sf.driver;
    f.kernel_group = sf.iommu_group;
    f.name = sf.name;
    f.boot_vga = sf.boot_vga;
    f.driver_override = sf.driver_override;

    const auto id = static_cast<FunctionId>(t_.functions_.size());
    auto [it, inserted] = t_.index_.emplace(sf.address, id);
    if (!inserted) {
      const Function& first = t_.functions_[it->second];
      return make_error(Errc::kInconsistent,
                        fmt::format("function {} is listed twice: at {} and at {}",
                                    sf.address.to_string(), first.origin, sf.origin),
                        sf.origin,
                        "the input holds the same address twice (two captures joined?); "
                        "keep one description of each function");
    }
    t_.functions_.push_back(std::move(f));
  }
  return {};
}

// pdev->multifunction as the kernel sets it (drivers/pci/probe.c): function 0 keeps its
// own Header Type bit; pci_scan_slot() marks every further function it finds (function
// number > 0) multifunction whatever its own bit says; VFs are created by
// pci_iov_add_virtfn(), never scanned, and stay 0.
// Not modelled: with ARI the slot scan of devfn 0 also reaches devfn 8, 16, ... and marks
// them; here those keep their own bit.
void TopologyBuilder::compute_multifunction() {
  for (Function& f : t_.functions_) {
    if (f.is_virtfn) {
      f.multifunction = Tristate::kFalse;
    } else if (f.address.function() > 0) {
      f.multifunction = Tristate::kTrue;
    } else {
      f.multifunction = pci::decode_multifunction_bit(t_.snapshot_.functions[f.snapshot_index].config);
    }
  }
}

}  // namespace isogroup
