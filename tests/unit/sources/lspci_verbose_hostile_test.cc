// parse_lspci_verbose on hostile and broken text: nothing crashes, hangs or reaches past
// config space, and what cannot be laid out is left unknown with a note.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "isogroup/pci/capabilities.h"
#include "isogroup/pci/decode.h"
#include "isogroup/sources/read.h"
#include "lspci_verbose_test_util.h"

namespace isogroup {
namespace {

using namespace lspci_verbose_test;

using ::testing::ElementsAre;

constexpr std::string_view kPort =
    "00:1c.0 PCI bridge [0604]: Intel Corporation Root Port [8086:9d10] (rev f1) (prog-if 00 [Normal decode])\n"
    "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-\n"
    "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n";

Snapshot parse_port(std::string_view body) {
  std::string text(kPort);
  text += body;
  text += "\n";
  auto s = parse_lspci_verbose(text, "h.txt");
  EXPECT_TRUE(s.has_value());
  return s ? std::move(*s) : Snapshot{};
}

TEST(LspciVerboseHostile, StandardOffsetsOutsideTheirRangeCutTheList) {
  for (std::string_view bad : {"[ff]", "[10]", "[42]", "[fd]"}) {
    const Snapshot s = parse_port(std::string("\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n") +
                                  "\tCapabilities: " + std::string(bad) + " Power Management version 3\n");
    const auto& config = s.functions[0].config;
    EXPECT_EQ(config.read8(0x40), 0x10) << bad;
    EXPECT_FALSE(config.is_known(0x41)) << bad;  // where the list goes next is not known
    EXPECT_EQ(pci::walk_standard_capabilities(config).complete, Tristate::kUnknown) << bad;
    EXPECT_EQ(pci::decode_pcie(config).is_pcie, Tristate::kUnknown) << bad;
    EXPECT_FALSE(s.notes.empty()) << bad;
  }
}

TEST(LspciVerboseHostile, ExtendedOffsetsOutsideTheirRange) {
  for (std::string_view bad : {"[1ff v1]", "[ffff v1]", "[104 v99]", "[10 v1]"}) {
    const Snapshot s = parse_port(std::string("\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n") +
                                  "\tCapabilities: [100 v1] Advanced Error Reporting\n" +
                                  "\tCapabilities: " + std::string(bad) + " Access Control Services\n" +
                                  "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n");
    const auto& config = s.functions[0].config;
    EXPECT_EQ(config.read16(0x100), 0x0001) << bad;
    EXPECT_EQ(pci::walk_extended_capabilities(config).complete, Tristate::kUnknown) << bad;
    EXPECT_EQ(pci::decode_acs(config).present, Tristate::kUnknown) << bad;
    EXPECT_FALSE(s.notes.empty()) << bad;
  }
}

TEST(LspciVerboseHostile, ExtendedListNotStartingAt0x100IsUnknown) {
  const Snapshot s = parse_port(
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [140 v1] Access Control Services\n");
  EXPECT_FALSE(s.functions[0].config.is_known(0x100));
  EXPECT_FALSE(s.functions[0].config.is_known(0x140));
  EXPECT_TRUE(any_note_has(s, "[100]"));
}

TEST(LspciVerboseHostile, DuplicatedOffsetBecomesALoop) {
  const Snapshot s = parse_port(
      "\tCapabilities: [40] Power Management version 3\n"
      "\tCapabilities: [50] MSI: Enable- Count=1/1 Maskable- 64bit-\n"
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n");
  const auto& config = s.functions[0].config;
  EXPECT_EQ(config.read8(0x40), 0x01);  // the first entry is not overwritten
  const auto list = pci::walk_standard_capabilities(config);
  EXPECT_THAT(ids(list), ElementsAre(0x01, 0x05));
  EXPECT_FALSE(list.problems.empty());
  EXPECT_TRUE(any_note_has(s, "listed twice"));
}

TEST(LspciVerboseHostile, DuplicatedCapabilitiesAtDifferentOffsetsAreKept) {
  const Snapshot s = parse_port(
      "\tCapabilities: [40] Vendor Specific Information: Len=0c <?>\n"
      "\tCapabilities: [50] Vendor Specific Information: Len=0c <?>\n");
  EXPECT_THAT(ids(pci::walk_standard_capabilities(s.functions[0].config)), ElementsAre(0x09, 0x09));
}

TEST(LspciVerboseHostile, OverlappingExtendedCapabilitiesDoNotOverwriteEachOther) {
  const Snapshot s = parse_port(
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [100 v1] Access Control Services\n"
      "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
      "\t\tACSCtl:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
      "\tCapabilities: [104 v1] Advanced Error Reporting\n");
  const auto& config = s.functions[0].config;
  // The AER header at 0x104 wins over ACS registers that would overlap it.
  EXPECT_EQ(config.read16(0x104), 0x0001);
  EXPECT_THAT(ids(pci::walk_extended_capabilities(config)), ElementsAre(0x000d, 0x0001));
  // The ACS values from the text did not overwrite the AER header they collide with.
  EXPECT_NE(pci::decode_acs(config).capability, 0x001f);
  EXPECT_TRUE(any_note_has(s, "overlaps"));
}

TEST(LspciVerboseHostile, StandardCapabilityAfterExtendedOnesIsIgnored) {
  const Snapshot s = parse_port(
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [100 v1] Advanced Error Reporting\n"
      "\tCapabilities: [80] MSI: Enable+ Count=1/1 Maskable- 64bit-\n");
  EXPECT_THAT(ids(pci::walk_standard_capabilities(s.functions[0].config)), ElementsAre(0x10));
  EXPECT_TRUE(any_note_has(s, "after the extended"));
}

TEST(LspciVerboseHostile, HugeNumbersAreRejectedNotWrapped) {
  const Snapshot s = parse_port(
      "\tIOMMU group: 99999999999999999999999999\n"
      "\tNUMA node: 4294967296\n"
      "\tCapabilities: [40] Express (v99) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [100 v1] Alternative Routing-ID Interpretation (ARI)\n"
      "\t\tARICap:\tMFVC- ACS-, Next Function: 300\n"
      "\tCapabilities: [110 v1] Single Root I/O Virtualization (SR-IOV)\n"
      "\t\tInitial VFs: 65536, Total VFs: 8, Number of VFs: 0, Function Dependency Link: 00\n"
      "\t\tVF offset: 99999999999, stride: 1, Device ID: 12345\n");
  const auto& f = s.functions[0];
  EXPECT_EQ(f.iommu_group, std::nullopt);
  EXPECT_EQ(f.numa_node, std::nullopt);
  EXPECT_FALSE(s.has_kernel_groups == true && !s.kernel_groups.empty());
  EXPECT_EQ(pci::decode_pcie(f.config).type, std::nullopt);  // version 99 does not fit 4 bits
  EXPECT_EQ(pci::decode_ari(f.config).next_function, std::nullopt);
  const pci::SriovInfo sriov = pci::decode_sriov(f.config);
  EXPECT_EQ(sriov.initial_vfs, std::nullopt);
  EXPECT_EQ(sriov.total_vfs, 8);
  EXPECT_EQ(sriov.vf_offset, std::nullopt);
  EXPECT_EQ(sriov.vf_stride, 1);
  EXPECT_EQ(sriov.vf_device_id, std::nullopt);
}

TEST(LspciVerboseHostile, BadBusLineLeavesBusNumbersUnknown) {
  auto s = parse_lspci_verbose(
      "00:1c.0 PCI bridge [0604]: Intel Corporation Root Port [8086:9d10] (rev f1) (prog-if 00 [Normal decode])\n"
      "\tBus: primary=100, secondary=zz, subordinate=01, sec-latency=0\n\n",
      "h.txt");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(pci::decode_bridge_buses(s->functions[0].config), std::nullopt);
  EXPECT_TRUE(any_note_has(*s, "Bus line"));
}

TEST(LspciVerboseHostile, AddressesLspciCannotPrintAreNotFunctions) {
  auto s = parse_lspci_verbose(
      "123456789:00:00.0 Host bridge [0600]: X [1234:5678]\n"
      "00:20.0 Host bridge [0600]: X [1234:5678]\n"
      "00:00.8 Host bridge [0600]: X [1234:5678]\n"
      "000:00:00.0 Host bridge [0600]: X [1234:5678]\n",
      "h.txt");
  EXPECT_FALSE(s.has_value());
}

TEST(LspciVerboseHostile, LongLinesAndManyNotesStayBounded) {
  std::string text(kPort);
  text += "\tCapabilities: [40] " + std::string(1 << 20, 'A') + "\n";
  for (int i = 0; i < 5000; ++i) text += "\tCapabilities: [zz] broken\n";
  text += "\n";
  for (int i = 0; i < 2000; ++i) text += "garbage " + std::to_string(i) + "\n";
  auto s = parse_lspci_verbose(text, "h.txt");
  ASSERT_TRUE(s.has_value());
  EXPECT_LE(s->notes.size(), 201u);
  EXPECT_TRUE(any_note_has(*s, "more notes not shown"));
}

TEST(LspciVerboseHostile, RandomDamageNeverBreaksTheInvariants) {
  const std::string base =
      std::string(kPort) +
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [80] MSI: Enable+ Count=1/1 Maskable- 64bit-\n"
      "\tCapabilities: [100 v1] Advanced Error Reporting\n"
      "\tCapabilities: [140 v1] Access Control Services\n"
      "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-\n"
      "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-\n"
      "\tIOMMU group: 8\n"
      "\tKernel driver in use: pcieport\n\n"
      "01:00.0 Ethernet controller [0200]: Intel Corporation I350 [8086:1521] (rev 01)\n"
      "\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n"
      "\tCapabilities: [100 v1] Single Root I/O Virtualization (SR-IOV)\n"
      "\t\tInitial VFs: 8, Total VFs: 8, Number of VFs: 0, Function Dependency Link: 00\n"
      "\t\tVF offset: 128, stride: 4, Device ID: 1520\n\n";
  std::mt19937 rng(12345);
  const std::string alphabet = "0123456789abcdef[]:.,+- \t\n\rvpcilib: Capabilities";
  for (int round = 0; round < 3000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text.erase(at, 1 + rng() % 6); break;
        case 1: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: text[at] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    const auto s = parse_lspci_verbose(text, "r.txt");
    if (!s) {
      EXPECT_FALSE(s.error().message_.empty());
      continue;
    }
    EXPECT_FALSE(s->functions.empty());
    for (const auto& f : s->functions) {
      EXPECT_TRUE(f.origin.starts_with("r.txt:")) << f.origin;
      // Whatever the damage, the walkers terminate on what was built.
      const auto list = pci::walk_extended_capabilities(f.config);
      EXPECT_LE(list.capabilities.size(), 480u);
    }
    for (std::size_t i = 1; i < s->kernel_groups.size(); ++i) {
      EXPECT_LT(s->kernel_groups[i - 1].id, s->kernel_groups[i].id);
    }
  }
}

}  // namespace
}  // namespace isogroup
