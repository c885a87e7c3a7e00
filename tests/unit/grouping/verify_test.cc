#include "isogroup/grouping/verify.h"

#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"

namespace isogroup {
namespace {

using testing::SnapshotBuilder;
namespace parts = testing::parts;

// Three single-function devices on the root bus with the given kernel groups.
Topology three_functions(std::optional<int> a, std::optional<int> b, std::optional<int> c) {
  SnapshotBuilder builder;
  builder.add("00:00.0", parts::host_bridge())
      .add("00:01.0", parts::pcie_endpoint())
      .add("00:02.0", parts::pci_endpoint());
  if (a) builder.kernel_group("00:00.0", *a);
  if (b) builder.kernel_group("00:01.0", *b);
  if (c) builder.kernel_group("00:02.0", *c);
  return builder.topology();
}

// A GroupSet with group ids per function (-1 = none), built by hand: verify must not
// depend on how the groups were computed.
GroupSet computed(const Topology& t, std::vector<int> ids) {
  GroupSet set;
  set.membership.resize(t.functions().size());
  for (FunctionId f = 0; f < ids.size(); ++f) {
    if (ids[f] < 0) continue;
    auto it = std::find_if(set.groups.begin(), set.groups.end(), [&](const Group& g) { return g.id == ids[f]; });
    if (it == set.groups.end()) {
      set.groups.push_back({ids[f], {}});
      it = set.groups.end() - 1;
    }
    it->members.push_back(f);
  }
  std::sort(set.groups.begin(), set.groups.end(), [](const Group& x, const Group& y) { return x.id < y.id; });
  for (std::size_t g = 0; g < set.groups.size(); ++g) {
    for (const FunctionId f : set.groups[g].members) set.membership[f].group = static_cast<int>(g);
  }
  return set;
}

TEST(Verify, ExactMatch) {
  const Topology t = three_functions(0, 1, 2);
  const auto r = verify_groups(t, computed(t, {0, 1, 2}));
  EXPECT_EQ(r.status, VerifyStatus::kMatch);
  EXPECT_EQ(r.kernel_groups, 3u);
  EXPECT_TRUE(r.partition.empty());
  EXPECT_TRUE(r.numbering.empty());
}

TEST(Verify, SamePartitionOtherNumbers) {
  const Topology t = three_functions(0, 1, 2);
  const auto r = verify_groups(t, computed(t, {1, 0, 2}));
  EXPECT_EQ(r.status, VerifyStatus::kNumbering);
  ASSERT_EQ(r.numbering.size(), 2u);
  EXPECT_EQ(r.numbering[0].kernel_id, 0);
  EXPECT_EQ(r.numbering[0].computed_id, 1);
}

TEST(Verify, ComputedMergesWhatTheKernelSplits) {
  const Topology t = three_functions(0, 1, 2);
  const auto r = verify_groups(t, computed(t, {0, 1, 1}));
  EXPECT_EQ(r.status, VerifyStatus::kDifferent);
  EXPECT_EQ(r.partition.size(), 2u);  // kernel groups 1 and 2 each land in a bigger class
}

TEST(Verify, ComputedSplitsWhatTheKernelMerges) {
  const Topology t = three_functions(0, 1, 1);
  const auto r = verify_groups(t, computed(t, {0, 1, 2}));
  EXPECT_EQ(r.status, VerifyStatus::kDifferent);
  ASSERT_EQ(r.partition.size(), 1u);
  EXPECT_EQ(r.partition[0].kernel_group, 1);
  EXPECT_EQ(r.partition[0].computed_groups.size(), 2u);
}

TEST(Verify, UngroupedMustStayUngrouped) {
  const Topology t = three_functions(std::nullopt, 0, 1);
  EXPECT_EQ(verify_groups(t, computed(t, {-1, 0, 1})).status, VerifyStatus::kMatch);
  const auto r = verify_groups(t, computed(t, {2, 0, 1}));
  EXPECT_EQ(r.status, VerifyStatus::kDifferent);
  ASSERT_EQ(r.partition.size(), 1u);
  EXPECT_FALSE(r.partition[0].kernel_group.has_value());
}

TEST(Verify, DifferencesOnlyWhereFactsAreMissingCannotDecide) {
  const Topology t = three_functions(0, 1, 1);
  GroupSet set = computed(t, {0, 1, 2});
  set.undecided = {2};
  EXPECT_EQ(verify_groups(t, set).status, VerifyStatus::kCannotDecide);
}

TEST(Verify, NoKernelGroupsInInput) {
  const Topology t = three_functions(std::nullopt, std::nullopt, std::nullopt);
  // The builder's snapshot says nothing about kernel groups unless one was added.
  EXPECT_EQ(verify_groups(t, computed(t, {0, 1, 2})).status, VerifyStatus::kNoKernelGroups);
}

}  // namespace
}  // namespace isogroup

namespace isogroup {
namespace {

TEST(Verify, GapsInTheKernelNumbersAreReported) {
  // Groups 0 and 2 exist, 1 does not: a group was freed after boot.
  const Topology t = three_functions(0, 2, std::nullopt);
  const auto r = verify_groups(t, computed(t, {0, 1, -1}));
  EXPECT_EQ(r.status, VerifyStatus::kNumbering);
  EXPECT_EQ(r.kernel_id_gaps, std::vector<int>{1});
}

TEST(Verify, NoGapsWhenNumbersAreDense) {
  const Topology t = three_functions(1, 0, 2);
  EXPECT_TRUE(verify_groups(t, computed(t, {1, 0, 2})).kernel_id_gaps.empty());
}

}  // namespace
}  // namespace isogroup

namespace isogroup {
namespace {

TEST(Verify, AGroupMergedWithAnUndecidedFunctionCannotDecide) {
  // The kernel splits 00:01.0 from 00:02.0; the computation merged them only because
  // 00:02.0's ACS was unknown. 00:01.0 itself is decided, yet the difference is not a fact.
  const Topology t = three_functions(0, 1, 2);
  GroupSet set = computed(t, {0, 1, 1});
  set.undecided = {2};
  EXPECT_EQ(verify_groups(t, set).status, VerifyStatus::kCannotDecide);
}

}  // namespace
}  // namespace isogroup
