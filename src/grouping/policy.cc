// Policy: the kernel profile, IOMMU platform and command line a grouping answer depends on,
// taken from the user, else from the snapshot, else assumed and said so.
#include "isogroup/grouping/policy.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "isogroup/model/topology.h"

namespace isogroup {

std::string_view to_string(Platform platform) {
  switch (platform) {
    case Platform::kIntelVtd: return "Intel VT-d";
    case Platform::kAmdVi: return "AMD-Vi";
    case Platform::kArmSmmuV3: return "Arm SMMUv3";
    case Platform::kArmSmmu: return "Arm SMMU";
    case Platform::kPowerPe: return "POWER PE";
    case Platform::kNone: return "no IOMMU";
  }
  return "unknown";
}

Result<Platform> parse_platform(std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (t == "intel" || t == "vtd" || t == "vt-d" || t == "intel-vtd" || t == "dmar") return Platform::kIntelVtd;
  if (t == "amd" || t == "amd-vi" || t == "amdvi" || t == "ivrs") return Platform::kAmdVi;
  if (t == "smmuv3" || t == "smmu-v3" || t == "arm-smmu-v3") return Platform::kArmSmmuV3;
  if (t == "smmu" || t == "arm-smmu") return Platform::kArmSmmu;
  if (t == "power" || t == "ppc" || t == "pe") return Platform::kPowerPe;
  if (t == "none" || t == "off") return Platform::kNone;
  return make_error(Errc::kInvalidInput, fmt::format("unknown IOMMU platform '{}'", text), "--iommu",
                    "use one of: intel, amd, smmuv3, smmu, power, none");
}

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// /sys/class/iommu entry names: intel dmar%d, amd ivhd%d, arm-smmu-v3 "smmu3.%pa",
// arm-smmu "smmu.%pa".
std::optional<std::pair<Platform, std::string>> platform_from_units(const std::vector<std::string>& units) {
  for (const auto& u : units) {
    if (starts_with(u, "dmar")) return std::pair{Platform::kIntelVtd, "/sys/class/iommu: " + u};
    if (starts_with(u, "ivhd")) return std::pair{Platform::kAmdVi, "/sys/class/iommu: " + u};
    if (starts_with(u, "smmu3.")) return std::pair{Platform::kArmSmmuV3, "/sys/class/iommu: " + u};
    if (starts_with(u, "smmu.")) return std::pair{Platform::kArmSmmu, "/sys/class/iommu: " + u};
  }
  return std::nullopt;
}

std::optional<std::pair<Platform, std::string>> platform_from_dmesg(const std::vector<std::string>& dmesg) {
  for (const auto& line : dmesg) {
    if (line.find("DMAR:") != std::string::npos) return std::pair{Platform::kIntelVtd, "dmesg: " + line};
    if (line.find("AMD-Vi:") != std::string::npos) return std::pair{Platform::kAmdVi, "dmesg: " + line};
    if (line.find("arm-smmu-v3") != std::string::npos) return std::pair{Platform::kArmSmmuV3, "dmesg: " + line};
  }
  return std::nullopt;
}

// The host bridge (class 06 00) on a root bus: its vendor says which x86 IOMMU is likely.
std::optional<std::pair<Platform, std::string>> platform_from_host_bridge(const Topology& topology) {
  for (const FunctionId f : topology.registration_order()) {
    const Function& fn = topology.function(f);
    if (fn.bus == kNoBus || !topology.bus(fn.bus).is_root) continue;
    if (!fn.identity.class_code || (*fn.identity.class_code >> 8) != 0x0600) continue;
    if (!fn.identity.vendor_id) continue;
    if (*fn.identity.vendor_id == 0x8086) {
      return std::pair{Platform::kIntelVtd,
                       fmt::format("assumed from the Intel host bridge {}", fn.address.to_string())};
    }
    if (*fn.identity.vendor_id == 0x1022) {
      return std::pair{Platform::kAmdVi, fmt::format("assumed from the AMD host bridge {}", fn.address.to_string())};
    }
  }
  return std::nullopt;
}

std::string acs_bits_string(std::uint16_t mask, std::uint16_t value) {
  std::string bits;
  int top = 15;
  while (top > 0 && !(mask & (1u << top))) --top;
  for (int b = top; b >= 0; --b) {
    const unsigned bit = 1u << b;
    bits += (mask & bit) ? ((value & bit) ? '1' : '0') : 'x';
  }
  return bits;
}

}  // namespace

