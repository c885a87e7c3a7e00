#include "isogroup/render/list_model.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>

namespace isogroup {
namespace {

void sort_by_address(const Topology& topology, std::vector<FunctionId>& ids) {
  std::sort(ids.begin(), ids.end(), [&](FunctionId a, FunctionId b) {
    return topology.function(a).address < topology.function(b).address;
  });
}

void describe_iommu(const Snapshot& snapshot, ListModel& model) {
  model.iommu = snapshot.iommu_active == Tristate::kTrue    ? IommuState::kActive
                : snapshot.iommu_active == Tristate::kFalse ? IommuState::kOff
                                                            : IommuState::kUnknown;
  if (!snapshot.iommu_units.empty()) {
    std::string units;
    for (const auto& unit : snapshot.iommu_units) {
      if (!units.empty()) units += ", ";
      units += unit;
    }
    model.iommu_detail = "IOMMU units: " + units;
  } else if (model.iommu == IommuState::kOff) {
    model.iommu_detail = "no IOMMU is active: /sys/class/iommu is empty";
  }
  // Text inputs do not carry /sys/class/iommu, but group lines prove an active IOMMU.
  if (model.iommu == IommuState::kUnknown && snapshot.has_kernel_groups &&
      !snapshot.kernel_groups.empty()) {
    model.iommu = IommuState::kActive;
    model.iommu_detail = "the input shows IOMMU groups";
  }
}

}  // namespace

ListModel make_kernel_list(const Topology& topology, const KernelVersion& kernel) {
  ListModel model;
  model.topology = &topology;
  model.kernel = kernel;
  describe_iommu(topology.snapshot(), model);
  std::map<int, std::vector<FunctionId>> by_group;
  for (FunctionId f = 0; f < topology.functions().size(); ++f) {
    const auto& group = topology.function(f).kernel_group;
    if (group) {
      by_group[*group].push_back(f);
    } else {
      model.ungrouped.push_back(f);
    }
  }
  for (auto& [id, members] : by_group) {
    sort_by_address(topology, members);
    ListedGroup row{id, members, group_viability(topology, members, kernel)};
    model.groups.push_back(std::move(row));
  }
  sort_by_address(topology, model.ungrouped);
  if (!topology.snapshot().has_kernel_groups) {
    model.notes.push_back(fmt::format(
        "the input ({}) does not carry the kernel's IOMMU groups; use `list --computed` to "
        "compute them",
        to_string(topology.snapshot().kind)));
  }
  model.notes.insert(model.notes.end(), topology.snapshot().notes.begin(), topology.snapshot().notes.end());
  model.notes.insert(model.notes.end(), topology.notes().begin(), topology.notes().end());
  return model;
}

ListModel make_computed_list(const Topology& topology, const GroupSet& groups) {
  ListModel model;
  model.topology = &topology;
  model.computed = &groups;
  model.kernel = groups.policy.kernel;
  describe_iommu(topology.snapshot(), model);
  for (const Group& group : groups.groups) {
    std::vector<FunctionId> members = group.members;
    sort_by_address(topology, members);
    model.groups.push_back({group.id, members, group_viability(topology, members, groups.policy.kernel)});
  }
  for (FunctionId f = 0; f < topology.functions().size(); ++f) {
    if (groups.membership[f].group < 0) model.ungrouped.push_back(f);
  }
  sort_by_address(topology, model.ungrouped);
  model.notes.insert(model.notes.end(), topology.snapshot().notes.begin(), topology.snapshot().notes.end());
  model.notes.insert(model.notes.end(), topology.notes().begin(), topology.notes().end());
  return model;
}

}  // namespace isogroup
