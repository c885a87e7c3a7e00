// Reasons for every kind of placement, platform coverage, group_mf and "cannot decide".
#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"
#include "grouping_test_util.h"
#include "isogroup/grouping/group_set.h"

namespace isogroup::testing {
namespace {

const Membership& member(const Topology& t, const GroupSet& set, const std::string& address) {
  return set.membership[*t.find(*Bdf::parse(address))];
}

const Reason* find_reason(const Membership& m, ReasonKind kind) {
  for (const auto& r : m.reasons) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

TEST(Reasons, BehindRootPortWithoutAcs) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:1c.4", parts::root_port(0, 1, 1, false));
  b.add("01:00.0", parts::pcie_endpoint());
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy());
  ASSERT_TRUE(set);
  const Reason* r = find_reason(member(t, *set, "01:00.0"), ReasonKind::kBehindBridge);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->text.find("behind 00:1c.4 (root port"), std::string::npos) << r->text;
  EXPECT_EQ(r->subject, Bdf::parse("00:1c.4").value());
  EXPECT_FALSE(r->remedy.empty());
  // The port itself made the group.
  EXPECT_NE(find_reason(member(t, *set, "00:1c.4"), ReasonKind::kOwnGroup), nullptr);
}

// Reasons spell addresses outside domain 0 with their domain, as Bdf::to_short_string()
// does (reasons.cc formats addresses itself, for speed).
TEST(Reasons, AddressesOutsideDomainZeroKeepTheirDomain) {
  for (const std::string domain : {"0001", "abcd"}) {
    SCOPED_TRACE(domain);
    SnapshotBuilder b;
    b.add(domain + ":00:00.0", parts::host_bridge());
    b.add(domain + ":00:1c.4", parts::root_port(0, 0x1a, 0x1a, false));
    b.add(domain + ":1a:00.0", parts::pcie_endpoint());
    const auto t = b.topology();
    auto set = compute_groups(t, test_policy());
    ASSERT_TRUE(set);
    const Reason* r = find_reason(member(t, *set, domain + ":1a:00.0"), ReasonKind::kBehindBridge);
    ASSERT_NE(r, nullptr);
    EXPECT_NE(r->text.find("behind " + domain + ":00:1c.4 (root port"), std::string::npos) << r->text;
    ASSERT_TRUE(r->subject);
    EXPECT_NE(r->text.find("behind " + r->subject->to_short_string() + " "), std::string::npos) << r->text;
  }
}

TEST(Reasons, MultifunctionWithoutAcsNamesTheSlotAndAnOverride) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:01.0", parts::root_port(0, 3, 3));
  b.add("03:00.0", parts::pcie_endpoint(0x10ec, 0x8168, true));
  b.add("03:00.1", parts::pcie_endpoint(0x10ec, 0x816a));
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy());
  ASSERT_TRUE(set);
  const Reason* r = find_reason(member(t, *set, "03:00.1"), ReasonKind::kMultifunction);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->text.find("multifunction device 03:00 without ACS"), std::string::npos) << r->text;
  EXPECT_NE(r->remedy.find("pcie_acs_override"), std::string::npos) << r->remedy;
  EXPECT_NE(r->remedy.find("bypasses the IOMMU"), std::string::npos) << "the override's risk is stated";
}

// The id override a multifunction reason suggests is the function's own: a slot of
// functions with different device ids must not repeat a sibling's id (the fast engine
// shares one reason per slot only when every input of the text is the same).
TEST(Reasons, MultifunctionOverrideNamesEachFunctionsOwnId) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:01.0", parts::root_port(0, 3, 3));
  b.add("03:00.0", parts::pcie_endpoint(0x10ec, 0x8168, true));
  b.add("03:00.1", parts::pcie_endpoint(0x10ec, 0x816a));
  b.add("03:00.2", parts::pcie_endpoint(0x10ec, 0x816b));
  b.add("03:00.3", parts::pcie_endpoint(0x10ec, 0x816b));
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy());
  ASSERT_TRUE(set);
  for (const auto& [address, id] : {std::pair{"03:00.1", "id:10ec:816a"}, std::pair{"03:00.2", "id:10ec:816b"},
                                    std::pair{"03:00.3", "id:10ec:816b"}}) {
    const Reason* r = find_reason(member(t, *set, address), ReasonKind::kMultifunction);
    ASSERT_NE(r, nullptr) << address;
    EXPECT_NE(r->remedy.find(std::string("pcie_acs_override=") + id), std::string::npos) << address << ": " << r->remedy;
  }
}

