// GroupSet assembly shared by both engines.
#include "isogroup/grouping/group_set.h"

#include <algorithm>
#include <numeric>
#include <ostream>

#include "grouping_inputs.h"

namespace isogroup {

std::ostream& operator<<(std::ostream& out, const SharedText& text) { return out << text.str(); }

std::string_view to_string(ReasonKind kind) {
  switch (kind) {
    case ReasonKind::kOwnGroup: return "own-group";
    case ReasonKind::kBehindBridge: return "behind-bridge";
    case ReasonKind::kDmaAliasBridge: return "dma-alias-bridge";
    case ReasonKind::kDmaAliasQuirk: return "dma-alias-quirk";
    case ReasonKind::kMultifunction: return "multifunction";
    case ReasonKind::kVmd: return "vmd";
    case ReasonKind::kAcsQuirk: return "acs-quirk";
    case ReasonKind::kAcsOverride: return "acs-override";
    case ReasonKind::kAcsIncomplete: return "acs-incomplete";
    case ReasonKind::kAcsMissing: return "acs-missing";
    case ReasonKind::kAcsUnknown: return "acs-unknown";
    case ReasonKind::kNotBehindIommu: return "not-behind-iommu";
    case ReasonKind::kGroupMf: return "group-mf";
    case ReasonKind::kAssumption: return "assumption";
  }
  return "unknown";
}

namespace detail {

GroupingInputs::GroupingInputs(const Topology& topology_in, const Policy& policy_in)
    : topology(topology_in),
      policy(policy_in),
      aliases(compute_dma_aliases(topology_in, policy_in)),
      acs(topology_in, policy_in),
      coverage(compute_iommu_coverage(topology_in, policy_in)) {}

GroupSet assemble_group_set(const GroupingInputs& in, const GroupState& state,
                            std::vector<Membership> membership) {
  GroupSet set;
  set.policy = in.policy;
  const std::size_t n = in.topology.functions().size();
  membership.resize(n);

  // Groups by id; the creation index maps to the position in the sorted list.
  std::vector<int> by_id(state.ids.size());
  std::iota(by_id.begin(), by_id.end(), 0);
  // Usually already in order (ids are handed out increasing): the check is cheaper than a sort.
  const auto id_less = [&](int a, int b) {
    return state.ids[static_cast<std::size_t>(a)] < state.ids[static_cast<std::size_t>(b)];
  };
  if (!std::is_sorted(by_id.begin(), by_id.end(), id_less)) std::sort(by_id.begin(), by_id.end(), id_less);
  std::vector<int> position(state.ids.size(), -1);
  set.groups.resize(state.ids.size());
  for (std::size_t i = 0; i < by_id.size(); ++i) {
    const auto g = static_cast<std::size_t>(by_id[i]);
    position[g] = static_cast<int>(i);
    set.groups[i].id = state.ids[g];
  }
  // Members in address order: functions are visited in FunctionId order, then sorted.
  for (FunctionId f = 0; f < n; ++f) {
    const int g = state.group_of[f];
    membership[f].group = g < 0 ? -1 : position[static_cast<std::size_t>(g)];
    if (g >= 0) set.groups[static_cast<std::size_t>(membership[f].group)].members.push_back(f);
  }
  // Groups that ended up empty cannot occur (a group is made for a device), but a group
  // adopted from a prior numbering may have lost its members: drop those.
  const auto address_less = [&](FunctionId a, FunctionId b) {
    return in.topology.function(a).address < in.topology.function(b).address;
  };
  for (auto& group : set.groups) {
    if (!std::is_sorted(group.members.begin(), group.members.end(), address_less)) {
      std::sort(group.members.begin(), group.members.end(), address_less);
    }
  }
  if (std::any_of(set.groups.begin(), set.groups.end(), [](const Group& g) { return g.members.empty(); })) {
    std::vector<int> remap(set.groups.size(), -1);
    std::vector<Group> kept;
    for (std::size_t i = 0; i < set.groups.size(); ++i) {
      if (set.groups[i].members.empty()) continue;
      remap[i] = static_cast<int>(kept.size());
      kept.push_back(std::move(set.groups[i]));
    }
    for (auto& m : membership) {
      if (m.group >= 0) m.group = remap[static_cast<std::size_t>(m.group)];
    }
    set.groups = std::move(kept);
  }
  set.membership = std::move(membership);
  set.assumptions = in.policy.assumptions;
  for (const auto& note : in.topology.notes()) set.assumptions.push_back(note);
  for (const auto& a : in.acs.assumptions()) set.assumptions.push_back(a);
  for (const auto& a : in.coverage.assumptions) set.assumptions.push_back(a);
  return set;
}

}  // namespace detail
}  // namespace isogroup
