// What the kernel puts into pdev->dma_alias_mask and dev_flags (§5 of the reference) and
// pci_real_dma_dev() for Intel VMD, rebuilt per function; and pci_devs_are_dma_aliases().
#include "isogroup/grouping/dma_alias.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "isogroup/grouping/dma_alias_quirks.h"

namespace isogroup {
namespace {

std::uint8_t devfn(unsigned slot, unsigned fn) { return static_cast<std::uint8_t>((slot & 0x1f) << 3 | (fn & 7)); }

std::string devfn_text(unsigned d) { return fmt::format("{:02x}.{}", d >> 3, d & 7); }

void add_reason(DmaAliasInfo& info, const Function& fn, ReasonKind kind, std::string text) {
  info.reasons.push_back(Reason{kind, fn.address, std::move(text), {}});
}

void add_assumption(DmaAliasInfo& info, const Function& fn, std::string text) {
  info.reasons.push_back(Reason{ReasonKind::kAssumption, fn.address, text, {}});
  info.assumptions.push_back(std::move(text));
}

bool row_matches(const DmaAliasQuirkRow& row, const Function& fn, const KernelVersion& kernel) {
  if (!row.kernels.contains(kernel)) return false;
  if (!fn.identity.vendor_id || !fn.identity.device_id) return false;
  if (*fn.identity.vendor_id != row.vendor || *fn.identity.device_id != row.device) return false;
  // A class fixup also needs the class (PCI_CLASS_BRIDGE_OTHER for Switchtec).
  if (row.class_upper != kAnyId) {
    if (!fn.identity.class_code || (*fn.identity.class_code >> 8) != row.class_upper) return false;
  }
  return true;
}

// quirk_use_pcie_bridge_dma_alias()'s condition: a conventional bridge below a PCIe port
// that is not itself a PCIe-to-PCI bridge.
Tristate pcie_bridge_alias_applies(const Topology& topology, const Function& fn) {
  if (fn.bus == kNoBus) return Tristate::kFalse;
  const Bus& bus = topology.bus(fn.bus);
  if (bus.is_root || bus.self == kNoFunction || !fn.is_bridge()) return Tristate::kFalse;
  const Function& parent = topology.function(bus.self);
  const Tristate parent_ok =
      parent.pcie.is_pcie && (parent.pcie.raw_type ? to_tristate(parent.pcie.type != pci::PcieType::kPcieToPciBridge)
                                                   : Tristate::kUnknown);
  return !fn.pcie.is_pcie && parent_ok;
}

void apply_row(const Topology& topology, const DmaAliasQuirkRow& row, FunctionId f,
               const std::vector<std::string>& logged, DmaAliasInfo& info) {
  const Function& fn = topology.function(f);
  const std::string label = fmt::format("{} ({})", to_string(row.fn), row.citation);
  switch (row.fn) {
    case DmaAliasQuirkFn::kFunc0:
      if (fn.address.function() == 0) return;
      info.mask.set(devfn(fn.address.device(), 0));
      add_reason(info, fn, ReasonKind::kDmaAliasQuirk,
                 fmt::format("DMA alias {} by quirk: {}", devfn_text(devfn(fn.address.device(), 0)), label));
      return;
    case DmaAliasQuirkFn::kFunc1:
      if (fn.address.function() == 1) return;
      info.mask.set(devfn(fn.address.device(), 1));
      add_reason(info, fn, ReasonKind::kDmaAliasQuirk,
                 fmt::format("DMA alias {} by quirk: {}", devfn_text(devfn(fn.address.device(), 1)), label));
      return;
    case DmaAliasQuirkFn::kFixed: {
      const auto& sv = fn.identity.subsystem_vendor_id;
      const auto& sd = fn.identity.subsystem_id;
      if (sv && sd) {
        if (*sv != row.subsystem_vendor || *sd != row.subsystem_device) return;
      } else {
        add_assumption(info, fn,
                       fmt::format("its subsystem ids are not in the input; assumed it is the {} and aliases 01.0",
                                   row.citation));
      }
      info.mask.set(devfn(1, 0));
      add_reason(info, fn, ReasonKind::kDmaAliasQuirk, fmt::format("DMA alias 01.0 by quirk: {}", label));
      return;
    }
    case DmaAliasQuirkFn::kMicX200:
      for (const auto d : {devfn(0x10, 0), devfn(0x11, 0), devfn(0x12, 3)}) info.mask.set(d);
      add_reason(info, fn, ReasonKind::kDmaAliasQuirk, "DMA aliases 10.0, 11.0, 12.3 by quirk: " + label);
      return;
    case DmaAliasQuirkFn::kPexVca:
      for (unsigned slot = 0; slot < 0x20; ++slot) {
        for (unsigned fnum = 0; fnum < 5; ++fnum) info.mask.set(devfn(slot, fnum));
      }
      add_reason(info, fn, ReasonKind::kDmaAliasQuirk, "DMA aliases: functions 0-4 of every slot, by quirk: " + label);
      return;
    case DmaAliasQuirkFn::kXlateRoot:
      info.xlate_root = true;
      add_reason(info, fn, ReasonKind::kDmaAliasQuirk, label);
      return;
    case DmaAliasQuirkFn::kPlxNtbAll:
      info.mask.set();
      add_reason(info, fn, ReasonKind::kDmaAliasQuirk, "DMA aliases: every devfn of its bus, by quirk: " + label);
      return;
    case DmaAliasQuirkFn::kSwitchtec:
      if (logged.empty()) {
        add_assumption(info, fn,
                       "Switchtec NTB: the kernel reads its DMA aliases from the MMIO BAR0 requester-ID "
                       "tables, which the input does not show, and the kernel log has no \"Enabling fixed "
                       "DMA alias\" lines for it; assumed none");
      } else {
        add_reason(info, fn, ReasonKind::kDmaAliasQuirk,
                   fmt::format("{}: aliases taken from the kernel log", label));
      }
      return;
    case DmaAliasQuirkFn::kPcieBridgeAlias: {
      const Tristate applies = pcie_bridge_alias_applies(topology, fn);
      if (applies == Tristate::kTrue) {
        info.pcie_bridge_alias = true;
        add_reason(info, fn, ReasonKind::kDmaAliasBridge,
                   label + ": DMA from below uses the secondary bus number (no effect on the group)");
      }
      return;
    }
  }
}

// The VMD endpoints and which domain >= 0x10000 each owns.
void assign_vmd(const Topology& topology, DmaAliases& out) {
  std::set<std::uint32_t> vmd_domains;
  for (const auto& bus : topology.buses()) {
    if (bus.address.domain >= kVmdFirstDomain) vmd_domains.insert(bus.address.domain);
  }
  if (vmd_domains.empty()) return;

  const auto& ids = vmd_device_ids();
  std::vector<FunctionId> endpoints;
  for (const FunctionId f : topology.registration_order()) {
    const Function& fn = topology.function(f);
    if (fn.address.domain >= kVmdFirstDomain || fn.identity.vendor_id != std::optional<std::uint16_t>(0x8086)) continue;
    if (fn.identity.device_id && std::find(ids.begin(), ids.end(), *fn.identity.device_id) != ids.end()) {
      endpoints.push_back(f);
    }
  }
  std::string fallback_note;
  if (endpoints.empty()) {
    // A VMD id newer than the list: an Intel RAID-class (0104) function outside the VMD domains.
    for (const FunctionId f : topology.registration_order()) {
      const Function& fn = topology.function(f);
      if (fn.address.domain < kVmdFirstDomain && fn.identity.vendor_id == std::optional<std::uint16_t>(0x8086) &&
          fn.identity.class_code && (*fn.identity.class_code >> 8) == 0x0104) {
        endpoints.push_back(f);
      }
    }
    if (!endpoints.empty()) {
      fallback_note = "its device id is not in the known VMD list; taken as the VMD endpoint because it is an Intel "
                      "RAID-class function and the input has domains above ffff";
    }
  }

  // Which endpoint owns which domain is not in a Snapshot (sysfs shows it as the VMD
  // domain's host bridge below the endpoint, which the model does not keep).
  std::map<std::uint32_t, FunctionId> owner;
  std::map<std::uint32_t, std::string> how;
  const std::vector<std::uint32_t> domains(vmd_domains.begin(), vmd_domains.end());
  if (endpoints.size() == 1) {
    for (const auto d : domains) owner[d] = endpoints.front();
    if (domains.size() > 1) {
      for (const auto d : domains) {
        how[d] = "one VMD endpoint and several domains above ffff; assumed it owns all of them";
      }
    }
  } else {
    // vmd_find_free_domain() numbers domains upwards in VMD probe order.
    for (std::size_t i = 0; i < domains.size() && i < endpoints.size(); ++i) {
      owner[domains[i]] = endpoints[i];
      how[domains[i]] =
          "several VMD endpoints and nothing in the input tells which owns which domain; assumed the domains were "
          "numbered in the endpoints' probe order";
    }
  }

  for (FunctionId f = 0; f < topology.functions().size(); ++f) {
    const Function& fn = topology.function(f);
    if (fn.address.domain < kVmdFirstDomain) continue;
    DmaAliasInfo& info = out.edit(f);
    const auto o = owner.find(fn.address.domain);
    if (o == owner.end()) {
      add_assumption(info, fn,
                     fmt::format("domain {:04x} looks VMD-owned (above ffff) but no VMD endpoint in the input "
                                 "owns it; its DMA is taken as its own",
                                 fn.address.domain));
      continue;
    }
    info.real_dma_dev = o->second;
    add_reason(info, fn, ReasonKind::kVmd,
               fmt::format("behind Intel VMD: DMA is issued as the VMD endpoint {}",
                           topology.function(o->second).address.to_string()));
    const auto h = how.find(fn.address.domain);
    if (h != how.end()) add_assumption(info, fn, h->second);
    if (!fallback_note.empty()) {
      add_assumption(info, fn, fmt::format("VMD endpoint {}: {}", topology.function(o->second).address.to_string(),
                                           fallback_note));
    }
  }
}

}  // namespace

const DmaAliasInfo& DmaAliases::empty_entry() {
  static const DmaAliasInfo kEmpty;
  return kEmpty;
}

DmaAliasInfo& DmaAliases::edit(FunctionId f) {
  std::uint32_t& s = slot_[f];
  if (s == kNone) {
    s = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
    owners_.push_back(f);
  }
  return entries_[s];
}

DmaAliases compute_dma_aliases(const Topology& topology, const Policy& policy) {
  DmaAliases out(topology.functions().size());

  // The rows of this kernel by (vendor, device), table order kept within one id pair, so
  // each function costs one binary search instead of a scan of the table.
  std::vector<const DmaAliasQuirkRow*> rows;
  for (const auto& row : dma_alias_quirk_table()) {
    if (row.kernels.contains(policy.kernel)) rows.push_back(&row);
  }
  const auto key = [](std::uint16_t vendor, std::uint16_t device) {
    return std::uint32_t{vendor} << 16 | device;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const DmaAliasQuirkRow* a, const DmaAliasQuirkRow* b) {
    return key(a->vendor, a->device) < key(b->vendor, b->device);
  });

