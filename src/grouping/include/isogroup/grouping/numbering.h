// Group numbers: the kernel's IDA (lib/idr.c ida_alloc) hands out the lowest free
// non-negative id; ids of freed groups are reused (§3.4 of the reference).
#pragma once

#include <optional>
#include <vector>

#include "isogroup/grouping/group_set.h"

namespace isogroup {

class IdAllocator {
 public:
  int alloc();                 // lowest free id, marked used
  void reserve(int id);        // mark an id used (a group that survives a change)
  void free(int id);
  bool used(int id) const { return id >= 0 && static_cast<std::size_t>(id) < used_.size() && used_[static_cast<std::size_t>(id)]; }

 private:
  std::vector<bool> used_;
  int low_ = 0;  // no id below this is free
};

// Groups after devices came and went: `kept_ids[f]` is the group id a function already
// had (it keeps it), nullopt for a function added since (hot-add, new VFs). Groups whose
// functions all left are gone and their ids are free; added functions are probed in
// registration order and join a kept group or take the lowest free id, as
// BUS_NOTIFY_ADD_DEVICE probing does. kept_ids must have one entry per FunctionId.
Result<GroupSet> compute_groups_after_changes(const Topology& topology, const Policy& policy,
                                              const std::vector<std::optional<int>>& kept_ids);

}  // namespace isogroup
