// Every row of §8 ("Worked consequences") of the reference, built from QEMU-like parts.
// Expected partitions are the reference's, stated independently of the code.
#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"
#include "grouping_test_util.h"
#include "isogroup/grouping/group_set.h"

namespace isogroup::testing {
namespace {

using Partition = std::set<std::set<std::string>>;

// Both engines must give the same answer; the test checks the fast one's partition.
Partition groups_of(const Topology& t, Policy policy = test_policy()) {
  auto fast = compute_groups(t, policy);
  auto literal = compute_groups_literal(t, policy);
  EXPECT_TRUE(fast && literal);
  if (!fast || !literal) return {};
  EXPECT_EQ(ids_by_address(t, *fast), ids_by_address(t, *literal));
  return partition(t, *fast);
}

SnapshotBuilder machine() {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  return b;
}

TEST(WorkedCases, EndpointJoinsRootPortWithoutAcs) {
  auto b = machine();
  b.add("00:1c.0", parts::root_port(0, 1, 1, /*has_acs=*/false));
  b.add("01:00.0", parts::pcie_endpoint());
  const auto t = b.topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:1c.0", "01:00.0"}}));
}

TEST(WorkedCases, MultifunctionRootPortSlotWithoutAcsIsOneGroup) {
  auto b = machine();
  b.add("00:1c.0", parts::root_port(0, 1, 1, false).multifunction());
  b.add("00:1c.1", parts::root_port(0, 2, 2, false));
  b.add("00:1c.2", parts::root_port(0, 3, 3, true, true));  // has ACS: left out
  b.add("01:00.0", parts::pcie_endpoint());
  b.add("02:00.0", parts::pcie_endpoint());
  b.add("03:00.0", parts::pcie_endpoint());
  const auto t = b.topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:1c.0", "00:1c.1", "01:00.0", "02:00.0"}, {"00:1c.2"}, {"03:00.0"}}));
}

ConfigBuilder pch_root_port(std::uint8_t secondary) {
  // Cougar Point 8086:1c10, in the intel_pch quirk list, without an ACS capability.
  auto c = ConfigBuilder::bridge(0x8086, 0x1c10, 0, secondary, secondary);
  c.pcie(pci::PcieType::kRootPort);
  return c;
}

TEST(WorkedCases, IntelPchRootPortsWithQuirkAreIsolated) {
  auto b = machine();
  b.add("00:1c.0", pch_root_port(1).multifunction());
  b.add("00:1c.1", pch_root_port(2));
  b.add("01:00.0", parts::pcie_endpoint());
  b.add("02:00.0", parts::pcie_endpoint());
  b.dmesg("pci 0000:00:1c.0: Intel PCH root port ACS workaround enabled");
  b.dmesg("pci 0000:00:1c.1: Intel PCH root port ACS workaround enabled");
  const auto t = b.topology();
  // §8 says the endpoints "join their RP's group"; with the quirk the port's ACS path is
  // complete, so §3.2 step 3 stops at once and a single-function endpoint gets its own
  // group. The corpus agrees with §3.2, not with the §8 wording: OptiPlex 9020 (5.10),
  // PCH port 8c12 is group 9 and the XIO2001 bridge below it group 12.
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:1c.0"}, {"00:1c.1"}, {"01:00.0"}, {"02:00.0"}}));
}

SnapshotBuilder switch_machine(bool dsp_acs) {
  auto b = machine();
  b.add("00:01.0", parts::root_port(0, 1, 4, true, true));
  b.add("01:00.0", parts::upstream_port(1, 2, 4));
  b.add("02:00.0", parts::downstream_port(2, 3, 3, dsp_acs));
  b.add("02:01.0", parts::downstream_port(2, 4, 4, dsp_acs));
  b.add("03:00.0", parts::pcie_endpoint());
  b.add("04:00.0", parts::pcie_endpoint());
  return b;
}

TEST(WorkedCases, SwitchDownstreamPortsWithoutAcsGetSeparateGroups) {
  const auto t = switch_machine(false).topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:01.0"}, {"01:00.0"}, {"02:00.0", "03:00.0"}, {"02:01.0", "04:00.0"}}));
}

TEST(WorkedCases, SwitchWithFullAcsIsolatesEverything) {
  const auto t = switch_machine(true).topology();
  EXPECT_EQ(groups_of(t),
            (Partition{{"00:00.0"}, {"00:01.0"}, {"01:00.0"}, {"02:00.0"}, {"02:01.0"}, {"03:00.0"}, {"04:00.0"}}));
}

TEST(WorkedCases, MultifunctionEndpointWithoutAcsSharesAGroup) {
  auto b = machine();
  b.add("00:01.0", parts::root_port(0, 1, 1));
  b.add("01:00.0", parts::pcie_endpoint(0x10ec, 0x8168, true));
  b.add("01:00.1", parts::pcie_endpoint(0x10ec, 0x816a));
  const auto t = b.topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:01.0"}, {"01:00.0", "01:00.1"}}));
}

TEST(WorkedCases, MfEndpointQuirkIsolatesI350Functions) {
  auto b = machine();
  b.add("00:01.0", parts::root_port(0, 1, 1));
  b.add("01:00.0", parts::pcie_endpoint(0x8086, 0x1521, true));
  b.add("01:00.1", parts::pcie_endpoint(0x8086, 0x1521));
  const auto t = b.topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:01.0"}, {"01:00.0"}, {"01:00.1"}}));
}

TEST(WorkedCases, ConventionalPchFunctionsShareOneGroup) {
  auto b = machine();
  b.add("00:1f.0", parts::pci_endpoint(0x8086, 0x1c44).multifunction());
  b.add("00:1f.3", parts::pci_endpoint(0x8086, 0x1c22));
  b.add("00:1f.4", parts::pci_endpoint(0x8086, 0x1c24));
  b.add("00:1f.5", parts::pci_endpoint(0x8086, 0x1c25));
  const auto t = b.topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:1f.0", "00:1f.3", "00:1f.4", "00:1f.5"}}));
}

TEST(WorkedCases, DevicesBehindConventionalBridgeJoinIt) {
  auto b = machine();
  b.add("00:1e.0", parts::pci_bridge(0, 5, 5));
  b.add("05:01.0", parts::pci_endpoint());
  b.add("05:02.0", parts::pci_endpoint());
  const auto t = b.topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:1e.0", "05:01.0", "05:02.0"}}));
}

TEST(WorkedCases, DevicesBehindPcieToPciBridgeJoinTheBridge) {
  auto b = machine();
  b.add("00:01.0", parts::root_port(0, 2, 3, true, true));
  b.add("02:00.0", parts::pcie_to_pci_bridge(2, 3, 3));
  b.add("03:01.0", parts::pci_endpoint());
  b.add("03:02.0", parts::pci_endpoint());
  const auto t = b.topology();
  // The bridge is grouped by ACS (own group, behind an ACS root port); bus 03 joins it.
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:01.0"}, {"02:00.0", "03:01.0", "03:02.0"}}));
}

TEST(WorkedCases, MarvellGhostFunctionAliasHasNoEffectAlone) {
  auto b = machine();
  b.add("00:01.0", parts::root_port(0, 1, 1));
  b.add("01:00.0", ConfigBuilder::endpoint(0x1b4b, 0x9230, 0x010601).pcie(pci::PcieType::kEndpoint));
  const auto t = b.topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:01.0"}, {"01:00.0"}}));
}

TEST(WorkedCases, MarvellFunctionAliasMergesWithRealFunctionOne) {
  auto b = machine();
  b.add("00:01.0", parts::root_port(0, 1, 1));
  // Both functions with a full ACS capability, so only the DMA alias can merge them.
  b.add("01:00.0", ConfigBuilder::endpoint(0x1b4b, 0x9230, 0x010601)
                       .pcie(pci::PcieType::kEndpoint)
                       .multifunction()
                       .acs(0x1f, 0x1d));
  b.add("01:00.1", ConfigBuilder::endpoint(0x1b4b, 0x9230, 0x010185).pcie(pci::PcieType::kEndpoint).acs(0x1f, 0x1d));
  const auto t = b.topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:01.0"}, {"01:00.0", "01:00.1"}}));
}

TEST(WorkedCases, PlxNtbSharesWithEveryDeviceOnItsBus) {
  auto b = machine();
  b.add("00:01.0", parts::root_port(0, 1, 4, true, true));
  b.add("01:00.0", parts::upstream_port(1, 2, 4));
  b.add("02:00.0", parts::downstream_port(2, 3, 3, true));
  b.add("02:01.0", parts::downstream_port(2, 4, 4, true));
  // The NTB endpoint sits on bus 02 next to the downstream ports.
  b.add("02:02.0", ConfigBuilder::endpoint(0x10b5, 0x87b0, 0x068000).pcie(pci::PcieType::kEndpoint));
  b.add("03:00.0", parts::pcie_endpoint());
  b.add("04:00.0", parts::pcie_endpoint());
  const auto t = b.topology();
  const Partition p = groups_of(t);
  // The NTB aliases every devfn of bus 02, so it and both downstream ports share a group.
  // The endpoints below the ports stay apart: the ports' ACS paths are complete.
  EXPECT_EQ(p, (Partition{{"00:00.0"}, {"00:01.0"}, {"01:00.0"}, {"02:00.0", "02:01.0", "02:02.0"}, {"03:00.0"}, {"04:00.0"}}));
}

TEST(WorkedCases, DevicesBehindVmdJoinTheVmdEndpoint) {
  auto b = machine();
  // Intel VMD endpoint (RAID class 0104) and its domain 10000.
  b.add("00:0e.0", ConfigBuilder::endpoint(0x8086, 0x9a0b, 0x010400).pcie(pci::PcieType::kRcIntegratedEndpoint));
  b.add("10000:e0:06.0", parts::root_port(0xe0, 0xe1, 0xe1, true, true));
  b.add("10000:e1:00.0", ConfigBuilder::endpoint(0x144d, 0xa808, 0x010802).pcie(pci::PcieType::kEndpoint));
  const auto t = b.topology();
  EXPECT_EQ(groups_of(t), (Partition{{"00:00.0"}, {"00:0e.0", "10000:e0:06.0", "10000:e1:00.0"}}));
}

}  // namespace
}  // namespace isogroup::testing
