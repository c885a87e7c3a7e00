// Which PCI functions sit behind the IOMMU, and in which order the kernel probes them
// (that order decides the group numbers, §3.4-§3.5 of the reference).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "isogroup/grouping/group_set.h"
#include "isogroup/grouping/kernel_version.h"
#include "isogroup/grouping/policy.h"
#include "isogroup/model/topology.h"

namespace isogroup {

// Devices the firmware (DMAR) puts under a dedicated IOMMU unit listed before the
// catch-all INCLUDE_PCI_ALL unit. Kernels that probe unit by unit when each unit
// registers number these first. Without the DMAR table the units are inferred from
// the device kinds below, and the inference is reported as an assumption.
enum class DedicatedUnitSelector {
  kIntegratedGpu,   // Intel display controller (class 03xx) at 0000:00:02.0
  kXeonHdAudio,     // Intel HD audio (class 0403) at 0000:00:1b.0 on a Xeon E5 with an uncore root bus
  kUncoreRootBus,   // every function of an Intel uncore root bus (domain 0, bus != 0, no bridges)
};

struct DedicatedUnitRule {
  std::string_view name;
  DedicatedUnitSelector selector;
  int rank;  // DMAR unit order: lower probes first; the catch-all unit is after every rank
};

// Kernel behaviour that moves group numbers, as data with the kernels it holds for.
struct ProbeOrderProfile {
  std::string_view name;
  Platform platform;
  VersionRange kernels;
  std::string_view evidence;  // the kernel change and the corpus bracket
  std::vector<DedicatedUnitRule> units;
};
const std::vector<ProbeOrderProfile>& probe_order_profiles();

struct IommuCoverage {
  std::vector<bool> behind;               // per FunctionId: the IOMMU driver's probe_device succeeds
  std::vector<SharedText> not_behind;     // per FunctionId: why not (empty when behind)
  std::vector<FunctionId> probe_order;    // every function, in the order the IOMMU core probes them
  std::vector<std::string> assumptions;
};

// The functions an IOMMU of policy.platform covers and the probe order of policy.kernel.
IommuCoverage compute_iommu_coverage(const Topology& topology, const Policy& policy);

}  // namespace isogroup
