// DMA aliases: what the kernel's header quirks put into pdev->dma_alias_mask and
// dev_flags (drivers/pci/quirks.c), plus pci_real_dma_dev() for Intel VMD.
#pragma once

#include <bitset>
#include <string>
#include <vector>

#include "isogroup/grouping/group_set.h"
#include "isogroup/grouping/policy.h"
#include "isogroup/model/topology.h"

namespace isogroup {

struct DmaAliasInfo {
  std::bitset<256> mask;        // devfns on the function's own bus it also uses as requester IDs
  bool xlate_root = false;      // PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT
  FunctionId real_dma_dev = kNoFunction;  // pci_real_dma_dev(): the VMD endpoint, or none
  // PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS: only changes the RID reported, not the group (§2).
  bool pcie_bridge_alias = false;
  std::vector<Reason> reasons;  // which quirk set what
  // What the aliases depend on that the input does not show (Switchtec BAR0 tables, which
  // VMD owns a domain); also present as kAssumption reasons.
  std::vector<std::string> assumptions;
};

// DmaAliasInfo per FunctionId, stored sparsely: a quirk or VMD touches few functions, so
// the rest share one empty entry (4 bytes each instead of a 256-bit mask and vectors).
class DmaAliases {
 public:
  explicit DmaAliases(std::size_t functions = 0) : slot_(functions, kNone) {}

  // The function's entry; an empty one (no alias, no flag) when nothing applies to it.
  const DmaAliasInfo& operator[](FunctionId f) const {
    const std::uint32_t s = slot_[f];
    return s == kNone ? empty_entry() : entries_[s];
  }
  // The entry to fill in, made on first use.
  DmaAliasInfo& edit(FunctionId f);
  std::size_t size() const { return slot_.size(); }
  // The functions that have an entry, in the order their entries were made.
  const std::vector<FunctionId>& with_entry() const { return owners_; }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  static const DmaAliasInfo& empty_entry();
  std::vector<std::uint32_t> slot_;  // per FunctionId: index into entries_, or kNone
  std::vector<DmaAliasInfo> entries_;
  std::vector<FunctionId> owners_;
};

DmaAliases compute_dma_aliases(const Topology& topology, const Policy& policy);

// pci_devs_are_dma_aliases(a, b) (drivers/pci/pci.c): a's mask holds b's devfn or the
// reverse, or one is the other's pci_real_dma_dev(). The masks are bus-local, so the mask
// test also requires the same bus; the kernel's only caller (get_pci_alias_group) checks
// that itself, so the result there is the same.
bool devs_are_dma_aliases(const Topology& topology, const DmaAliases& aliases,
                          FunctionId a, FunctionId b);

}  // namespace isogroup
