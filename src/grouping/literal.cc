// compute_groups_literal: a step-by-step transcription of the classic PCI grouping of
// drivers/iommu/iommu.c (v6.x through v7.0: pci_device_group, get_pci_alias_group,
// get_pci_function_alias_group, get_pci_alias_or_group) over the alias walk of
// drivers/pci/search.c (pci_for_each_dma_alias). It keeps the kernel's global device
// list scans (for_each_pci_dev) and is quadratic on purpose: it is the test oracle for
// the fast engine in pci_device_group.cc. Unknown facts count as "not isolated" here,
// like there; the fast engine is the one that explains and flags them.
#include <bitset>

#include "grouping_inputs.h"
#include "isogroup/grouping/group_set.h"

namespace isogroup {
namespace {

using detail::GroupingInputs;
using detail::GroupState;

constexpr int kNoGroup = -1;

class LiteralKernel {
 public:
  LiteralKernel(const GroupingInputs& in, GroupState& state) : in_(in), state_(state) {}

  // iommu_group_get(dev): the group a device was given when it was probed, if any.
  int group_get(FunctionId dev) const { return state_.group_of[dev]; }

  bool pci_acs_enabled(FunctionId dev) const { return is_true(in_.acs.enabled(dev).enabled); }
  bool pci_acs_path_enabled(FunctionId start) const { return is_true(in_.acs.path_enabled(start)); }
  bool multifunction(FunctionId dev) const { return !is_false(in_.multifunction(dev)); }
  const Bus& bus_of(FunctionId dev) const { return in_.topology.bus(in_.topology.function(dev).bus); }
  static bool pci_is_root_bus(const Bus& bus) { return bus.is_root || bus.parent == kNoBus; }

  // pci_for_each_dma_alias(pdev, get_pci_alias_or_group, &data): returns the group the
  // callback stopped on, and leaves data.pdev at the last device reported.
  int for_each_dma_alias(FunctionId pdev, FunctionId& last) const {
    pdev = in_.real_dma_dev(pdev);  // pci_real_dma_dev()
    // The callback: remember the device, stop on its group.
    auto callback = [&](FunctionId dev) {
      last = dev;
      return group_get(dev);
    };
    int ret = callback(pdev);
    if (ret != kNoGroup) return ret;
    const auto& mask = in_.aliases[pdev].mask;
    for (std::size_t devfn = 0; devfn < mask.size(); ++devfn) {
      if (!mask.test(devfn)) continue;
      ret = callback(pdev);  // same device, the alias's requester ID
      if (ret != kNoGroup) return ret;
    }
    const Bus* bus = &bus_of(pdev);
    for (; !pci_is_root_bus(*bus); bus = &in_.topology.bus(bus->parent)) {
      if (bus->self == kNoFunction) continue;  // a virtual bus
      const FunctionId tmp = bus->self;
      if (in_.aliases[tmp].xlate_root) break;  // the alias walk stops at this bridge
      if (!is_false(in_.is_pcie(tmp))) {
        const auto type = in_.pcie_type(tmp);
        if (type == pci::PcieType::kPcieToPciBridge || type == pci::PcieType::kPciToPcieBridge) {
          ret = callback(tmp);
        } else {
          continue;  // root, upstream and downstream ports report nothing
        }
      } else {
        ret = callback(tmp);  // a conventional bridge: its own or its secondary-bus RID
      }
      if (ret != kNoGroup) return ret;
    }
    return kNoGroup;
  }

  // get_pci_function_alias_group(): the non-ACS functions of a multifunction slot.
  int get_pci_function_alias_group(FunctionId pdev, std::bitset<256>& devfns) const {
    const bool group_mf = in_.policy.boot.group_mf;
    if (!multifunction(pdev) || (!group_mf && pci_acs_enabled(pdev))) return kNoGroup;
    const Function& dev = in_.topology.function(pdev);
    for (const FunctionId tmp : in_.topology.registration_order()) {  // for_each_pci_dev
      const Function& t = in_.topology.function(tmp);
      if (tmp == pdev || t.bus != dev.bus || t.address.slot() != dev.address.slot()) continue;
      if (group_mf ? t.is_virtfn : pci_acs_enabled(tmp)) continue;
      const int group = get_pci_alias_group(tmp, devfns);
      if (group != kNoGroup) return group;
    }
    return kNoGroup;
  }

  // get_pci_alias_group(): devices on the same bus that are DMA aliases of each other.
  int get_pci_alias_group(FunctionId pdev, std::bitset<256>& devfns) const {
    const Function& dev = in_.topology.function(pdev);
    if (devfns.test(dev.address.devfn)) return kNoGroup;  // test_and_set_bit
    devfns.set(dev.address.devfn);
    int group = group_get(pdev);
    if (group != kNoGroup) return group;
    for (const FunctionId tmp : in_.topology.registration_order()) {  // for_each_pci_dev
      if (tmp == pdev || in_.topology.function(tmp).bus != dev.bus) continue;
      if (devs_are_dma_aliases(in_.topology, in_.aliases, pdev, tmp)) {
        group = get_pci_alias_group(tmp, devfns);
        if (group != kNoGroup) return group;
        group = get_pci_function_alias_group(tmp, devfns);
        if (group != kNoGroup) return group;
      }
    }
    return kNoGroup;
  }

  // pci_device_group().
  int pci_device_group(FunctionId dev) {
    FunctionId pdev = dev;
    int group = for_each_dma_alias(dev, pdev);
    if (group != kNoGroup) return group;

    // Find the upstream bridge whose path to the root has ACS; the device cannot be
    // isolated below it.
    const Bus* bus = &bus_of(pdev);
    for (; !pci_is_root_bus(*bus); bus = &in_.topology.bus(bus->parent)) {
      if (bus->self == kNoFunction) continue;
      if (pci_acs_path_enabled(bus->self)) break;
      pdev = bus->self;
      group = group_get(pdev);
      if (group != kNoGroup) return group;
    }

    std::bitset<256> devfns;
    group = get_pci_alias_group(pdev, devfns);
    if (group != kNoGroup) return group;
    group = get_pci_function_alias_group(pdev, devfns);
    if (group != kNoGroup) return group;
    return state_.new_group();  // iommu_group_alloc(): ida_alloc, lowest free id
  }

 private:
  const GroupingInputs& in_;
  GroupState& state_;
};

}  // namespace

Result<GroupSet> compute_groups_literal(const Topology& topology, const Policy& policy) {
  if (auto special = detail::platform_group_set(topology, policy)) return std::move(*special);
  const GroupingInputs in(topology, policy);
  GroupState state(topology.functions().size());
  LiteralKernel kernel(in, state);
  // bus_iommu_probe(): devices in probe order; those the IOMMU does not cover get no group.
  for (const FunctionId f : in.coverage.probe_order) {
    if (!in.coverage.behind[f]) continue;
    state.group_of[f] = kernel.pci_device_group(f);
  }
  std::vector<Membership> membership(topology.functions().size());
  for (FunctionId f = 0; f < membership.size(); ++f) {
    membership[f].acs_enabled = in.acs.enabled(f).enabled;
    if (!in.coverage.behind[f]) {
      membership[f].reasons.push_back({ReasonKind::kNotBehindIommu, topology.function(f).address,
                                       in.coverage.not_behind[f], {}});
    }
  }
  return detail::assemble_group_set(in, state, std::move(membership));
}

}  // namespace isogroup