TEST(Reasons, ConventionalBusBehindPcieToPciBridge) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:01.0", parts::root_port(0, 5, 6));
  b.add("05:00.0", parts::pcie_to_pci_bridge(5, 6, 6));
  b.add("06:01.0", parts::pci_endpoint());
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy());
  ASSERT_TRUE(set);
  const Reason* r = find_reason(member(t, *set, "06:01.0"), ReasonKind::kDmaAliasBridge);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->text.find("on a conventional PCI bus behind PCIe-to-PCI bridge 05:00.0"), std::string::npos) << r->text;
}

TEST(Reasons, RicohFunctionsDmaAsFunctionZero) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:01.0", parts::root_port(0, 2, 2));
  // Full ACS on both functions: only the alias quirk can merge them.
  b.add("02:00.0", ConfigBuilder::endpoint(0x1180, 0xe832, 0x0c0010).pcie(pci::PcieType::kEndpoint).multifunction().acs(0x1f, 0x1d));
  b.add("02:00.1", ConfigBuilder::endpoint(0x1180, 0xe832, 0x088000).pcie(pci::PcieType::kEndpoint).acs(0x1f, 0x1d));
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy());
  ASSERT_TRUE(set);
  EXPECT_TRUE(same_group(t, *set, "02:00.0", "02:00.1"));
  const Reason* r = find_reason(member(t, *set, "02:00.1"), ReasonKind::kDmaAliasQuirk);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->subject, Bdf::parse("02:00.0").value());
}

TEST(Reasons, AcsQuirkIsNamedForAnIsolatedPort) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:1c.0", ConfigBuilder::bridge(0x8086, 0x1c10, 0, 1, 1).pcie(pci::PcieType::kRootPort));
  b.add("01:00.0", parts::pcie_endpoint());
  b.dmesg("pci 0000:00:1c.0: Intel PCH root port ACS workaround enabled");
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy());
  ASSERT_TRUE(set);
  EXPECT_FALSE(same_group(t, *set, "00:1c.0", "01:00.0"));
  const Reason* r = find_reason(member(t, *set, "01:00.0"), ReasonKind::kAcsQuirk);
  ASSERT_NE(r, nullptr) << "the endpoint's isolation rests on the PCH quirk of its port";
  EXPECT_EQ(r->subject, Bdf::parse("00:1c.0").value());
}

TEST(Undecided, UnreadableAcsIsReportedAndPlacedConservatively) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:01.0", parts::root_port(0, 1, 1, true, true).truncate(256));  // ACS beyond 0x100 unknown
  b.add("01:00.0", parts::pcie_endpoint());
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy());
  ASSERT_TRUE(set);
  const FunctionId ep = *t.find(*Bdf::parse("01:00.0"));
  EXPECT_NE(std::find(set->undecided.begin(), set->undecided.end(), ep), set->undecided.end());
  EXPECT_TRUE(same_group(t, *set, "00:01.0", "01:00.0")) << "unknown ACS is placed as if off";
  EXPECT_NE(find_reason(set->membership[ep], ReasonKind::kAcsUnknown), nullptr);
}

