// pci_acs_enabled() and pci_acs_path_enabled() (drivers/pci/pci.c, §4.1 of the reference)
// for every function of a Topology, with the quirk table of drivers/pci/quirks.c (§4.3),
// the Control value the kernel leaves at boot (§4.2) and the out-of-tree override (§4.5).
#include "isogroup/grouping/acs.h"

#include <initializer_list>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "isogroup/grouping/acs_quirks.h"
#include "isogroup/grouping/boot_parameters.h"
#include "isogroup/pci/regs.h"

namespace isogroup {
namespace {

using pci::kAcsCr;
using pci::kAcsDt;
using pci::kAcsEc;
using pci::kAcsRr;
using pci::kAcsSv;
using pci::kAcsTb;
using pci::kAcsUf;
using pci::PcieType;

// The bits quirks.c treats as present for a device that has no usable ACS capability.
constexpr std::uint16_t kQuirkIsolating = kAcsSv | kAcsRr | kAcsCr | kAcsUf;
// Intel SPT/UPT erratum: the Control register is the dword at cap+8 (INTEL_SPT_ACS_CTRL).
constexpr std::size_t kSptAcsControl = 0x08;

std::string bit_names(std::uint16_t bits) {
  static constexpr std::pair<std::uint16_t, std::string_view> kNames[] = {
      {kAcsSv, "SV"}, {kAcsTb, "TB"}, {kAcsRr, "RR"}, {kAcsCr, "CR"}, {kAcsUf, "UF"}, {kAcsEc, "EC"}, {kAcsDt, "DT"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(bits & bit)) continue;
    if (!out.empty()) out += '|';
    out += name;
  }
  return out.empty() ? std::string("none") : out;
}

// "CR|UF only", or "none enabled".
std::string enabled_part(std::uint16_t bits) {
  return bits == 0 ? std::string("none enabled") : bit_names(bits) + " only";
}

// pci_acs_ctrl_enabled(): every requested bit is in the set the quirk vouches for.
bool ctrl_enabled(std::uint16_t requested, std::uint16_t vouched) { return (requested & vouched) == requested; }

// config_acs string that sets `bits` and keeps the rest: rightmost character is SV.
std::string config_acs_bits(std::uint16_t bits) {
  int top = 15;
  while (top > 0 && !(bits & (1u << top))) --top;
  std::string s;
  for (int b = top; b >= 0; --b) s += (bits & (1u << b)) ? '1' : 'x';
  return s;
}

struct Outcome {
  enum State { kNoOpinion, kDecided, kUnknown } state = kNoOpinion;
  Tristate enabled = Tristate::kUnknown;
  Reason reason;
  std::vector<std::string> assumptions;
};

Outcome no_opinion() { return Outcome{}; }

// Everything the evaluation of one function needs besides the function.
struct Context {
  const Topology& topology;
  const Policy& policy;
  std::vector<AcsQuirkRow> table;
  bool ivrs_present = false;
  // The snapshot's Control values were read after a boot without an IOMMU, but this policy
  // has one: the kernel would have OR-ed in the standard enable (pci_std_enable_acs).
  bool add_standard_enable = false;
  bool acs_requested = false;  // pci_acs_enable: an IOMMU driver called pci_request_acs()
  bool disable_acs_redir_applies = false;
  bool config_acs_applies = false;
  std::map<Bdf, Tristate> pch_log;  // enable_intel_pch outcome per root port, from dmesg
  // Verdict texts that depend on a few bits or ids, not on the function: made once each,
  // shared by every function they describe (a machine repeats a handful of them).
  mutable std::unordered_map<std::uint64_t, SharedText> texts;
  // The rows that match a vendor:device pair, in table order: made on the pair's first
  // function, so each function costs a lookup instead of a scan of the whole table.
  mutable std::unordered_map<std::uint32_t, std::vector<const AcsQuirkRow*>> rows_by_id;
  const std::vector<const AcsQuirkRow*>& rows_for(std::uint16_t vendor, std::uint16_t device) const {
    const std::uint32_t key = std::uint32_t{vendor} << 16 | device;
    auto it = rows_by_id.find(key);
    if (it == rows_by_id.end()) {
      std::vector<const AcsQuirkRow*> rows;
      for (const AcsQuirkRow& row : table) {
        if (row.matches(vendor, device)) rows.push_back(&row);
      }
      it = rows_by_id.emplace(key, std::move(rows)).first;
    }
    return it->second;
  }
  template <class Make>
  const SharedText& text(std::uint64_t key, Make make) const {
    auto it = texts.find(key);
    if (it == texts.end()) it = texts.emplace(key, SharedText(make())).first;
    return it->second;
  }
};

// Keys of Context::texts: the kind of text in the top byte, its inputs below.
enum class TextKey : std::uint64_t {
  kSingleFunction = 1,
  kNeverIsolated,
  kMissingRemedy,
  kEnabled,
  kIncomplete,
};
constexpr std::uint64_t text_key(TextKey kind, std::uint64_t inputs) {
  return static_cast<std::uint64_t>(kind) << 56 | inputs;
}

Reason make_reason(ReasonKind kind, const Function& fn, SharedText text, SharedText remedy = {}) {
  return Reason{kind, fn.address, std::move(text), std::move(remedy)};
}

// The first entry of a pci= list that matches `f` (the kernel stops at the first match and at
// an entry it cannot parse). kUnknown when a match depends on a fact the input lacks.
struct EntryMatch {
  DeviceMatch result = DeviceMatch::kNo;
  const AcsConfigEntry* entry = nullptr;
};
EntryMatch first_match(const Context& ctx, const std::vector<AcsConfigEntry>& entries, FunctionId f) {
  for (const auto& e : entries) {
    const DeviceMatch m = match_device_spec(ctx.topology, f, e.device);
    if (m == DeviceMatch::kNo) continue;
    return EntryMatch{m, &e};
  }
  return {};
}

// The Control word pci_enable_acs() leaves (§4.2): the read value as the firmware value,
// the standard enable when this policy has an IOMMU the input's boot did not, then
// disable_acs_redir and config_acs, each computed from the firmware value.
struct ControlResult {
  std::optional<std::uint16_t> control;
  std::vector<std::string> assumptions;
  std::string unknown_why;
  bool cleared_by_cmdline = false;
};
ControlResult effective_control(const Context& ctx, FunctionId f, std::uint16_t capability,
                                std::uint16_t read_control) {
  ControlResult r;
  const std::uint16_t fw_ctrl = read_control;
  std::uint16_t ctrl = read_control;
  if (ctx.add_standard_enable) {
    ctrl = static_cast<std::uint16_t>(ctrl | (capability & kQuirkIsolating));
    r.assumptions.push_back(
        "the input was read with no active IOMMU; under this policy the kernel would enable the "
        "SV|RR|CR|UF bits the ACS capability supports");
  }
  const auto apply = [&](const std::vector<AcsConfigEntry>& entries, std::string_view name) -> bool {
    const EntryMatch m = first_match(ctx, entries, f);
    if (m.result == DeviceMatch::kUnknown) {
      r.unknown_why = fmt::format("whether {} entry '{}' matches is unknown (ids not in the input)", name,
                                  m.entry->device);
      return false;
    }
    if (m.result != DeviceMatch::kYes) return true;
    ctrl = static_cast<std::uint16_t>((fw_ctrl & ~m.entry->mask) | (m.entry->value & m.entry->mask));
    r.cleared_by_cmdline = (m.entry->mask & ~m.entry->value & kQuirkIsolating) != 0;
    r.assumptions.push_back(fmt::format(
        "{} matches: the ACS Control read from the input ({:#06x}) is taken as the firmware value the "
        "kernel starts from",
        name, read_control));
    return true;
  };
  if (ctx.disable_acs_redir_applies && !apply(ctx.policy.boot.disable_acs_redir, "pci=disable_acs_redir")) {
    return r;
  }
  if (ctx.config_acs_applies && !apply(ctx.policy.boot.config_acs, "pci=config_acs")) return r;
  r.control = ctrl;
  return r;
}

// Whether `f` is a PCIe function of one of `types`; kUnknown when the input cannot say.
Tristate pcie_type_in(const Function& fn, std::initializer_list<PcieType> types) {
  if (fn.pcie.is_pcie == Tristate::kFalse) return Tristate::kFalse;
  if (fn.pcie.is_pcie == Tristate::kUnknown) return Tristate::kUnknown;
  if (!fn.pcie.raw_type) return Tristate::kUnknown;
  if (!fn.pcie.type) return Tristate::kFalse;
  for (const PcieType t : types) {
    if (*fn.pcie.type == t) return Tristate::kTrue;
  }
  return Tristate::kFalse;
}

Outcome unknown_outcome(const Function& fn, SharedText text) {
  static const SharedText kRemedy("capture the machine as root so the whole config space is read");
  Outcome o;
  o.state = Outcome::kUnknown;
  o.reason = make_reason(ReasonKind::kAcsUnknown, fn, std::move(text), kRemedy);
  return o;
}

Outcome decided(const Function& fn, bool enabled, ReasonKind kind, SharedText text, SharedText remedy = {}) {
  Outcome o;
  o.state = Outcome::kDecided;
  o.enabled = to_tristate(enabled);
  o.reason = make_reason(kind, fn, std::move(text), std::move(remedy));
  return o;
}

std::string quirk_label(const AcsQuirkRow& row) {
  return row.device == kAnyId ? std::string(to_string(row.fn)) : std::string(row.citation);
}

// A quirk that vouches for a fixed set of bits: enabled iff the request is inside it.
Outcome vouch(const Function& fn, const AcsQuirkRow& row, std::uint16_t vouched) {
  const bool on = ctrl_enabled(kReqAcsFlags, vouched);
  return decided(fn, on, ReasonKind::kAcsQuirk,
                 on ? fmt::format("ACS enabled by quirk ({})", quirk_label(row))
                    : fmt::format("ACS not enabled by quirk ({}): it vouches only for {}", quirk_label(row),
                                  bit_names(vouched)));
}

Outcome intel_pch(const Context& ctx, FunctionId f, const AcsQuirkRow& row) {
  const Function& fn = ctx.topology.function(f);
  const Tristate root_port = pcie_type_in(fn, {PcieType::kRootPort});
  if (root_port == Tristate::kFalse || !id_in(intel_pch_acs_ids(), *fn.identity.device_id, ctx.policy.kernel)) {
    return no_opinion();
  }
  if (root_port == Tristate::kUnknown) return unknown_outcome(fn, "the PCIe port type is not in the input");
  if (!ctx.acs_requested) {
    // enable_intel_pch runs only when an IOMMU driver requested ACS: the flag stays clear.
    return decided(fn, false, ReasonKind::kAcsQuirk,
                   "ACS not enabled: Intel PCH root port whose ACS workaround runs only with an IOMMU");
  }
  const auto log = ctx.pch_log.find(fn.address);
  if (log != ctx.pch_log.end() && log->second == Tristate::kFalse) {
    return decided(fn, false, ReasonKind::kAcsQuirk,
                   "ACS not enabled: the Intel PCH root port ACS workaround failed (dmesg: \"Failed to enable "
                   "Intel PCH ACS quirk\"), so the quirk decides \"no\"",
                   "a firmware setting that enables the chipset's RCBA (the quirk needs it)");
  }
  Outcome o = vouch(fn, row, kQuirkIsolating);
  if (log == ctx.pch_log.end()) {
    o.assumptions.push_back(
        "the PCH ACS quirk's enable result is not in the input; assumed it succeeded, as it does when "
        "the LPC RCBA is enabled");
  } else {
    o.reason.text = o.reason.text.str() + " (dmesg: \"Intel PCH root port ACS workaround enabled\")";
  }
  return o;
}

Outcome intel_spt_pch(const Context& ctx, FunctionId f) {
  const Function& fn = ctx.topology.function(f);
  const Tristate root_port = pcie_type_in(fn, {PcieType::kRootPort});
  if (root_port == Tristate::kFalse || !id_in(intel_spt_pch_acs_ids(), *fn.identity.device_id, ctx.policy.kernel)) {
    return no_opinion();
  }
  if (root_port == Tristate::kUnknown) return unknown_outcome(fn, "the PCIe port type is not in the input");
  if (fn.acs.present == Tristate::kFalse) return no_opinion();
  if (fn.acs.present == Tristate::kUnknown) {
    return unknown_outcome(fn, "Intel Sunrise/Union Point root port whose ACS capability is not in the input");
  }
  const pci::ConfigSpace& config = ctx.topology.config(f);
  std::optional<std::uint16_t> capability = fn.acs.capability;
  if (const auto dword = config.read32(fn.acs.offset + pci::regs::kAcsCapability)) {
    capability = static_cast<std::uint16_t>(*dword & 0xffff);
  }
  if (!capability) return unknown_outcome(fn, "the ACS Capability register is not in the input");
  Outcome o;
  std::uint32_t ctrl = 0;
  if (const auto dword = config.read32(fn.acs.offset + kSptAcsControl)) {
    ctrl = *dword;
    if (ctx.add_standard_enable) {
      ctrl |= (*capability & kQuirkIsolating);
      o.assumptions.push_back(
          "the input was read with no active IOMMU; under this policy the SPT/UPT ACS workaround would "
          "enable SV|RR|CR|UF in the control dword at cap+8");
    }
  } else {
    ctrl = *capability & kQuirkIsolating;
    o.assumptions.push_back(
        "the SPT/UPT ACS control dword at cap+8 is not in the input (lspci decodes the word at cap+6); "
        "assumed the kernel's own enable set SV|RR|CR|UF, as it does at boot with an IOMMU");
  }
  // pci_dev_specific_disable_acs_redir(): a matching disable_acs_redir or config_acs entry
  // clears RR|CR|EC in the dword, whatever the config_acs bits say.
  bool cleared = false;
  for (const auto& [applies, entries, name] :
       {std::tuple{ctx.disable_acs_redir_applies, &ctx.policy.boot.disable_acs_redir, "pci=disable_acs_redir"},
        std::tuple{ctx.config_acs_applies, &ctx.policy.boot.config_acs, "pci=config_acs"}}) {
    if (!applies) continue;
    const EntryMatch m = first_match(ctx, *entries, f);
    if (m.result == DeviceMatch::kUnknown) {
      return unknown_outcome(fn, fmt::format("whether {} entry '{}' matches is unknown", name, m.entry->device));
    }
    if (m.result == DeviceMatch::kYes) cleared = true;
  }
  if (cleared) ctrl &= ~static_cast<std::uint32_t>(kAcsRr | kAcsCr | kAcsEc);
  const std::uint16_t required = kReqAcsFlags & (*capability | kAcsEc);
  const std::uint16_t missing = static_cast<std::uint16_t>(required & ~ctrl);
  if (missing == 0) {
    Outcome d = decided(fn, true, ReasonKind::kAcsQuirk,
                        "ACS enabled by quirk (Intel Sunrise/Union Point root port: control dword at cap+8)");
    d.assumptions = std::move(o.assumptions);
    return d;
  }
  Outcome d = decided(
      fn, false, ReasonKind::kAcsIncomplete,
      fmt::format("ACS present but {} not enabled in the control dword at cap+8 ({}; Intel SPT/UPT layout)",
                  bit_names(missing), enabled_part(static_cast<std::uint16_t>(required & ctrl))),
      cleared ? "remove the pci=disable_acs_redir / pci=config_acs entry that matches this port" : "");
  d.assumptions = std::move(o.assumptions);
  return d;
}

Outcome acs_override(const Context& ctx, FunctionId f) {
  const Function& fn = ctx.topology.function(f);
  const AcsOverride& ov = ctx.policy.boot.acs_override;
  if (fn.pcie.is_pcie == Tristate::kFalse) return no_opinion();
  if (fn.pcie.is_pcie == Tristate::kUnknown) return unknown_outcome(fn, "whether it is PCIe is not in the input");
  if (fn.acs.present == Tristate::kTrue) return no_opinion();  // the patch never overrides a real capability
  if (fn.acs.present == Tristate::kUnknown) {
    return unknown_outcome(fn, "pcie_acs_override skips functions with an ACS capability, and the input does not "
                               "show whether this one has one");
  }
  const auto overridden = [&](std::string what) {
    return decided(fn, true, ReasonKind::kAcsOverride,
                   fmt::format("ACS assumed by pcie_acs_override={} (out-of-tree patch; the hardware does not "
                               "isolate)",
                               what));
  };
  for (const auto& [v, d] : ov.ids) {
    if (v == *fn.identity.vendor_id && d == *fn.identity.device_id) {
      return overridden(fmt::format("id:{:04x}:{:04x}", v, d));
    }
  }
  const Tristate downstream = pcie_type_in(fn, {PcieType::kDownstreamPort, PcieType::kRootPort});
  const Tristate endpoint = pcie_type_in(fn, {PcieType::kEndpoint, PcieType::kUpstreamPort,
                                              PcieType::kLegacyEndpoint, PcieType::kRcIntegratedEndpoint});
  if (ov.downstream) {
    if (downstream == Tristate::kTrue) return overridden("downstream");
    if (downstream == Tristate::kUnknown) return unknown_outcome(fn, "the PCIe port type is not in the input");
  }
  if (ov.multifunction) {
    const Tristate hit = endpoint && fn.multifunction;
    if (hit == Tristate::kTrue) return overridden("multifunction");
    if (hit == Tristate::kUnknown) {
      return unknown_outcome(fn, "the PCIe type or multifunction bit is not in the input");
    }
  }
  return no_opinion();
}

// pci_dev_specific_acs_enabled(): one table row's function.
Outcome run_quirk(const Context& ctx, FunctionId f, const AcsQuirkRow& row) {
  const Function& fn = ctx.topology.function(f);
  const std::uint16_t device = *fn.identity.device_id;
  const KernelVersion& k = ctx.policy.kernel;
  switch (row.fn) {
    case AcsQuirkFn::kAmdSb: {
      const bool on_root = fn.bus != kNoBus && ctx.topology.bus(fn.bus).is_root;
      if (fn.multifunction == Tristate::kFalse || !on_root || !ctx.ivrs_present) return no_opinion();
      if (fn.multifunction == Tristate::kUnknown) return unknown_outcome(fn, "the multifunction bit is not in the input");
      // Only RR/CR/EC/DT matter to a multifunction southbridge function; RR and CR are vouched for.
      const std::uint16_t relevant = kReqAcsFlags & (kAcsRr | kAcsCr | kAcsEc | kAcsDt);
      const bool on = (relevant & ~(kAcsRr | kAcsCr)) == 0;
      return decided(fn, on, ReasonKind::kAcsQuirk,
                     fmt::format("ACS {} by quirk ({})", on ? "enabled" : "not enabled", quirk_label(row)));
    }
    case AcsQuirkFn::kMfEndpoint:
      return vouch(fn, row, kAcsSv | kAcsTb | kAcsRr | kAcsCr | kAcsUf | kAcsDt);
    case AcsQuirkFn::kIntelRciep: {
      const Tristate t = pcie_type_in(fn, {PcieType::kRcIntegratedEndpoint});
      if (t == Tristate::kFalse) return no_opinion();
      if (t == Tristate::kUnknown) return unknown_outcome(fn, "the PCIe type is not in the input");
      return vouch(fn, row, kQuirkIsolating);
    }
    case AcsQuirkFn::kQcomRp:
    case AcsQuirkFn::kXgene:
    case AcsQuirkFn::kBrcm:
    case AcsQuirkFn::kLoongson:
    case AcsQuirkFn::kNxpRp:
      return vouch(fn, row, kQuirkIsolating);
    case AcsQuirkFn::kIntelPch:
      return intel_pch(ctx, f, row);
    case AcsQuirkFn::kIntelSptPch:
      return intel_spt_pch(ctx, f);
    case AcsQuirkFn::kCavium: {
      const Tristate t = pcie_type_in(fn, {PcieType::kRootPort});
      if (t == Tristate::kFalse || !id_in(cavium_acs_ids(), device, k)) return no_opinion();
      if (t == Tristate::kUnknown) return unknown_outcome(fn, "the PCIe port type is not in the input");
      return vouch(fn, row, kQuirkIsolating);
    }
    case AcsQuirkFn::kAmazonAl: {
      const Tristate t = pcie_type_in(fn, {PcieType::kRootPort});
      if (t == Tristate::kFalse) return no_opinion();
      if (t == Tristate::kUnknown) return unknown_outcome(fn, "the PCIe port type is not in the input");
      return vouch(fn, row, kQuirkIsolating);
    }
    case AcsQuirkFn::kZhaoxinPorts: {
      const Tristate t = pcie_type_in(fn, {PcieType::kRootPort, PcieType::kDownstreamPort});
      if (t == Tristate::kFalse) return no_opinion();
      if (t == Tristate::kUnknown) return unknown_outcome(fn, "the PCIe port type is not in the input");
      if (id_in(zhaoxin_port_acs_ids(), device, k)) return vouch(fn, row, kQuirkIsolating);
      return decided(fn, false, ReasonKind::kAcsQuirk,
                     fmt::format("ACS not enabled by quirk (Zhaoxin port): device id {:04x} is not in the kernel's "
                                 "list of isolating Zhaoxin ports, which decides \"no\" even with an ACS capability",
                                 device));
    }
    case AcsQuirkFn::kWangxunNic:
      if (id_in(wangxun_nic_acs_ids(), device, k)) return vouch(fn, row, kQuirkIsolating);
      return decided(fn, false, ReasonKind::kAcsQuirk,
                     fmt::format("ACS not enabled by quirk (Wangxun NIC): device id {:04x} is not in the kernel's "
                                 "list, which decides \"no\"",
                                 device));
    case AcsQuirkFn::kAcsOverride:
      return acs_override(ctx, f);
  }
  return no_opinion();
}

// pci_acs_flags_enabled(dev, REQ_ACS_FLAGS).
Outcome flags_enabled(const Context& ctx, FunctionId f) {
  const Function& fn = ctx.topology.function(f);
  if (fn.acs.present == Tristate::kUnknown) {
    return unknown_outcome(fn, "the ACS capability is not in the input (the extended config space was not read)");
  }
  const bool is_port = pcie_type_in(fn, {PcieType::kRootPort, PcieType::kDownstreamPort}) == Tristate::kTrue;
  if (fn.acs.present == Tristate::kFalse) {
    static const SharedText kPortText("no ACS capability on this port");
    static const SharedText kFunctionText("multifunction device without an ACS capability");
    static const SharedText kPortRemedy(
        "pcie_acs_override=downstream (out-of-tree patch; assumes isolation the hardware does not promise)");
    if (is_port) return decided(fn, false, ReasonKind::kAcsMissing, kPortText, kPortRemedy);
    const std::uint16_t vendor = *fn.identity.vendor_id;
    const std::uint16_t device = *fn.identity.device_id;
    return decided(fn, false, ReasonKind::kAcsMissing, kFunctionText,
                   ctx.text(text_key(TextKey::kMissingRemedy, std::uint64_t{vendor} << 16 | device), [&] {
                     return fmt::format(
                         "pcie_acs_override=id:{:04x}:{:04x} (out-of-tree patch; assumes isolation the hardware "
                         "does not promise)",
                         vendor, device);
                   }));
  }
  if (!fn.acs.capability || !fn.acs.control) return unknown_outcome(fn, "the ACS registers are not in the input");
  std::uint16_t capability = *fn.acs.capability;
  Outcome o;
  if (kIdtBrokenSvKernels.contains(ctx.policy.kernel)) {
    for (const auto& idt : kIdtBrokenSv) {
      if (*fn.identity.vendor_id == idt.vendor && *fn.identity.device_id == idt.device) {
        capability = static_cast<std::uint16_t>(capability & ~kAcsSv);  // "Disabling broken ACS SV"
      }
    }
  }
  if (capability == 0) {
    return decided(fn, true, ReasonKind::kOwnGroup,
                   "ACS capability advertises no features: every required bit counts as hard-wired");
  }
  ControlResult control = effective_control(ctx, f, capability, *fn.acs.control);
  if (!control.control) return unknown_outcome(fn, control.unknown_why);
  const std::uint16_t required = kReqAcsFlags & (capability | kAcsEc);
  const std::uint16_t hard_wired = kReqAcsFlags & ~required;
  const std::uint16_t missing = static_cast<std::uint16_t>(required & ~*control.control);
  const bool sv_dropped = capability != *fn.acs.capability;
  const auto note = [&] {
    std::string out;
    if (hard_wired) out = fmt::format("; {} not implemented, counted as hard-wired", bit_names(hard_wired));
    if (sv_dropped) out += "; SV dropped from the capability (broken on IDT switches, v7.0+)";
    return out;
  };
  const std::uint16_t enabled_bits = static_cast<std::uint16_t>(required & *control.control);
  // The texts depend only on these bits (each a subset of REQ_ACS_FLAGS; hard_wired follows
  // from required), so functions with the same bits share one.
  const std::uint64_t bits = std::uint64_t{required} | std::uint64_t{missing} << 16 |
                             std::uint64_t{enabled_bits} << 32 | std::uint64_t{sv_dropped} << 48;
  Outcome d;
  if (missing == 0) {
    d = decided(fn, true, ReasonKind::kOwnGroup, ctx.text(text_key(TextKey::kEnabled, bits), [&] {
                  return fmt::format("ACS enabled ({}){}", bit_names(required), note());
                }));
  } else {
    const std::string address = fn.address.to_string();
    std::string remedy;
    if (control.cleared_by_cmdline) {
      remedy = "remove the pci=disable_acs_redir / pci=config_acs entry that matches " + address;
    } else if (kConfigAcsKernels.contains(ctx.policy.kernel)) {
      remedy = fmt::format("pci=config_acs={}@{}", config_acs_bits(required), address);
    } else {
      remedy = fmt::format("a firmware setting that enables ACS, or a kernel >= 6.11 with pci=config_acs={}@{}",
                           config_acs_bits(required), address);
    }
    d = decided(fn, false, ReasonKind::kAcsIncomplete, ctx.text(text_key(TextKey::kIncomplete, bits), [&] {
                  return fmt::format("ACS present but {} not enabled in control ({}){}", bit_names(missing),
                                     enabled_part(enabled_bits), note());
                }),
                std::move(remedy));
  }
  d.assumptions = std::move(control.assumptions);
  return d;
}

// pci_acs_enabled(dev, REQ_ACS_FLAGS).
Outcome evaluate(const Context& ctx, FunctionId f) {
  const Function& fn = ctx.topology.function(f);
  if (!fn.identity.vendor_id || !fn.identity.device_id) {
    return unknown_outcome(fn, "the vendor/device ids are not in the input, so the ACS quirks cannot be checked");
  }
  for (const AcsQuirkRow* row : ctx.rows_for(*fn.identity.vendor_id, *fn.identity.device_id)) {
    Outcome o = run_quirk(ctx, f, *row);
    if (o.state != Outcome::kNoOpinion) return o;
  }
  if (fn.pcie.is_pcie == Tristate::kUnknown) {
    return unknown_outcome(fn, "whether it is a PCIe function is not in the input");
  }
  if (fn.pcie.is_pcie == Tristate::kFalse) {
    static const SharedText kConventional("conventional PCI function: the kernel never counts it as ACS-isolated");
    return decided(fn, false, ReasonKind::kAcsMissing, kConventional);
  }
  if (!fn.pcie.raw_type) return unknown_outcome(fn, "the PCIe port type is not in the input");
  if (!fn.pcie.type) {
    return decided(fn, true, ReasonKind::kOwnGroup,
                   fmt::format("PCIe type {:#x} has no ACS rule: counts as enabled", *fn.pcie.raw_type));
  }
  switch (*fn.pcie.type) {
    case PcieType::kPciToPcieBridge:
    case PcieType::kPcieToPciBridge:
    case PcieType::kRcEventCollector:
      return decided(fn, false, ReasonKind::kAcsMissing,
                     ctx.text(text_key(TextKey::kNeverIsolated, static_cast<std::uint64_t>(*fn.pcie.type)), [&] {
                       return fmt::format("{}: the kernel never counts it as ACS-isolated", to_string(*fn.pcie.type));
                     }));
    case PcieType::kDownstreamPort:
    case PcieType::kRootPort:
      return flags_enabled(ctx, f);
    case PcieType::kEndpoint:
    case PcieType::kUpstreamPort:
    case PcieType::kLegacyEndpoint:
    case PcieType::kRcIntegratedEndpoint:
      if (fn.multifunction == Tristate::kUnknown) {
        return unknown_outcome(fn, "whether it is multifunction is not in the input");
      }
      if (fn.multifunction == Tristate::kTrue) return flags_enabled(ctx, f);
      return decided(fn, true, ReasonKind::kOwnGroup,
                     ctx.text(text_key(TextKey::kSingleFunction, static_cast<std::uint64_t>(*fn.pcie.type)), [&] {
                       return fmt::format("single-function {}: ACS is not needed", to_string(*fn.pcie.type));
                     }));
  }
  return decided(fn, true, ReasonKind::kOwnGroup, "no ACS rule applies to this PCIe type");
}

std::map<Bdf, Tristate> parse_pch_log(const std::vector<std::string>& dmesg) {
  std::map<Bdf, Tristate> out;
  for (const auto& line : dmesg) {
    for (const auto& [message, result] :
         {std::pair{kPchAcsEnabledLog, Tristate::kTrue}, std::pair{kPchAcsFailedLog, Tristate::kFalse}}) {
      const std::size_t at = line.find(message);
      if (at == std::string::npos) continue;
      if (const auto bdf = kernel_log_device(line, at)) out[*bdf] = result;
    }
  }
  return out;
}

}  // namespace

AcsEvaluator::AcsEvaluator(const Topology& topology, const Policy& policy) : topology_(topology) {
  const Snapshot& snap = topology.snapshot();
  Context ctx{topology, policy, acs_quirk_table_for(policy), false, false, false, false, false, {}, {}, {}};
  ctx.ivrs_present = policy.platform == Platform::kAmdVi || snap.firmware_tables.count("IVRS") > 0;
  ctx.acs_requested = policy.platform != Platform::kNone;
  ctx.add_standard_enable = ctx.acs_requested && snap.iommu_active == Tristate::kFalse;
  ctx.disable_acs_redir_applies =
      !policy.boot.disable_acs_redir.empty() && kDisableAcsRedirKernels.contains(policy.kernel);
  ctx.config_acs_applies = !policy.boot.config_acs.empty() && kConfigAcsKernels.contains(policy.kernel);
  ctx.pch_log = parse_pch_log(snap.dmesg);

  const std::size_t n = topology.functions().size();
  verdicts_.resize(n);
  std::map<std::string, std::vector<std::string>> by_assumption;
  std::vector<std::string> order;
  for (FunctionId f = 0; f < n; ++f) {
    Outcome o = evaluate(ctx, f);
    AcsVerdict& v = verdicts_[f];
    v.enabled = o.state == Outcome::kUnknown ? Tristate::kUnknown : o.enabled;
    v.reason = std::move(o.reason);
    v.assumptions = std::move(o.assumptions);
    for (const auto& a : v.assumptions) {
      auto& list = by_assumption[a];
      if (list.empty()) order.push_back(a);
      list.push_back(topology.function(f).address.to_string());
    }
  }
  for (const auto& a : order) {
    assumptions_.push_back(fmt::format("{}: {}", fmt::join(by_assumption[a], ", "), a));
  }
  if (!policy.boot.config_acs.empty() && !kConfigAcsKernels.contains(policy.kernel)) {
    assumptions_.push_back(fmt::format("pci=config_acs is ignored: kernel {} predates it (≈6.11)",
                                       policy.kernel.to_string()));
  }
  path_cache_.assign(n, Tristate::kUnknown);
  breaker_cache_.assign(n, kNoFunction);
  path_done_.assign(n, false);
}

// Walks up from `start` to the first function whose path is known (or the root bus) and
// fills the caches on the way back down, so every function is visited once overall.
void AcsEvaluator::fill_path(FunctionId start) const {
  std::vector<FunctionId> chain;
  FunctionId cur = start;
  Tristate above = Tristate::kTrue;
  FunctionId above_breaker = kNoFunction;
  while (true) {
    if (path_done_[cur]) {
      above = path_cache_[cur];
      above_breaker = breaker_cache_[cur];
      break;
    }
    chain.push_back(cur);
    const Function& fn = topology_.function(cur);
    if (fn.bus == kNoBus) break;
    const Bus& bus = topology_.bus(fn.bus);
    // pci_acs_path_enabled() stops after the function on the root bus; a virtual bus
    // (bus->self NULL) ends the walk too.
    if (bus.is_root || bus.self == kNoFunction || chain.size() > topology_.functions().size()) break;
    cur = bus.self;
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const FunctionId f = *it;
    const Tristate own = verdicts_[f].enabled;
    path_cache_[f] = own && above;
    breaker_cache_[f] = own != Tristate::kTrue ? f : above_breaker;
    path_done_[f] = true;
    above = path_cache_[f];
    above_breaker = breaker_cache_[f];
  }
}

Tristate AcsEvaluator::path_enabled(FunctionId start) const {
  if (!path_done_[start]) fill_path(start);
  return path_cache_[start];
}

std::optional<FunctionId> AcsEvaluator::path_breaker(FunctionId start) const {
  if (!path_done_[start]) fill_path(start);
  const FunctionId b = breaker_cache_[start];
  if (b == kNoFunction) return std::nullopt;
  return b;
}

}  // namespace isogroup