Result<Policy> make_policy(const Topology& topology, const PolicyOverrides& overrides) {
  const Snapshot& snap = topology.snapshot();
  Policy policy;

  if (overrides.kernel) {
    auto v = KernelVersion::parse(*overrides.kernel);
    if (!v) return tl::unexpected(std::move(v.error()).with_context("--kernel"));
    policy.kernel = *v;
    policy.kernel_from_input = true;
    policy.kernel_origin = "given";
  } else if (snap.kernel_release) {
    if (auto v = KernelVersion::parse(*snap.kernel_release)) {
      policy.kernel = *v;
      policy.kernel_from_input = true;
      policy.kernel_origin = "uname -r " + *snap.kernel_release;
    } else {
      policy.kernel = KernelVersion::newest();
      policy.kernel_origin = "assumed";
      policy.assumptions.push_back(fmt::format(
          "the input's kernel release '{}' is not a version; assumed the newest modelled kernel ({})",
          *snap.kernel_release, policy.kernel.to_string()));
    }
  } else {
    policy.kernel = KernelVersion::newest();
    policy.kernel_origin = "assumed";
    policy.assumptions.push_back(
        fmt::format("the kernel release is not in the input; assumed the newest modelled kernel ({})",
                    policy.kernel.to_string()));
  }

  if (overrides.iommu) {
    auto p = parse_platform(*overrides.iommu);
    if (!p) return tl::unexpected(std::move(p.error()));
    policy.platform = *p;
    policy.platform_from_input = true;
    policy.platform_origin = "given";
  } else if (snap.iommu_active == Tristate::kFalse) {
    policy.platform = Platform::kNone;
    policy.platform_from_input = true;
    policy.platform_origin = "the input shows no active IOMMU, so the kernel made no groups";
  } else if (auto u = platform_from_units(snap.iommu_units)) {
    std::tie(policy.platform, policy.platform_origin) = *u;
    policy.platform_from_input = true;
  } else if (auto d = platform_from_dmesg(snap.dmesg)) {
    std::tie(policy.platform, policy.platform_origin) = *d;
    policy.platform_from_input = true;
  } else if (auto h = platform_from_host_bridge(topology)) {
    std::tie(policy.platform, policy.platform_origin) = *h;
    policy.assumptions.push_back(fmt::format("the IOMMU kind is not in the input; {} ({})",
                                             policy.platform_origin, to_string(policy.platform)));
  } else {
    policy.platform = Platform::kIntelVtd;
    policy.platform_origin = "assumed";
    policy.assumptions.push_back(
        "the IOMMU kind is not in the input and no host bridge tells; assumed Intel VT-d");
  }

  std::string cmdline;
  if (overrides.cmdline) {
    cmdline = *overrides.cmdline;
  } else if (snap.cmdline) {
    cmdline = *snap.cmdline;
  } else {
    policy.assumptions.push_back(
        "the kernel command line is not in the input; assumed none (no pcie_acs_override, no pci=config_acs)");
  }
  policy.boot = parse_boot_parameters(cmdline);
  if (overrides.group_mf) policy.boot.group_mf = true;
  return policy;
}

std::vector<std::string> Policy::describe_lines() const {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("kernel profile {} ({})", kernel.to_string(),
                              kernel_origin.empty() ? (kernel_from_input ? "from the input" : "assumed")
                                                    : kernel_origin));
  lines.push_back(fmt::format("platform: {} ({})", to_string(platform),
                              platform_origin.empty() ? (platform_from_input ? "from the input" : "assumed")
                                                      : platform_origin));
  lines.push_back(boot.cmdline.empty() ? std::string("kernel command line: none")
                                       : fmt::format("kernel command line: {}", boot.cmdline));
  if (boot.acs_override.any()) {
    std::vector<std::string> parts;
    if (boot.acs_override.downstream) parts.emplace_back("downstream");
    if (boot.acs_override.multifunction) parts.emplace_back("multifunction");
    for (const auto& [v, d] : boot.acs_override.ids) parts.push_back(fmt::format("id:{:04x}:{:04x}", v, d));
    lines.push_back(fmt::format(
        "pcie_acs_override={} (out-of-tree patch, common variant: last in the quirk table, skips "
        "functions that have an ACS capability)",
        fmt::join(parts, ",")));
  }
  for (const auto& e : boot.disable_acs_redir) {
    lines.push_back(fmt::format("pci=disable_acs_redir: {} (RR, CR, EC cleared from the firmware value)", e.device));
  }
  for (const auto& e : boot.config_acs) {
    lines.push_back(fmt::format("pci=config_acs: {}@{}", acs_bits_string(e.mask, e.value), e.device));
  }
  if (boot.group_mf) lines.emplace_back("iommu=group_mf (legacy: multifunction devices grouped whole)");
  for (const auto& w : boot.warnings) lines.push_back("command line: " + w);
  for (const auto& a : assumptions) lines.push_back("assumed: " + a);
  return lines;
}

}  // namespace isogroup
