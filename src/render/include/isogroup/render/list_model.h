// ListModel: what `isogroup list` shows, independent of the output format: the groups
// (the kernel's, or computed ones with reasons), their viability, and the functions that
// are in no group.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "isogroup/grouping/group_set.h"
#include "isogroup/model/topology.h"
#include "isogroup/ownership/viability.h"

namespace isogroup {

struct ListedGroup {
  std::optional<int> id;  // nullopt: the functions in no group
  std::vector<FunctionId> members;  // sorted by address
  GroupViability viability;
};

enum class IommuState { kActive, kOff, kUnknown };

struct ListModel {
  const Topology* topology = nullptr;
  const GroupSet* computed = nullptr;  // set for `list --computed`
  KernelVersion kernel;
  IommuState iommu = IommuState::kUnknown;
  std::string iommu_detail;  // "Intel VT-d (dmar0, dmar1)", "no /sys/class/iommu entries", ...
  std::vector<ListedGroup> groups;  // sorted by id
  std::vector<FunctionId> ungrouped;
  std::vector<std::string> notes;  // from the source, the topology and the grouping
};

// The kernel's groups as the input shows them.
ListModel make_kernel_list(const Topology& topology, const KernelVersion& kernel);
// Groups computed for a policy.
ListModel make_computed_list(const Topology& topology, const GroupSet& groups);

}  // namespace isogroup
