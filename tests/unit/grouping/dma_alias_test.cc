// DMA-alias quirks (§5.1), kernel-log evidence, VMD (§5.2) and pci_devs_are_dma_aliases (§2).
#include "isogroup/grouping/dma_alias.h"

#include <gtest/gtest.h>

#include "acs_test_util.h"
#include "isogroup/grouping/dma_alias_quirks.h"

namespace isogroup::testing {
namespace {

using pci::PcieType;

std::uint8_t devfn(unsigned slot, unsigned fn) { return static_cast<std::uint8_t>(slot << 3 | fn); }

ConfigBuilder pcie_ep(std::uint16_t vendor, std::uint16_t device, std::uint32_t cls = 0x010601) {
  auto b = ConfigBuilder::endpoint(vendor, device, cls);
  b.pcie(PcieType::kEndpoint);
  return b;
}

// 00:1c.0 root port -> bus 05, where the tests put their functions.
SnapshotBuilder bus5() {
  auto b = with_host_bridge();
  b.add("00:1c.0", parts::root_port(0, 5, 5));
  return b;
}

struct Result {
  Topology topology;
  DmaAliases aliases;
  const DmaAliasInfo& at(std::string_view address) const { return aliases[id_of(topology, address)]; }
};

Result run(const SnapshotBuilder& b, const Policy& policy = make_test_policy()) {
  Result r{b.topology(), DmaAliases{}};
  r.aliases = compute_dma_aliases(r.topology, policy);
  return r;
}

TEST(DmaAliasQuirks, Function0Alias) {
  auto b = bus5();
  b.add("05:00.0", pcie_ep(0x1180, 0xe832).multifunction());
  b.add("05:00.1", pcie_ep(0x1180, 0xe832));
  const Result r = run(b);
  EXPECT_TRUE(r.at("05:00.0").mask.none());
  EXPECT_EQ(r.at("05:00.1").mask.count(), 1u);
  EXPECT_TRUE(r.at("05:00.1").mask.test(devfn(0, 0)));
  EXPECT_EQ(r.at("05:00.1").reasons.front().kind, ReasonKind::kDmaAliasQuirk);
  EXPECT_TRUE(devs_are_dma_aliases(r.topology, r.aliases, id_of(r.topology, "05:00.0"), id_of(r.topology, "05:00.1")));
}

TEST(DmaAliasQuirks, Function1AliasToAGhostFunction) {
  auto b = bus5();
  b.add("05:00.0", pcie_ep(0x1b4b, 0x9230));
  b.add("05:01.0", pcie_ep(0x1b4b, 0x9230));
  const Result r = run(b);
  EXPECT_TRUE(r.at("05:00.0").mask.test(devfn(0, 1)));
  EXPECT_TRUE(r.at("05:01.0").mask.test(devfn(1, 1)));
  // Different slots: neither names the other.
  EXPECT_FALSE(devs_are_dma_aliases(r.topology, r.aliases, id_of(r.topology, "05:00.0"), id_of(r.topology, "05:01.0")));
  // Another vendor with the same device id gets nothing.
  auto c = bus5();
  c.add("05:00.0", pcie_ep(0x1b36, 0x9230));
  EXPECT_TRUE(run(c).at("05:00.0").mask.none());
}

TEST(DmaAliasQuirks, FixedAliasNeedsTheSubsystem) {
  auto yes = bus5();
  yes.add("05:00.0", pcie_ep(0x9005, 0x0285).subsystem(0x9005, 0x02bb));
  EXPECT_TRUE(run(yes).at("05:00.0").mask.test(devfn(1, 0)));
  auto other = bus5();
  other.add("05:00.0", pcie_ep(0x9005, 0x0285).subsystem(0x9005, 0x0200));
  EXPECT_TRUE(run(other).at("05:00.0").mask.none());
}

TEST(DmaAliasQuirks, MicAndVcaAndPlx) {
  auto b = bus5();
  b.add("05:00.0", pcie_ep(0x8086, 0x2260));
  b.add("05:01.0", pcie_ep(0x8086, 0x2956));
  b.add("05:02.0", pcie_ep(0x10b5, 0x87b0));
  const Result r = run(b);
  const auto& mic = r.at("05:00.0").mask;
  EXPECT_EQ(mic.count(), 3u);
  EXPECT_TRUE(mic.test(devfn(0x10, 0)) && mic.test(devfn(0x11, 0)) && mic.test(devfn(0x12, 3)));
  const auto& vca = r.at("05:01.0").mask;
  EXPECT_EQ(vca.count(), 32u * 5u);
  EXPECT_TRUE(vca.test(devfn(0x1f, 4)));
  EXPECT_FALSE(vca.test(devfn(0x1f, 5)));
  EXPECT_EQ(r.at("05:02.0").mask.count(), 256u);
  // The PLX NTB is an alias of everything on its bus, nothing on another bus.
  EXPECT_TRUE(devs_are_dma_aliases(r.topology, r.aliases, id_of(r.topology, "05:00.0"), id_of(r.topology, "05:02.0")));
  EXPECT_FALSE(devs_are_dma_aliases(r.topology, r.aliases, id_of(r.topology, "00:1c.0"), id_of(r.topology, "05:02.0")));
}

TEST(DmaAliasQuirks, PlxRangeAliasNeedsItsKernel) {
  auto b = bus5();
  b.add("05:00.0", pcie_ep(0x10b5, 0x87b0));
  EXPECT_TRUE(run(b, make_test_policy("5.4")).at("05:00.0").mask.none());
  EXPECT_EQ(run(b, make_test_policy("5.10")).at("05:00.0").mask.count(), 256u);
}

TEST(DmaAliasQuirks, XlateRootAndPcieBridgeFlags) {
  auto b = with_host_bridge();
  auto root = ConfigBuilder::bridge(0x14e4, 0x9000, 0, 1, 2);
  root.pcie(PcieType::kRootPort);
  b.add("00:01.0", root);
  b.add("01:00.0", ConfigBuilder::bridge(0x1b21, 0x1080, 1, 2, 2));  // conventional bridge under a PCIe port
  b.add("00:1e.0", ConfigBuilder::bridge(0x8086, 0x244e, 0, 3, 3));  // on the root bus
  const Result r = run(b);
  EXPECT_TRUE(r.at("00:01.0").xlate_root);
  EXPECT_TRUE(r.at("01:00.0").pcie_bridge_alias);
  EXPECT_FALSE(r.at("00:1e.0").pcie_bridge_alias);
  EXPECT_TRUE(r.at("01:00.0").mask.none());
}

TEST(DmaAliasQuirks, SwitchtecAliasesComeFromTheKernelLog) {
  auto b = bus5();
  b.add("05:00.1", ConfigBuilder::endpoint(0x11f8, 0x8531, 0x068000).pcie(PcieType::kEndpoint));
  const Result none = run(b);
  EXPECT_TRUE(none.at("05:00.1").mask.none());
  ASSERT_EQ(none.at("05:00.1").assumptions.size(), 1u);
  EXPECT_NE(none.at("05:00.1").assumptions[0].find("BAR0"), std::string::npos);

  b.dmesg("[    1.2] pci 0000:05:00.1: Setting Switchtec proxy ID aliases");
  b.dmesg("[    1.2] pci 0000:05:00.1: Enabling fixed DMA alias to 00.1");
  b.dmesg("[    1.2] pci 0000:05:00.1: Enabling fixed DMA alias for devfn range from 03.0 to 03.2");
  b.dmesg("[    1.2] pci 0000:05:00.0: Enabling fixed DMA alias to 1f.7");  // another function
  const Result logged = run(b);
  const auto& m = logged.at("05:00.1").mask;
  EXPECT_EQ(m.count(), 4u);
  EXPECT_TRUE(m.test(devfn(0, 1)) && m.test(devfn(3, 0)) && m.test(devfn(3, 2)));
  EXPECT_TRUE(logged.at("05:00.1").assumptions.empty());

  // Class fixup: a Switchtec id with another class is not the NTB function.
  auto mgmt = bus5();
  mgmt.add("05:00.0", ConfigBuilder::endpoint(0x11f8, 0x8531, 0x058000).pcie(PcieType::kEndpoint));
  EXPECT_TRUE(run(mgmt).at("05:00.0").assumptions.empty());
}

TEST(DmaAliasLog, Parses) {
  auto one = parse_dma_alias_log("Enabling fixed DMA alias to 1c.4");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->first, devfn(0x1c, 4));
  EXPECT_EQ(one->last, devfn(0x1c, 4));
  auto range = parse_dma_alias_log("Enabling fixed DMA alias for devfn range from 00.0 to 1f.7");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 0);
  EXPECT_EQ(range->last, 255);
  EXPECT_FALSE(parse_dma_alias_log("Enabling fixed DMA alias to 2z.1"));
  EXPECT_FALSE(parse_dma_alias_log("Enabling fixed DMA alias to 20.1"));  // slot > 1f
  EXPECT_FALSE(parse_dma_alias_log("Enabling fixed DMA alias for devfn range from 03.0 to 01.0"));
  EXPECT_FALSE(parse_dma_alias_log("something else"));
}

