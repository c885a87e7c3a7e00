// Group numbers: lowest free id in probe order, gaps after removal, reuse on hot-add,
// and the per-IOMMU-unit probe order of newer VT-d kernels.
#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"
#include "grouping_test_util.h"
#include "isogroup/grouping/numbering.h"
#include "isogroup/grouping/platform.h"

namespace isogroup::testing {
namespace {

TEST(IdAllocator, HandsOutLowestFreeAndReusesFreedIds) {
  IdAllocator ida;
  EXPECT_EQ(ida.alloc(), 0);
  EXPECT_EQ(ida.alloc(), 1);
  EXPECT_EQ(ida.alloc(), 2);
  ida.free(1);
  EXPECT_FALSE(ida.used(1));
  EXPECT_EQ(ida.alloc(), 1);
  EXPECT_EQ(ida.alloc(), 3);
  ida.reserve(5);
  EXPECT_EQ(ida.alloc(), 4);
  EXPECT_EQ(ida.alloc(), 6);
}

// Three root ports with ACS, an endpoint below each: 7 groups, ids in registration order.
SnapshotBuilder three_ports(bool with_second_endpoint = true) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:01.0", parts::root_port(0, 1, 1));
  b.add("00:02.0", parts::root_port(0, 2, 2));
  b.add("00:03.0", parts::root_port(0, 3, 3));
  b.add("01:00.0", parts::pcie_endpoint());
  if (with_second_endpoint) b.add("02:00.0", parts::pcie_endpoint());
  b.add("03:00.0", parts::pcie_endpoint());
  return b;
}

TEST(Numbering, IdsFollowRegistrationOrder) {
  const auto t = three_ports().topology();
  auto set = compute_groups(t, test_policy());
  ASSERT_TRUE(set);
  // pci_bus_add_devices: bus 00 first (devfn order), then each bridge's bus.
  EXPECT_EQ(id_of(t, *set, "00:00.0"), 0);
  EXPECT_EQ(id_of(t, *set, "00:03.0"), 3);
  EXPECT_EQ(id_of(t, *set, "01:00.0"), 4);
  EXPECT_EQ(id_of(t, *set, "02:00.0"), 5);
  EXPECT_EQ(id_of(t, *set, "03:00.0"), 6);
}

TEST(Numbering, RemovalLeavesAGapAndHotAddReusesIt) {
  // Before: 02:00.0 had id 5. It is removed: ids 0-4 and 6 stay, 5 is free.
  const auto after_removal = three_ports(false).topology();
  std::vector<std::optional<int>> kept(after_removal.functions().size());
  const std::map<std::string, int> before = {{"00:00.0", 0}, {"00:01.0", 1}, {"00:02.0", 2},
                                             {"00:03.0", 3}, {"01:00.0", 4}, {"03:00.0", 6}};
  for (FunctionId f = 0; f < kept.size(); ++f) kept[f] = before.at(after_removal.function(f).address.to_short_string());
  auto gap = compute_groups_after_changes(after_removal, test_policy(), kept);
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->groups.size(), 6u);
  for (const auto& g : gap->groups) EXPECT_NE(g.id, 5);

  // Hot-add a device below 00:02.0 again: it takes the lowest free id, 5.
  const auto readded = three_ports(true).topology();
  std::vector<std::optional<int>> kept2(readded.functions().size());
  for (FunctionId f = 0; f < kept2.size(); ++f) {
    const auto it = before.find(readded.function(f).address.to_short_string());
    if (it != before.end()) kept2[f] = it->second;
  }
  auto added = compute_groups_after_changes(readded, test_policy(), kept2);
  ASSERT_TRUE(added);
  EXPECT_EQ(id_of(readded, *added, "02:00.0"), 5);
}

TEST(Numbering, HotAddedDeviceJoinsAnExistingGroup) {
  // A device hot-added below a port without ACS joins the port's kept group, no new id.
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:1c.0", parts::root_port(0, 1, 1, false));
  b.add("01:00.0", parts::pcie_endpoint());
  const auto t = b.topology();
  std::vector<std::optional<int>> kept(t.functions().size());
  kept[*t.find(*Bdf::parse("00:00.0"))] = 0;
  kept[*t.find(*Bdf::parse("00:1c.0"))] = 7;
  auto set = compute_groups_after_changes(t, test_policy(), kept);
  ASSERT_TRUE(set);
  EXPECT_EQ(id_of(t, *set, "01:00.0"), 7);
}

