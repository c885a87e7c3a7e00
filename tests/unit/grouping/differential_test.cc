// The fast engine against the literal transcription of pci_device_group() on random
// machines: same partition and same group numbers.
#include <gtest/gtest.h>

#include "fakes/random_topology.h"
#include "grouping_test_util.h"
#include "isogroup/grouping/group_set.h"

namespace isogroup::testing {
namespace {

struct Variant {
  Platform platform;
  KernelVersion kernel;
  bool group_mf;
};

constexpr int kTopologies = 2400;

TEST(Differential, FastEqualsLiteralOnRandomTopologies) {
  const Variant variants[] = {
      {Platform::kIntelVtd, {6, 8, 0}, false},
      {Platform::kIntelVtd, {5, 10, 0}, false},
      {Platform::kAmdVi, {6, 1, 0}, false},
      {Platform::kArmSmmuV3, {6, 12, 0}, false},
      {Platform::kIntelVtd, {6, 8, 0}, true},
  };
  int compared = 0, multi_member_groups = 0;
  for (std::uint64_t seed = 1; seed <= kTopologies; ++seed) {
    RandomTopologyOptions options;
    options.max_functions = 16 + static_cast<int>(seed % 120);
    const Snapshot snapshot = random_topology(seed, options);
    auto topology = Topology::build(snapshot);
    ASSERT_TRUE(topology) << "seed " << seed << ": " << topology.error().to_string();
    const Variant& v = variants[seed % std::size(variants)];
    Policy policy = test_policy(v.platform, v.kernel);
    policy.boot.group_mf = v.group_mf;
    auto fast = compute_groups(*topology, policy);
    auto literal = compute_groups_literal(*topology, policy);
    ASSERT_TRUE(fast && literal) << "seed " << seed;
    ASSERT_EQ(ids_by_address(*topology, *fast), ids_by_address(*topology, *literal)) << "seed " << seed;
    // Every membership of a grouped function carries at least one reason.
    for (FunctionId f = 0; f < topology->functions().size(); ++f) {
      ASSERT_FALSE(fast->membership[f].reasons.empty()) << "seed " << seed << " function "
                                                         << topology->function(f).address.to_string();
    }
    for (const auto& g : fast->groups) multi_member_groups += g.members.size() > 1;
    ++compared;
  }
  EXPECT_EQ(compared, kTopologies);
  // The generator must exercise merges, not only singletons.
  EXPECT_GT(multi_member_groups, kTopologies);
}

}  // namespace
}  // namespace isogroup::testing