// Z790-like: VMD endpoint 00:0e.0 (8086:a77f, class 0104) owning domain 10000.
SnapshotBuilder vmd_machine() {
  auto b = with_host_bridge();
  b.add("00:0e.0", ConfigBuilder::endpoint(0x8086, 0xa77f, 0x010400).pcie(PcieType::kRcIntegratedEndpoint));
  b.add("10000:e0:06.0", parts::root_port(0xe0, 0xe1, 0xe1));
  b.add("10000:e1:00.0", pcie_ep(0x144d, 0xa808, 0x010802));
  return b;
}

TEST(Vmd, EveryFunctionInTheDomainUsesTheEndpoint) {
  const Result r = run(vmd_machine());
  const FunctionId vmd = id_of(r.topology, "00:0e.0");
  EXPECT_EQ(r.at("10000:e0:06.0").real_dma_dev, vmd);
  EXPECT_EQ(r.at("10000:e1:00.0").real_dma_dev, vmd);
  EXPECT_EQ(r.at("00:0e.0").real_dma_dev, kNoFunction);
  EXPECT_EQ(r.at("10000:e1:00.0").reasons.back().kind, ReasonKind::kVmd);
  EXPECT_TRUE(r.at("10000:e1:00.0").assumptions.empty());
  EXPECT_TRUE(devs_are_dma_aliases(r.topology, r.aliases, vmd, id_of(r.topology, "10000:e1:00.0")));
  EXPECT_FALSE(devs_are_dma_aliases(r.topology, r.aliases, id_of(r.topology, "00:00.0"),
                                    id_of(r.topology, "10000:e1:00.0")));
}