TEST(GroupMf, AllFunctionsOfAMultifunctionDeviceShareExceptVfs) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:01.0", parts::root_port(0, 1, 1));
  // I350 functions are isolated by the mf_endpoint quirk; group_mf ignores ACS.
  b.add("01:00.0", parts::pcie_endpoint(0x8086, 0x1521, true));
  b.add("01:00.1", parts::pcie_endpoint(0x8086, 0x1521));
  const auto t = b.topology();
  auto plain = compute_groups(t, test_policy());
  ASSERT_TRUE(plain);
  EXPECT_FALSE(same_group(t, *plain, "01:00.0", "01:00.1"));
  Policy mf = test_policy();
  mf.boot.group_mf = true;
  auto grouped = compute_groups(t, mf);
  auto literal = compute_groups_literal(t, mf);
  ASSERT_TRUE(grouped && literal);
  EXPECT_TRUE(same_group(t, *grouped, "01:00.0", "01:00.1"));
  EXPECT_EQ(ids_by_address(t, *grouped), ids_by_address(t, *literal));
  EXPECT_NE(find_reason(member(t, *grouped, "01:00.1"), ReasonKind::kGroupMf), nullptr);
}

TEST(Platforms, AmdLeavesOutTheIommuAndItsRootComplex) {
  SnapshotBuilder b;
  b.add("00:00.0", ConfigBuilder::endpoint(0x1022, 0x1480, 0x060000).multifunction());
  b.add("00:00.2", ConfigBuilder::endpoint(0x1022, 0x1481, 0x080600));
  b.add("00:01.0", ConfigBuilder::endpoint(0x1022, 0x1482, 0x060000));
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy(Platform::kAmdVi));
  ASSERT_TRUE(set);
  EXPECT_EQ(id_of(t, *set, "00:00.0"), std::nullopt);
  EXPECT_EQ(id_of(t, *set, "00:00.2"), std::nullopt);
  EXPECT_EQ(id_of(t, *set, "00:01.0"), 0);
  EXPECT_NE(find_reason(member(t, *set, "00:00.2"), ReasonKind::kNotBehindIommu), nullptr);
  bool stated = false;
  for (const auto& a : set->assumptions) stated |= a.find("IVRS") != std::string::npos;
  EXPECT_TRUE(stated);
}

TEST(Platforms, QemuAmdIommuGroupsTheHostBridge) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  b.add("00:02.0", ConfigBuilder::endpoint(0x1022, 0x0020, 0x080600));  // QEMU amd-iommu
  b.add("00:03.0", parts::pcie_endpoint());
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy(Platform::kAmdVi));
  ASSERT_TRUE(set);
  EXPECT_EQ(id_of(t, *set, "00:00.0"), 0);
  EXPECT_EQ(id_of(t, *set, "00:02.0"), std::nullopt);
  EXPECT_EQ(id_of(t, *set, "00:03.0"), 1);
}

TEST(Platforms, NoIommuMeansNoGroups) {
  const auto t = SnapshotBuilder().add("00:00.0", parts::host_bridge()).topology();
  auto set = compute_groups(t, test_policy(Platform::kNone));
  ASSERT_TRUE(set);
  EXPECT_TRUE(set->groups.empty());
  ASSERT_FALSE(set->assumptions.empty());
  EXPECT_NE(set->assumptions.back().find("IOMMU is off"), std::string::npos);
}

TEST(Platforms, PowerOneGroupPerHostBridge) {
  SnapshotBuilder b;
  b.add("0000:00:00.0", parts::root_port(0, 1, 1));
  b.add("0000:01:00.0", parts::pcie_endpoint());
  b.add("0001:00:00.0", parts::root_port(0, 1, 1));
  b.add("0001:01:00.0", parts::pcie_endpoint());
  const auto t = b.topology();
  auto set = compute_groups(t, test_policy(Platform::kPowerPe));
  ASSERT_TRUE(set);
  EXPECT_EQ(partition(t, *set), (std::set<std::set<std::string>>{{"00:00.0", "01:00.0"},
                                                                   {"0001:00:00.0", "0001:01:00.0"}}));
}

}  // namespace
}  // namespace isogroup::testing