TEST(Numbering, AfterChangesRejectsWrongLength) {
  const auto t = three_ports().topology();
  EXPECT_FALSE(compute_groups_after_changes(t, test_policy(), {}));
}

SnapshotBuilder igpu_machine() {
  SnapshotBuilder b;
  b.add("00:00.0", ConfigBuilder::endpoint(0x8086, 0x4660, 0x060000));
  b.add("00:01.0", parts::root_port(0, 1, 1));
  b.add("00:02.0", ConfigBuilder::endpoint(0x8086, 0x4680, 0x030000));
  b.add("01:00.0", parts::pcie_endpoint());
  return b;
}

TEST(Numbering, IntegratedGpuFirstOnKernelsThatProbePerUnit) {
  const auto t = igpu_machine().topology();
  // 6.1+: the iGPU's DMAR unit registers and probes first (corpus: Z690 on 6.1).
  auto new_kernel = compute_groups(t, test_policy(Platform::kIntelVtd, {6, 1, 0}));
  ASSERT_TRUE(new_kernel);
  EXPECT_EQ(id_of(t, *new_kernel, "00:02.0"), 0);
  EXPECT_EQ(id_of(t, *new_kernel, "00:00.0"), 1);
  EXPECT_EQ(id_of(t, *new_kernel, "00:01.0"), 2);
  bool named = false;
  for (const auto& a : new_kernel->assumptions) named |= a.find("integrated GPU") != std::string::npos;
  EXPECT_TRUE(named) << "the inferred DMAR unit must be stated as an assumption";
  // 5.10: one probe of the whole bus in registration order (corpus: T480 on 5.10).
  auto old_kernel = compute_groups(t, test_policy(Platform::kIntelVtd, {5, 10, 0}));
  ASSERT_TRUE(old_kernel);
  EXPECT_EQ(id_of(t, *old_kernel, "00:00.0"), 0);
  EXPECT_EQ(id_of(t, *old_kernel, "00:02.0"), 2);
  // AMD has no such rule.
  auto amd = compute_groups(t, test_policy(Platform::kAmdVi, {6, 1, 0}));
  ASSERT_TRUE(amd);
  EXPECT_EQ(id_of(t, *amd, "00:00.0"), 0);
}

TEST(Numbering, XeonE5AudioThenUncoreBusThenTheRest) {
  SnapshotBuilder b;
  b.add("00:00.0", ConfigBuilder::endpoint(0x8086, 0x2f00, 0x060000));
  b.add("00:1b.0", ConfigBuilder::endpoint(0x8086, 0x8d20, 0x040300).pcie(pci::PcieType::kRcIntegratedEndpoint));
  b.add("ff:0b.0", ConfigBuilder::endpoint(0x8086, 0x2f81, 0x088000));
  b.add("ff:0c.0", ConfigBuilder::endpoint(0x8086, 0x2fe0, 0x088000));
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy(Platform::kIntelVtd, {6, 1, 0}));
  ASSERT_TRUE(set);
  EXPECT_EQ(id_of(t, *set, "00:1b.0"), 0);
  EXPECT_EQ(id_of(t, *set, "ff:0b.0"), 1);
  EXPECT_EQ(id_of(t, *set, "ff:0c.0"), 2);
  EXPECT_EQ(id_of(t, *set, "00:00.0"), 3);
}

TEST(ProbeOrderProfiles, VersionBracketIsData) {
  bool found = false;
  for (const auto& p : probe_order_profiles()) {
    if (p.platform != Platform::kIntelVtd) continue;
    found = true;
    EXPECT_FALSE(p.kernels.contains({5, 18, 0}));  // corpus: OptiPlex 7050 on 5.18, plain order
    EXPECT_TRUE(p.kernels.contains({6, 1, 0}));    // corpus: Z690-P on 6.1, iGPU first
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace isogroup::testing
