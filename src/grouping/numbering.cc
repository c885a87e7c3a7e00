// Group numbering: the kernel's IDA and numbering after hot-remove / hot-add.
#include "isogroup/grouping/numbering.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "grouping_inputs.h"

namespace isogroup {

int IdAllocator::alloc() {
  int id = low_;
  while (used(id)) ++id;
  reserve(id);
  low_ = id + 1;
  return id;
}

void IdAllocator::reserve(int id) {
  if (id < 0) return;
  const auto at = static_cast<std::size_t>(id);
  if (at >= used_.size()) used_.resize(std::max(at + 1, used_.size() * 2), false);
  used_[at] = true;
}

void IdAllocator::free(int id) {
  if (!used(id)) return;
  used_[static_cast<std::size_t>(id)] = false;
  if (id < low_) low_ = id;
}

Result<GroupSet> compute_groups_after_changes(const Topology& topology, const Policy& policy,
                                              const std::vector<std::optional<int>>& kept_ids) {
  const std::size_t n = topology.functions().size();
  if (kept_ids.size() != n) {
    return make_error(Errc::kInvalidInput,
                      fmt::format("{} prior group ids for {} functions", kept_ids.size(), n), "compute_groups_after_changes",
                      "give one entry per function of the new topology (nullopt for added functions)");
  }
  if (policy.platform == Platform::kNone || policy.platform == Platform::kPowerPe) {
    return compute_groups(topology, policy);
  }
  const detail::GroupingInputs in(topology, policy);
  detail::GroupState state(n);
  std::map<int, int> group_by_id;
  std::vector<Membership> membership(n);
  for (FunctionId f = 0; f < n; ++f) {
    membership[f].acs_enabled = in.acs.enabled(f).enabled;
    if (!kept_ids[f]) continue;
    if (*kept_ids[f] < 0) {
      return make_error(Errc::kInvalidInput, fmt::format("negative group id {}", *kept_ids[f]),
                        topology.function(f).address.to_string());
    }
    auto [it, inserted] = group_by_id.emplace(*kept_ids[f], -1);
    if (inserted) it->second = state.adopt_group(*kept_ids[f]);
    state.group_of[f] = it->second;
    membership[f].reasons.push_back({ReasonKind::kAssumption, std::nullopt,
                                     fmt::format("kept group {} from before the change", *kept_ids[f]), {}});
  }
  std::vector<FunctionId> added;
  for (const FunctionId f : topology.registration_order()) {
    if (kept_ids[f]) continue;
    if (!in.coverage.behind[f]) {
      membership[f].reasons.push_back(
          {ReasonKind::kNotBehindIommu, topology.function(f).address, in.coverage.not_behind[f], {}});
      continue;
    }
    added.push_back(f);  // BUS_NOTIFY_ADD_DEVICE: probed as they appear
  }
  std::vector<FunctionId> undecided;
  detail::probe_devices(in, state, added, membership, undecided);
  GroupSet set = detail::assemble_group_set(in, state, std::move(membership));
  std::sort(undecided.begin(), undecided.end());
  set.undecided = std::move(undecided);
  return set;
}

}  // namespace isogroup
