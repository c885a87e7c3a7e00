// Reasons and remedies: what the user reads in `explain`. One line each, plain words.
#include "reasons.h"

#include <fmt/format.h>

namespace isogroup::detail {
namespace {

constexpr std::string_view kOverrideRisk =
    "it is an out-of-tree patch that claims an isolation the hardware does not give: "
    "peer-to-peer DMA between the devices then bypasses the IOMMU";

const std::string kAcsNotEnabled = "ACS not enabled";

// Bdf::to_short_string() without fmt ("bb:dd.f", or "dddd:bb:dd.f" with the domain in
// at least four digits): reasons name every bridge of the machine, and formatting the
// address was most of their cost.
std::string short_bdf(const Topology& topology, FunctionId f) {
  static constexpr char kHex[] = "0123456789abcdef";
  const Bdf& a = topology.function(f).address;
  std::string out;
  if (a.domain != 0) {
    int digits = 4;
    while (digits < 8 && (a.domain >> (4 * digits)) != 0) ++digits;
    for (int d = digits - 1; d >= 0; --d) out += kHex[(a.domain >> (4 * d)) & 0xf];
    out += ':';
  }
  out += {kHex[a.bus >> 4], kHex[a.bus & 0xf], ':', kHex[a.device() >> 4], kHex[a.device() & 0xf], '.',
          kHex[a.function()]};
  return out;
}

}  // namespace

std::string function_kind(const Topology& topology, FunctionId f) {
  const Function& fn = topology.function(f);
  if (fn.is_virtfn) return "SR-IOV virtual function";
  if (is_false(fn.pcie.is_pcie)) return fn.is_bridge() ? "conventional PCI bridge" : "conventional PCI function";
  if (fn.pcie.type) {
    switch (*fn.pcie.type) {
      case pci::PcieType::kRootPort: return "root port";
      case pci::PcieType::kUpstreamPort: return "switch upstream port";
      case pci::PcieType::kDownstreamPort: return "switch downstream port";
      case pci::PcieType::kPcieToPciBridge: return "PCIe-to-PCI bridge";
      case pci::PcieType::kPciToPcieBridge: return "PCI-to-PCIe bridge";
      case pci::PcieType::kRcIntegratedEndpoint: return "root-complex integrated endpoint";
      case pci::PcieType::kRcEventCollector: return "root-complex event collector";
      case pci::PcieType::kLegacyEndpoint: return "legacy endpoint";
      case pci::PcieType::kEndpoint: return "endpoint";
    }
  }
  return fn.is_bridge() ? "bridge" : "function";
}

std::string describe_function(const Topology& topology, FunctionId f) {
  return fmt::format("{} ({})", short_bdf(topology, f), function_kind(topology, f));
}

std::string slot_name(const Topology& topology, FunctionId f) {
  const Bdf& a = topology.function(f).address;
  return a.domain == 0 ? fmt::format("{:02x}:{:02x}", a.bus, a.slot())
                       : fmt::format("{:04x}:{:02x}:{:02x}", a.domain, a.bus, a.slot());
}

Reason behind_bridge_reason(const GroupingInputs& in, FunctionId bridge) {
  const Topology& t = in.topology;
  const auto breaker = in.acs.path_breaker(bridge);
  Reason r;
  r.kind = ReasonKind::kBehindBridge;
  r.subject = t.function(bridge).address;
  if (breaker) {
    const AcsVerdict& v = in.acs.enabled(*breaker);
    const std::string& why = v.reason.text.empty() ? kAcsNotEnabled : v.reason.text.str();
    if (*breaker == bridge) {
      r.text = fmt::format("behind {} ({}, {})", short_bdf(t, bridge), function_kind(t, bridge), why);
    } else {
      r.text = fmt::format("behind {} ({}); the path to the root lacks ACS at {} ({}, {})",
                           short_bdf(t, bridge), function_kind(t, bridge), short_bdf(t, *breaker),
                           function_kind(t, *breaker), why);
    }
    r.remedy = v.reason.remedy;
  } else {
    r.text = fmt::format("behind {} ({}), whose path to the root lacks ACS", short_bdf(t, bridge),
                         function_kind(t, bridge));
  }
  static const std::string kGeneric = fmt::format(
      "use a slot whose ports up to the root all have ACS; or enable ACS in the firmware setup if "
      "it offers it; or boot with pcie_acs_override=downstream ({})",
      kOverrideRisk);
  static const SharedText kGenericText(kGeneric);
  r.remedy = r.remedy.empty() ? kGenericText : SharedText(r.remedy.str() + "; or " + kGeneric);
  return r;
}

Reason alias_bridge_reason(const GroupingInputs& in, FunctionId bridge) {
  const Topology& t = in.topology;
  Reason r;
  r.kind = ReasonKind::kDmaAliasBridge;
  r.subject = t.function(bridge).address;
  const auto type = in.pcie_type(bridge);
  if (is_true(in.is_pcie(bridge)) && type == pci::PcieType::kPcieToPciBridge) {
    r.text = fmt::format(
        "on a conventional PCI bus behind PCIe-to-PCI bridge {}: the bridge issues the bus's DMA under its "
        "own requester ID",
        short_bdf(t, bridge));
  } else if (is_true(in.is_pcie(bridge))) {
    r.text = fmt::format("behind PCI-to-PCIe bridge {}: DMA arrives with the bridge's requester ID",
                         short_bdf(t, bridge));
  } else {
    r.text = fmt::format(
        "on a conventional PCI bus behind PCI bridge {}: the IOMMU sees the bridge's requester ID",
        short_bdf(t, bridge));
  }
  static const SharedText kRemedy(
      "none in software: the IOMMU cannot tell devices behind a PCI bridge apart; use a PCIe slot");
  r.remedy = kRemedy;
  return r;
}

Reason vmd_reason(const GroupingInputs& in, FunctionId vmd) {
  Reason r;
  r.kind = ReasonKind::kVmd;
  r.subject = in.topology.function(vmd).address;
  r.text = fmt::format("behind Intel VMD {}: every device in its domain DMAs as the VMD endpoint",
                       short_bdf(in.topology, vmd));
  static const SharedText kRemedy("turn VMD (Intel RST / \"VMD controller\") off in the firmware setup");
  r.remedy = kRemedy;
  return r;
}

Reason alias_quirk_reason(const GroupingInputs& in, FunctionId f, FunctionId with) {
  Reason r;
  r.kind = ReasonKind::kDmaAliasQuirk;
  r.subject = in.topology.function(with).address;
  std::string quirk;
  for (const FunctionId x : {f, with}) {
    if (!in.aliases[x].reasons.empty()) {
      quirk = in.aliases[x].reasons.front().text.str();
      break;
    }
  }
  r.text = quirk.empty() ? fmt::format("DMA alias of {}", short_bdf(in.topology, with))
                         : fmt::format("DMA alias quirk with {}: {}", short_bdf(in.topology, with), quirk);
  static const SharedText kRemedy("none: the device really issues DMA under the other function's requester ID");
  r.remedy = kRemedy;
  return r;
}

Reason multifunction_reason(const GroupingInputs& in, FunctionId f, FunctionId with) {
  const Topology& t = in.topology;
  Reason r;
  r.kind = ReasonKind::kMultifunction;
  r.subject = t.function(with).address;
  const AcsVerdict& v = in.acs.enabled(f);
  r.text = fmt::format("function of multifunction device {} without ACS{} (with {})", slot_name(t, f),
                       v.reason.text.empty() ? std::string() : ": " + v.reason.text.str(), short_bdf(t, with));
  const auto& id = t.function(f).identity;
  std::string remedy = v.reason.remedy.empty() ? std::string() : v.reason.remedy.str() + "; or ";
  remedy += fmt::format("pcie_acs_override=multifunction{} ({})",
                        id.vendor_id && id.device_id
                            ? fmt::format(" or pcie_acs_override=id:{:04x}:{:04x}", *id.vendor_id, *id.device_id)
                            : std::string(),
                        kOverrideRisk);
  r.remedy = std::move(remedy);
  return r;
}

Reason group_mf_reason(const GroupingInputs& in, FunctionId f, FunctionId with) {
  Reason r;
  r.kind = ReasonKind::kGroupMf;
  r.subject = in.topology.function(with).address;
  r.text = fmt::format("iommu=group_mf: every function of multifunction device {} shares one group",
                       slot_name(in.topology, f));
  static const SharedText kRemedy("boot without iommu=group_mf");
  r.remedy = kRemedy;
  return r;
}

std::optional<Reason> acs_quirk_reason(const GroupingInputs& in, FunctionId f) {
  const AcsVerdict& v = in.acs.enabled(f);
  if (!is_true(v.enabled)) return std::nullopt;
  if (v.reason.kind != ReasonKind::kAcsQuirk && v.reason.kind != ReasonKind::kAcsOverride) return std::nullopt;
  Reason r = v.reason;
  if (!r.subject) r.subject = in.topology.function(f).address;
  return r;
}

Reason own_group_reason(const GroupingInputs& in, FunctionId f, FunctionId anchor) {
  const Topology& t = in.topology;
  Reason r;
  r.kind = ReasonKind::kOwnGroup;
  if (anchor != f) {
    r.subject = t.function(anchor).address;
    r.text = fmt::format("first device of the group of {}, which the IOMMU does not cover",
                         describe_function(t, anchor));
    return r;
  }
  const Bus& bus = t.bus(t.function(f).bus);
  static const SharedText kOnRootBus("isolated: on a root bus, nothing shares its requester ID");
  static const SharedText kBehindAcs("isolated: every port between it and the root has ACS");
  r.text = bus.is_root ? kOnRootBus : kBehindAcs;
  return r;
}

}  // namespace isogroup::detail
