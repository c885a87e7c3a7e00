#include "isogroup/grouping/verify.h"

#include <algorithm>
#include <map>
#include <set>

namespace isogroup {

std::string_view to_string(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::kMatch: return "exact match";
    case VerifyStatus::kNumbering: return "same partition, different group numbers";
    case VerifyStatus::kDifferent: return "different partition";
    case VerifyStatus::kCannotDecide: return "cannot decide";
    case VerifyStatus::kNoKernelGroups: return "the input has no kernel groups";
  }
  return "";
}

VerifyReport verify_groups(const Topology& topology, const GroupSet& computed) {
  VerifyReport report;
  report.computed_groups = computed.groups.size();
  if (!topology.snapshot().has_kernel_groups) return report;

  // Kernel classes keyed by id; -1 stands for "in no group".
  std::map<int, std::vector<FunctionId>> kernel;
  for (FunctionId f = 0; f < topology.functions().size(); ++f) {
    kernel[topology.function(f).kernel_group.value_or(-1)].push_back(f);
  }
  report.kernel_groups = kernel.size() - (kernel.count(-1) ? 1 : 0);
  if (report.kernel_groups > 0) {
    for (int id = 0; id < kernel.rbegin()->first; ++id) {
      if (!kernel.count(id)) report.kernel_id_gaps.push_back(id);
    }
  }

  std::vector<std::size_t> computed_size(computed.groups.size(), 0);
  for (const Membership& m : computed.membership) {
    if (m.group >= 0) ++computed_size[static_cast<std::size_t>(m.group)];
  }
  std::vector<bool> undecided(topology.functions().size(), false);
  for (const FunctionId f : computed.undecided) undecided[f] = true;

  // The partitions are equal iff every kernel class maps onto exactly one computed class
  // of the same size (ungrouped functions must stay ungrouped).
  for (const auto& [kernel_id, members] : kernel) {
    std::set<int> landed;
    bool any_undecided = false;
    for (const FunctionId f : members) {
      landed.insert(computed.membership[f].group);
      any_undecided = any_undecided || undecided[f];
    }
    // A difference also rests on missing facts when a computed group it touches holds an
    // undecided function: that function's placement is what made the group differ.
    for (const int g : landed) {
      if (g < 0) continue;
      for (const FunctionId f : computed.groups[static_cast<std::size_t>(g)].members) {
        any_undecided = any_undecided || undecided[f];
      }
    }
    const int first = *landed.begin();
    const bool same_class =
        landed.size() == 1 &&
        (kernel_id < 0 ? first < 0
                       : first >= 0 && computed_size[static_cast<std::size_t>(first)] == members.size());
    if (!same_class) {
      report.partition.push_back(
          {kernel_id < 0 ? std::nullopt : std::optional<int>(kernel_id), members,
           std::vector<int>(landed.begin(), landed.end()), any_undecided});
      continue;
    }
    if (kernel_id >= 0 && computed.groups[static_cast<std::size_t>(first)].id != kernel_id) {
      report.numbering.push_back({kernel_id, computed.groups[static_cast<std::size_t>(first)].id, members});
    }
  }
  if (report.partition.empty()) {
    report.status = report.numbering.empty() ? VerifyStatus::kMatch : VerifyStatus::kNumbering;
  } else {
    const bool all_undecided = std::all_of(report.partition.begin(), report.partition.end(),
                                           [](const PartitionDifference& d) { return d.involves_undecided; });
    report.status = all_undecided ? VerifyStatus::kCannotDecide : VerifyStatus::kDifferent;
  }
  return report;
}

}  // namespace isogroup
