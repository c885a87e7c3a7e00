// Verification: the computed groups against the kernel's own, as the input shows them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "isogroup/grouping/group_set.h"
#include "isogroup/model/topology.h"

namespace isogroup {

enum class VerifyStatus {
  kMatch,          // same partition and same numbers
  kNumbering,      // same partition, different numbers
  kDifferent,      // the partition differs
  kCannotDecide,   // it differs only where the input lacks facts (undecided functions)
  kNoKernelGroups, // the input does not carry the kernel's groups
};
std::string_view to_string(VerifyStatus status);

// One kernel group that computed groups do not reproduce, or the reverse.
struct PartitionDifference {
  std::optional<int> kernel_group;          // nullopt: the kernel put these in no group
  std::vector<FunctionId> functions;        // the kernel group's members
  std::vector<int> computed_groups;         // the computed groups they landed in (-1 = none)
  bool involves_undecided = false;
};

struct NumberingDifference {
  int kernel_id = 0;
  int computed_id = 0;
  std::vector<FunctionId> functions;
};

struct VerifyReport {
  VerifyStatus status = VerifyStatus::kNoKernelGroups;
  std::size_t kernel_groups = 0;
  std::size_t computed_groups = 0;
  std::vector<PartitionDifference> partition;
  std::vector<NumberingDifference> numbering;
  // Kernel group numbers below the highest one that no function holds. The kernel's IDA
  // gives out the lowest free number, so a gap means a group was freed after boot (its
  // devices were removed) and every group created after it was numbered past the gap:
  // a numbering difference that no input without the removed device can reproduce.
  std::vector<int> kernel_id_gaps;
};

VerifyReport verify_groups(const Topology& topology, const GroupSet& computed);

}  // namespace isogroup