  // pci_add_dma_alias() logs every alias it adds; those lines are evidence for any function.
  std::map<Bdf, std::vector<std::string>> logged;
  for (const auto& line : topology.snapshot().dmesg) {
    const std::size_t at = line.find(kDmaAliasLog);
    if (at == std::string::npos) continue;
    if (const auto bdf = kernel_log_device(line, at)) logged[*bdf].push_back(line.substr(at));
  }

  static const std::vector<std::string> kNone;
  for (FunctionId f = 0; f < topology.functions().size(); ++f) {
    const Function& fn = topology.function(f);
    const auto l = logged.empty() ? logged.end() : logged.find(fn.address);
    const std::vector<std::string>& lines = l == logged.end() ? kNone : l->second;
    if (fn.identity.vendor_id && fn.identity.device_id) {
      const std::uint32_t id = key(*fn.identity.vendor_id, *fn.identity.device_id);
      auto row = std::lower_bound(rows.begin(), rows.end(), id, [&](const DmaAliasQuirkRow* r, std::uint32_t v) {
        return key(r->vendor, r->device) < v;
      });
      for (; row != rows.end() && key((*row)->vendor, (*row)->device) == id; ++row) {
        if (row_matches(**row, fn, policy.kernel)) apply_row(topology, **row, f, lines, out.edit(f));
      }
    }
    if (lines.empty()) continue;
    DmaAliasInfo& info = out.edit(f);
    for (const auto& line : lines) {
      const auto alias = parse_dma_alias_log(line);
      if (!alias) continue;
      for (unsigned d = alias->first; d <= alias->last; ++d) info.mask.set(d);
      add_reason(info, fn, ReasonKind::kDmaAliasQuirk, fmt::format("DMA alias from the kernel log: \"{}\"", line));
    }
  }
  assign_vmd(topology, out);
  return out;
}

bool devs_are_dma_aliases(const Topology& topology, const DmaAliases& aliases, FunctionId a,
                          FunctionId b) {
  const Function& fa = topology.function(a);
  const Function& fb = topology.function(b);
  if (fa.bus == fb.bus) {
    if (aliases[a].mask.test(fb.address.devfn) || aliases[b].mask.test(fa.address.devfn)) return true;
  }
  return aliases[a].real_dma_dev == b || aliases[b].real_dma_dev == a;
}

}  // namespace isogroup