TEST(Vmd, SeveralEndpointsAreMatchedInProbeOrderAsAnAssumption) {
  // vmd_find_free_domain() numbers domains upwards as the endpoints probe.
  auto b = vmd_machine();
  b.add("00:0f.0", ConfigBuilder::endpoint(0x8086, 0x28c0, 0x010400).pcie(PcieType::kRcIntegratedEndpoint));
  b.add("10001:e0:06.0", parts::root_port(0xe0, 0xe1, 0xe1));
  const Result r = run(b);
  EXPECT_EQ(r.at("10000:e1:00.0").real_dma_dev, id_of(r.topology, "00:0e.0"));
  EXPECT_EQ(r.at("10001:e0:06.0").real_dma_dev, id_of(r.topology, "00:0f.0"));
  ASSERT_FALSE(r.at("10001:e0:06.0").assumptions.empty());
  EXPECT_NE(r.at("10001:e0:06.0").assumptions[0].find("probe order"), std::string::npos);
}

TEST(Vmd, UnknownVmdIdFallsBackToTheRaidClass) {
  auto b = with_host_bridge();
  b.add("00:0e.0", ConfigBuilder::endpoint(0x8086, 0x0b0b, 0x010400).pcie(PcieType::kRcIntegratedEndpoint));
  b.add("10000:e0:06.0", parts::root_port(0xe0, 0xe1, 0xe1));
  const Result r = run(b);
  EXPECT_EQ(r.at("10000:e0:06.0").real_dma_dev, id_of(r.topology, "00:0e.0"));
  EXPECT_FALSE(r.at("10000:e0:06.0").assumptions.empty());
}

TEST(Vmd, NoEndpointLeavesTheDomainAlone) {
  auto b = with_host_bridge();
  b.add("10000:e0:06.0", parts::root_port(0xe0, 0xe1, 0xe1));
  const Result r = run(b);
  EXPECT_EQ(r.at("10000:e0:06.0").real_dma_dev, kNoFunction);
  EXPECT_FALSE(r.at("10000:e0:06.0").assumptions.empty());
}

}  // namespace
}  // namespace isogroup::testing
