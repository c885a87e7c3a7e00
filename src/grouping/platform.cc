// Platform backends: which functions an IOMMU covers, the order the IOMMU core probes
// them in (bus_iommu_probe, §3.5 of the reference), and the platforms whose groups do not
// come from pci_device_group() at all.
#include "isogroup/grouping/platform.h"

#include <algorithm>
#include <climits>

#include <fmt/format.h>

#include "grouping_inputs.h"
#include "isogroup/grouping/group_set.h"

namespace isogroup {
namespace {

constexpr std::uint16_t kVendorIntel = 0x8086;
constexpr std::uint16_t kVendorAmd = 0x1022;
constexpr std::uint16_t kVendorAti = 0x1002;
constexpr std::uint32_t kClassIommu = 0x0806;      // base 08 sub 06: IOMMU
constexpr std::uint32_t kClassHostBridge = 0x0600;
constexpr std::uint32_t kClassHdAudio = 0x0403;
constexpr std::uint8_t kBaseDisplay = 0x03;

std::optional<std::uint16_t> vendor_of(const Function& f) { return f.identity.vendor_id; }
std::optional<std::uint32_t> class_of(const Function& f) {
  if (!f.identity.class_code) return std::nullopt;
  return *f.identity.class_code >> 8;  // base << 8 | sub
}

bool is_amd_iommu_function(const Function& f) {
  const auto v = vendor_of(f);
  return (v == kVendorAmd || v == kVendorAti) && class_of(f) == kClassIommu;
}

// An Intel uncore root bus of a Xeon E5/E7 (Sandy Bridge-EP to Broadwell-EP): a root
// bus at the top of a 64-bus range (3f, 7f, bf, ff) that holds only Intel functions and
// no bridges.
bool is_uncore_root_bus(const Topology& topology, const Bus& bus) {
  if (!bus.is_root || bus.address.domain != 0 || (bus.address.bus & 0x3f) != 0x3f) return false;
  if (bus.functions.empty()) return false;
  return std::all_of(bus.functions.begin(), bus.functions.end(), [&](FunctionId f) {
    const Function& fn = topology.function(f);
    return vendor_of(fn) == kVendorIntel && !fn.is_bridge();
  });
}

bool has_uncore_root_bus(const Topology& topology) {
  return std::any_of(topology.root_buses().begin(), topology.root_buses().end(),
                     [&](BusId b) { return is_uncore_root_bus(topology, topology.bus(b)); });
}

bool selected(const Topology& topology, FunctionId id, DedicatedUnitSelector selector,
              bool uncore_present) {
  const Function& f = topology.function(id);
  const Bus& bus = topology.bus(f.bus);
  const bool intel = vendor_of(f) == kVendorIntel;
  const bool bus0 = f.address.domain == 0 && f.address.bus == 0 && bus.is_root;
  switch (selector) {
    case DedicatedUnitSelector::kIntegratedGpu:
      return intel && bus0 && f.address.devfn == (2 << 3) && class_of(f).has_value() &&
             (*class_of(f) >> 8) == kBaseDisplay;
    case DedicatedUnitSelector::kXeonHdAudio:
      return intel && bus0 && uncore_present && f.address.devfn == (0x1b << 3) &&
             class_of(f) == kClassHdAudio;
    case DedicatedUnitSelector::kUncoreRootBus:
      return is_uncore_root_bus(topology, bus);
  }
  return false;
}

}  // namespace

const std::vector<ProbeOrderProfile>& probe_order_profiles() {
  // Robin Murphy's "iommu: retire bus_set_iommu()" series (merged for v6.1) made
  // iommu_device_register() run bus_iommu_probe() for the unit being registered, and the
  // VT-d probe_device refuses devices whose unit has not registered yet. So devices are
  // grouped unit by unit, in DMAR (DRHD) order, and the catch-all INCLUDE_PCI_ALL unit
  // comes last. Before, bus_set_iommu() probed the whole PCI bus once, in registration
  // order. Corpus bracket: plain order on 5.10 (T480, Z420) and 5.18 (OptiPlex 7050);
  // unit order on 6.1 (Z690-P, ProArt Z690, EliteBook 1040 G10, Precision 5810), 6.8
  // (Z440) and 6.10 (Latitude E6420).
  static const std::vector<ProbeOrderProfile> profiles = {
      {"vt-d probe per DMAR unit",
       Platform::kIntelVtd,
       VersionRange{KernelVersion{6, 1, 0}, KernelVersion{999, 0, 0}},
       "iommu_device_register() probes per unit since v6.1 (retire bus_set_iommu); corpus: 5.18 plain, 6.1 per unit",
       {
           {"integrated GPU unit (DRHD for 00:02.0)", DedicatedUnitSelector::kIntegratedGpu, 0},
           {"HD audio unit (DRHD for 00:1b.0, Xeon E5)", DedicatedUnitSelector::kXeonHdAudio, 0},
           {"uncore root bus unit (Xeon E5)", DedicatedUnitSelector::kUncoreRootBus, 1},
       }},
  };
  return profiles;
}

IommuCoverage compute_iommu_coverage(const Topology& topology, const Policy& policy) {
  IommuCoverage out;
  const std::size_t n = topology.functions().size();
  out.behind.assign(n, true);
  out.not_behind.assign(n, SharedText());

  const bool have_dmar = topology.snapshot().firmware_tables.count("DMAR") != 0;
  const bool have_ivrs = topology.snapshot().firmware_tables.count("IVRS") != 0;

  if (policy.platform == Platform::kAmdVi) {
    // The IVRS table lists the devices each IOMMU translates. Real AMD firmware leaves
    // out the IOMMU function (xx:00.2) and the root complex next to it (xx:00.0); QEMU's
    // amd-iommu sits at 00:02.0 and its root complex is covered (Appendix C).
    bool excluded_root_complex = false;
    for (FunctionId id = 0; id < n; ++id) {
      const Function& f = topology.function(id);
      if (is_amd_iommu_function(f)) {
        out.behind[id] = false;
        out.not_behind[id] = "the AMD IOMMU itself (class 0806) is not translated by the IOMMU";
        continue;
      }
      const Bus& bus = topology.bus(f.bus);
      if (f.address.devfn != 0 || !bus.is_root || vendor_of(f) != kVendorAmd ||
          class_of(f) != kClassHostBridge) {
        continue;
      }
      const bool iommu_at_00_2 = std::any_of(bus.functions.begin(), bus.functions.end(), [&](FunctionId g) {
        const Function& fg = topology.function(g);
        return fg.address.devfn == 2 && is_amd_iommu_function(fg);
      });
      if (iommu_at_00_2) {
        out.behind[id] = false;
        out.not_behind[id] = "root complex next to its IOMMU function (xx:00.2): IVRS does not cover it";
        excluded_root_complex = true;
      }
    }
    if (!have_ivrs) {
      out.assumptions.push_back(
          "AMD-Vi coverage assumed without the IVRS table: every function except the IOMMU functions "
          "(AMD class 0806)" +
          std::string(excluded_root_complex ? " and the root complexes xx:00.0 whose IOMMU is xx:00.2" : ""));
    }
  }

  // Probe order: registration order, or unit by unit where the kernel does that.
  out.probe_order = topology.registration_order();
  for (const auto& profile : probe_order_profiles()) {
    if (profile.platform != policy.platform || !profile.kernels.contains(policy.kernel)) continue;
    const bool uncore = has_uncore_root_bus(topology);
    std::vector<int> rank(n, INT_MAX);
    std::vector<std::string_view> used;
    for (const FunctionId id : out.probe_order) {
      for (const auto& unit : profile.units) {
        if (unit.rank < rank[id] && selected(topology, id, unit.selector, uncore)) {
          rank[id] = unit.rank;
          if (std::find(used.begin(), used.end(), unit.name) == used.end()) used.push_back(unit.name);
        }
      }
    }
    if (used.empty()) continue;
    std::stable_sort(out.probe_order.begin(), out.probe_order.end(),
                     [&](FunctionId a, FunctionId b) { return rank[a] < rank[b]; });
    std::string units;
    for (const auto name : used) units += (units.empty() ? "" : ", ") + std::string(name);
    out.assumptions.push_back(fmt::format(
        "kernel {} probes devices per IOMMU unit ({}); {}: {} probed before the catch-all unit",
        policy.kernel.to_string(), profile.evidence,
        have_dmar ? "DMAR table present but not decoded, units inferred" : "no DMAR table, units inferred",
        units));
  }
  return out;
}

namespace detail {

std::optional<GroupSet> platform_group_set(const Topology& topology, const Policy& policy) {
  const std::size_t n = topology.functions().size();
  if (policy.platform == Platform::kNone) {
    GroupSet set;
    set.policy = policy;
    set.membership.resize(n);
    for (FunctionId f = 0; f < n; ++f) {
      set.membership[f].reasons.push_back({ReasonKind::kNotBehindIommu, topology.function(f).address,
                                           "no IOMMU is active: the kernel makes no groups", {}});
    }
    set.assumptions = policy.assumptions;
    set.assumptions.push_back("the IOMMU is off (platform none): no function has a group");
    return set;
  }
  if (policy.platform != Platform::kPowerPe) return std::nullopt;

  // POWER: the platform puts every function of one PE in one group. Modelled simply as
  // one PE per host bridge (root bus), numbered in the order the root buses register.
  GroupSet set;
  set.policy = policy;
  set.membership.resize(n);
  std::vector<int> root_group(topology.buses().size(), -1);
  auto root_of = [&](BusId b) {
    for (std::size_t guard = 0; !topology.bus(b).is_root && topology.bus(b).parent != kNoBus &&
                                guard < topology.buses().size();
         ++guard) {
      b = topology.bus(b).parent;
    }
    return b;
  };
  for (const FunctionId f : topology.registration_order()) {
    const BusId root = root_of(topology.function(f).bus);
    int& g = root_group[root];
    if (g < 0) {
      g = static_cast<int>(set.groups.size());
      set.groups.push_back(Group{g, {}});
    }
    set.groups[static_cast<std::size_t>(g)].members.push_back(f);
    set.membership[f].group = g;
    set.membership[f].reasons.push_back(
        {ReasonKind::kAssumption, std::nullopt,
         fmt::format("in the PE of host bridge {} (one PE per host bridge assumed)",
                     topology.bus(root).address.to_string()),
         "on POWER, isolation follows the firmware's partitionable endpoints (PEs)"});
  }
  for (auto& group : set.groups) {
    std::sort(group.members.begin(), group.members.end(), [&](FunctionId a, FunctionId b) {
      return topology.function(a).address < topology.function(b).address;
    });
  }
  set.assumptions = policy.assumptions;
  set.assumptions.push_back(
      "POWER: one group per host bridge (one PE per PHB); the real PE layout comes from firmware");
  return set;
}

}  // namespace detail
}  // namespace isogroup
