// parse_lspci_verbose on small hand-written texts: one rule per test, checked through the
// pci:: decoders so the test sees what the rest of isogroup will see.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "isogroup/pci/capabilities.h"
#include "isogroup/pci/decode.h"
#include "isogroup/sources/read.h"
#include "lspci_verbose_test_util.h"

namespace isogroup {
namespace {

using namespace lspci_verbose_test;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A root port with ACS and an NVMe endpoint behind it, as `lspci -vvnn` prints them
// (abridged: decoded lines the parser does not need are partly left out).
constexpr std::string_view kPortAndEndpoint =
    "00:1c.0 PCI bridge [0604]: Intel Corporation Sunrise Point-LP PCI Express Root Port #1 [8086:9d10] (rev f1) (prog-if 00 [Normal decode])\n"
    "\tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx+\n"
    "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort+ >SERR- <PERR- INTx-\n"
    "\tLatency: 0\n"
    "\tIOMMU group: 8\n"
    "\tBus: primary=00, secondary=01, subordinate=02, sec-latency=0\n"
    "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
    "\t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0\n"
    "\t\tSltCtl:\tEnable: AttnBtn- PwrFlt- MRL- PresDet- CmdCplt- HPIrq- LinkChg-\n"
    "\t\t\tControl: AttnInd Unknown, PwrInd Unknown, Power- Interlock-\n"
    "\t\tSltSta:\tStatus: AttnBtn- PowerFlt- MRL- CmdCplt- PresDet- Interlock-\n"
    "\tCapabilities: [80] MSI: Enable+ Count=1/1 Maskable- 64bit-\n"
    "\t\tAddress: fee00238  Data: 0000\n"
    "\tCapabilities: [90] Subsystem: Lenovo Sunrise Point-LP PCI Express Root Port [17aa:225d]\n"
    "\tCapabilities: [a0] Power Management version 3\n"
    "\t\tFlags: PMEClk- DSI- D1- D2- AuxCurrent=0mA PME(D0+,D1-,D2-,D3hot+,D3cold+)\n"
    "\t\tStatus: D0 NoSoftRst- PME-Enable- DSel=0 DScale=0 PME-\n"
    "\tCapabilities: [100 v1] Advanced Error Reporting\n"
    "\tCapabilities: [140 v1] Access Control Services\n"
    "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-\n"
    "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-\n"
    "\tCapabilities: [220 v1] Secondary PCI Express\n"
    "\tKernel driver in use: pcieport\n"
    "\n"
    "01:00.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller SM981/PM981/PM983 [144d:a808] (prog-if 02 [NVM Express])\n"
    "\tSubsystem: Samsung Electronics Co Ltd SSD 970 EVO/PRO [144d:a801]\n"
    "\tControl: I/O- Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx+\n"
    "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-\n"
    "\tIOMMU group: 9\n"
    "\tCapabilities: [40] Power Management version 3\n"
    "\tCapabilities: [50] MSI: Enable- Count=1/32 Maskable- 64bit+\n"
    "\tCapabilities: [70] Express (v2) Endpoint, MSI 00\n"
    "\tCapabilities: [b0] MSI-X: Enable+ Count=33 Masked-\n"
    "\tCapabilities: [100 v2] Advanced Error Reporting\n"
    "\tCapabilities: [148 v1] Device Serial Number 00-00-00-00-00-00-00-00\n"
    "\tCapabilities: [158 v1] Power Budgeting <?>\n"
    "\tKernel driver in use: nvme\n"
    "\tKernel modules: nvme\n"
    "\n";

Snapshot parse_ok(std::string_view text, std::string_view name = "t.txt") {
  auto s = parse_lspci_verbose(text, name);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
  return s ? std::move(*s) : Snapshot{};
}

TEST(LspciVerbose, HeaderLineGivesIdentity) {
  const Snapshot s = parse_ok(kPortAndEndpoint);
  EXPECT_EQ(s.kind, SourceKind::kLspciVerbose);
  EXPECT_EQ(s.source, "t.txt");
  ASSERT_EQ(s.functions.size(), 2u);
  const auto* port = find(s, "00:1c.0");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->origin, "t.txt:1");
  EXPECT_EQ(port->vendor_id, 0x8086);
  EXPECT_EQ(port->device_id, 0x9d10);
  EXPECT_EQ(port->class_code, 0x060400u);
  EXPECT_EQ(port->name, "Intel Corporation Sunrise Point-LP PCI Express Root Port #1");
  const pci::Identity id = pci::decode_identity(port->config);
  EXPECT_EQ(id.vendor_id, 0x8086);
  EXPECT_EQ(id.device_id, 0x9d10);
  EXPECT_EQ(id.class_code, 0x060400u);
  EXPECT_EQ(id.revision, 0xf1);
  // A bridge's 0x2c is not a subsystem ID; the "Subsystem:" capability line is not one either.
  EXPECT_EQ(id.subsystem_vendor_id, std::nullopt);
}

TEST(LspciVerbose, AbsentRevisionAndProgIfOnAWholeLineAreZero) {
  // lspci omits "(rev 00)"; a line that ends with its ids and suffixes is whole.
  const Snapshot s = parse_ok(kPortAndEndpoint);
  const auto* nvme = find(s, "01:00.0");
  ASSERT_NE(nvme, nullptr);
  const pci::Identity id = pci::decode_identity(nvme->config);
  EXPECT_EQ(id.revision, 0);
  EXPECT_EQ(id.class_code, 0x010802u);
  EXPECT_EQ(id.subsystem_vendor_id, 0x144d);
  EXPECT_EQ(id.subsystem_id, 0xa801);
}

TEST(LspciVerbose, BridgeBusNumbersAndLayout) {
  const Snapshot s = parse_ok(kPortAndEndpoint);
  const auto* port = find(s, "00:1c.0");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(pci::decode_header_layout(port->config), pci::HeaderLayout::kBridge);
  const auto buses = pci::decode_bridge_buses(port->config);
  ASSERT_TRUE(buses.has_value());
  EXPECT_EQ(buses->primary, 0x00);
  EXPECT_EQ(buses->secondary, 0x01);
  EXPECT_EQ(buses->subordinate, 0x02);
  EXPECT_EQ(pci::decode_header_layout(find(s, "01:00.0")->config), pci::HeaderLayout::kNormal);
}

TEST(LspciVerbose, StandardCapabilityChainIsRebuilt) {
  const Snapshot s = parse_ok(kPortAndEndpoint);
  const auto list = pci::walk_standard_capabilities(find(s, "00:1c.0")->config);
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_TRUE(list.problems.empty());
  // PCI Code and ID Assignment: Express 0x10, MSI 0x05, bridge subsystem 0x0d, PM 0x01.
  EXPECT_THAT(ids(list), ElementsAre(0x10, 0x05, 0x0d, 0x01));
  EXPECT_EQ(list.capabilities[2].offset, 0x90);
  const auto nvme = pci::walk_standard_capabilities(find(s, "01:00.0")->config);
  EXPECT_THAT(ids(nvme), ElementsAre(0x01, 0x05, 0x10, 0x11));
}

TEST(LspciVerbose, StatusLineInsideACapabilityIsNotTheStatusRegister) {
  // The PM capability's "Status: D0 ..." and SltSta's "Status:" come after the real one.
  const Snapshot s = parse_ok(kPortAndEndpoint);
  const auto status = find(s, "00:1c.0")->config.read16(0x06);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0x0010 | 0x2000);  // Cap+, <MAbort+ (PCI 3.0 §6.2.3), DEVSEL fast
}

TEST(LspciVerbose, PcieTypes) {
  const Snapshot s = parse_ok(kPortAndEndpoint);
  const pci::PcieInfo port = pci::decode_pcie(find(s, "00:1c.0")->config);
  EXPECT_EQ(port.is_pcie, Tristate::kTrue);
  EXPECT_EQ(port.offset, 0x40);
  EXPECT_EQ(port.type, pci::PcieType::kRootPort);
  EXPECT_EQ(pci::decode_pcie(find(s, "01:00.0")->config).type, pci::PcieType::kEndpoint);
}

TEST(LspciVerbose, AcsRegistersAndExtendedChain) {
  const Snapshot s = parse_ok(kPortAndEndpoint);
  const auto& config = find(s, "00:1c.0")->config;
  const auto ext = pci::walk_extended_capabilities(config);
  EXPECT_EQ(ext.complete, Tristate::kTrue);
  EXPECT_THAT(ids(ext), ElementsAre(0x0001, 0x000d, 0x0019));
  const pci::AcsInfo acs = pci::decode_acs(config);
  EXPECT_EQ(acs.present, Tristate::kTrue);
  EXPECT_EQ(acs.offset, 0x140);
  EXPECT_EQ(acs.capability, pci::kAcsSv | pci::kAcsTb | pci::kAcsRr | pci::kAcsCr);
  EXPECT_EQ(acs.control, pci::kAcsSv | pci::kAcsRr | pci::kAcsCr);
  // The endpoint lists extended capabilities, none of them ACS: known absent.
  EXPECT_EQ(pci::decode_acs(find(s, "01:00.0")->config).present, Tristate::kFalse);
}

TEST(LspciVerbose, DriversAndGroups) {
  const Snapshot s = parse_ok(kPortAndEndpoint);
  EXPECT_EQ(find(s, "00:1c.0")->driver, "pcieport");
  EXPECT_EQ(find(s, "01:00.0")->driver, "nvme");
  EXPECT_EQ(find(s, "00:1c.0")->iommu_group, 8);
  EXPECT_TRUE(s.has_kernel_groups);
  ASSERT_EQ(s.kernel_groups.size(), 2u);
  EXPECT_EQ(s.kernel_groups[0].id, 8);
  EXPECT_THAT(s.kernel_groups[0].devices, ElementsAre(Bdf::make(0, 0, 0x1c, 0)));
  EXPECT_EQ(s.kernel_groups[1].id, 9);
  EXPECT_EQ(s.privileged, Tristate::kTrue);
}

TEST(LspciVerbose, KernelGroupsSortedByIdAndDevicesSorted) {
  const Snapshot s = parse_ok(
      "00:1f.3 Audio device [0403]: Intel Corporation Audio [8086:9d71] (rev 21)\n"
      "\tIOMMU group: 11\n\n"
      "00:02.0 VGA compatible controller [0300]: Intel Corporation UHD [8086:5917] (rev 07)\n"
      "\tIOMMU group: 1\n\n"
      "00:1f.0 ISA bridge [0601]: Intel Corporation LPC [8086:9d4e] (rev 21)\n"
      "\tIOMMU group: 11\n\n");
  ASSERT_EQ(s.kernel_groups.size(), 2u);
  EXPECT_EQ(s.kernel_groups[0].id, 1);
  EXPECT_EQ(s.kernel_groups[1].id, 11);
  EXPECT_THAT(s.kernel_groups[1].devices, ElementsAre(Bdf::make(0, 0, 0x1f, 0), Bdf::make(0, 0, 0x1f, 3)));
  // Input order is kept for functions.
  EXPECT_EQ(s.functions[0].address, Bdf::make(0, 0, 0x1f, 3));
}

TEST(LspciVerbose, NoGroupLinesMeansNoKernelGroups) {
  const Snapshot s = parse_ok("00:02.0 VGA compatible controller [0300]: Intel Corporation UHD [8086:5917]\n\n");
  EXPECT_FALSE(s.has_kernel_groups);
  EXPECT_EQ(s.functions[0].iommu_group, std::nullopt);
}

TEST(LspciVerbose, DriverUnknownWithoutKernelLinesEmptyWithThem) {
  const Snapshot without = parse_ok("00:02.0 VGA compatible controller [0300]: Intel Corporation UHD [8086:5917]\n\n");
  EXPECT_EQ(without.functions[0].driver, std::nullopt);
  const Snapshot with = parse_ok(
      "00:02.0 VGA compatible controller [0300]: Intel Corporation UHD [8086:5917]\n"
      "\tKernel driver in use: i915\n\n"
      "00:08.0 System peripheral [0880]: Intel Corporation GMM [8086:1911]\n\n");
  EXPECT_EQ(with.functions[0].driver, "i915");
  EXPECT_EQ(with.functions[1].driver, "");
}

TEST(LspciVerbose, MultifunctionBitInferredFromSiblings) {
  const Snapshot s = parse_ok(
      "00:1f.0 ISA bridge [0601]: Intel Corporation LPC [8086:9d4e] (rev 21)\n\n"
      "00:1f.3 Audio device [0403]: Intel Corporation Audio [8086:9d71] (rev 21)\n\n"
      "00:02.0 VGA compatible controller [0300]: Intel Corporation UHD [8086:5917] (rev 07)\n\n"
      "01:1f.0 Ethernet controller [0200]: Intel Corporation NIC [8086:1521] (rev 01)\n\n");
  EXPECT_EQ(pci::decode_multifunction_bit(find(s, "00:1f.0")->config), Tristate::kTrue);
  EXPECT_EQ(pci::decode_multifunction_bit(find(s, "00:1f.3")->config), Tristate::kTrue);
  EXPECT_EQ(pci::decode_multifunction_bit(find(s, "00:02.0")->config), Tristate::kFalse);
  // Same device number on another bus is another slot.
  EXPECT_EQ(pci::decode_multifunction_bit(find(s, "01:1f.0")->config), Tristate::kFalse);
  EXPECT_TRUE(any_note_has(s, "multi-function bit"));
}

TEST(LspciVerbose, VmdDomainWithFiveDigits) {
  const Snapshot s = parse_ok(
      "0000:00:0e.0 RAID bus controller [0104]: Intel Corporation Volume Management Device NVMe RAID Controller [8086:a77f]\n\n"
      "10000:e0:06.0 PCI bridge [0604]: Intel Corporation Device [8086:a74d] (rev 01) (prog-if 00 [Normal decode])\n"
      "\tBus: primary=e0, secondary=e1, subordinate=e1, sec-latency=0\n\n");
  const auto* port = find(s, "10000:e0:06.0");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->address.domain, 0x10000u);
  EXPECT_EQ(port->address.bus, 0xe0);
  EXPECT_EQ(pci::decode_bridge_buses(port->config)->secondary, 0xe1);
}

TEST(LspciVerbose, TextWithoutNumericIds) {
  const Snapshot s = parse_ok(
      "00:1c.0 PCI bridge: Intel Corporation Sunrise Point-LP PCI Express Root Port #1 (rev f1) (prog-if 00 [Normal decode])\n"
      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n\n");
  const auto* port = find(s, "00:1c.0");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->vendor_id, std::nullopt);
  EXPECT_EQ(port->class_code, std::nullopt);
  EXPECT_EQ(port->name, "Intel Corporation Sunrise Point-LP PCI Express Root Port #1");
  const pci::Identity id = pci::decode_identity(port->config);
  EXPECT_EQ(id.vendor_id, std::nullopt);
  EXPECT_EQ(id.revision, 0xf1);
  EXPECT_EQ(pci::decode_header_layout(port->config), pci::HeaderLayout::kBridge);
  EXPECT_TRUE(any_note_has(s, "-nn"));
}

TEST(LspciVerbose, DamagedHeaderKeepsWhatSurvives) {
  // lspci shortens names that do not fit its buffer with "...", eating the device ID.
  const Snapshot s = parse_ok(
      "00:01.0 Host bridge [0600]: Intel Corporation Xeon\n\n"
      "ff:13.0 System peripheral [0880]: Intel Corporation Xeon E7 v3 Integrated Memory Controller 0 Target Address, "
      "Thermal & RAS Registers [8086... (rev 02)\n"
      "\tSubsystem: Intel Corporation Device [8086:2fa8]\n\n",
      "paste.txt");
  const auto* f = find(s, "ff:13.0");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->vendor_id, 0x8086);
  EXPECT_EQ(f->device_id, std::nullopt);
  EXPECT_EQ(f->class_code, std::nullopt);  // prog-if unknown
  const pci::Identity id = pci::decode_identity(f->config);
  EXPECT_EQ(id.revision, 0x02);
  EXPECT_EQ(id.device_id, std::nullopt);
  EXPECT_TRUE(any_note_has(s, "paste.txt:3"));
  // Cut before the ids: class still known, ids and revision unknown.
  const auto* host = find(s, "00:01.0");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->vendor_id, std::nullopt);
  EXPECT_EQ(pci::decode_identity(host->config).revision, std::nullopt);
  EXPECT_TRUE(any_note_has(s, "paste.txt:1"));
}

TEST(LspciVerbose, AccessDeniedLeavesCapabilitiesUnknown) {
  const Snapshot s = parse_ok(
      "00:1c.0 PCI bridge [0604]: Intel Corporation Root Port [8086:9d10] (rev f1) (prog-if 00 [Normal decode])\n"
      "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-\n"
      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
      "\tCapabilities: <access denied>\n"
      "\tKernel driver in use: pcieport\n\n");
  EXPECT_EQ(s.privileged, Tristate::kFalse);
  const auto& config = s.functions[0].config;
  EXPECT_FALSE(config.is_known(0x34));
  EXPECT_EQ(pci::walk_standard_capabilities(config).complete, Tristate::kUnknown);
  EXPECT_EQ(pci::decode_pcie(config).is_pcie, Tristate::kUnknown);
  EXPECT_EQ(pci::decode_acs(config).present, Tristate::kUnknown);
  EXPECT_TRUE(any_note_has(s, "without root"));
}

TEST(LspciVerbose, PcieFunctionWithoutExtendedCapabilitiesLeavesThemUnknown) {
  const Snapshot s = parse_ok(
      "00:1c.0 PCI bridge [0604]: Intel Corporation Root Port [8086:9d10] (rev f1) (prog-if 00 [Normal decode])\n"
      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [80] MSI: Enable+ Count=1/1 Maskable- 64bit-\n"
      "\tKernel driver in use: pcieport\n\n");
  const auto& config = s.functions[0].config;
  EXPECT_FALSE(config.is_known(0x100));
  EXPECT_EQ(pci::walk_extended_capabilities(config).complete, Tristate::kUnknown);
  EXPECT_EQ(pci::decode_acs(config).present, Tristate::kUnknown);
  EXPECT_TRUE(any_note_has(s, "no extended capabilities"));
  EXPECT_TRUE(any_note_has(s, "00:1c.0 (line 1)"));
}

TEST(LspciVerbose, ConventionalFunctionHasNoExtendedSpace) {
  const Snapshot s = parse_ok(
      "00:1e.0 PCI bridge [0604]: Intel Corporation 82801 PCI Bridge [8086:244e] (rev a4) (prog-if 01 [Subtractive decode])\n"
      "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-\n"
      "\tBus: primary=00, secondary=05, subordinate=05, sec-latency=32\n"
      "\tCapabilities: [50] Subsystem: Dell 82801 PCI Bridge [1028:0577]\n\n");
  const auto& config = s.functions[0].config;
  EXPECT_EQ(pci::decode_pcie(config).is_pcie, Tristate::kFalse);
  EXPECT_EQ(pci::decode_acs(config).present, Tristate::kFalse);
  EXPECT_FALSE(any_note_has(s, "no extended capabilities"));
}

TEST(LspciVerbose, NoCapabilityList) {
  const Snapshot s = parse_ok(
      "00:14.2 Signal processing controller [1180]: Intel Corporation Thermal [8086:9d31] (rev 21)\n"
      "\tStatus: Cap- 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-\n\n");
  const auto list = pci::walk_standard_capabilities(s.functions[0].config);
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_TRUE(list.capabilities.empty());
  EXPECT_EQ(s.privileged, Tristate::kUnknown);
}

TEST(LspciVerbose, DuplicateAddressIsAnErrorNamingBothLines) {
  const auto s = parse_lspci_verbose(
      "00:02.0 VGA compatible controller [0300]: Intel Corporation UHD [8086:5917]\n\n"
      "00:1f.0 ISA bridge [0601]: Intel Corporation LPC [8086:9d4e]\n\n"
      "0000:00:02.0 VGA compatible controller [0300]: Intel Corporation UHD [8086:5917]\n\n",
      "dup.txt");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code_, Errc::kInconsistent);
  EXPECT_EQ(s.error().context_, "dup.txt:5");
  EXPECT_THAT(s.error().message_, HasSubstr("lines 1 and 5"));
  EXPECT_THAT(s.error().message_, HasSubstr("0000:00:02.0"));
  EXPECT_FALSE(s.error().hint_.empty());
}

TEST(LspciVerbose, TextWithoutFunctionsIsAnError) {
  for (std::string_view text : {std::string_view(""), std::string_view("hello\nworld\n"),
                                std::string_view("\0\x01\xff", 3)}) {
    const auto s = parse_lspci_verbose(text, "x.txt");
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code_, Errc::kInvalidInput);
    EXPECT_EQ(s.error().context_, "x.txt");
  }
}

TEST(LspciVerbose, StrayStderrTextInsideALineIsRemoved) {
  // lspci's stderr lands mid-line; the interrupted line continues on the next one.
  const Snapshot s = parse_ok(
      "00:1c.0 PCI bridge [0604]: Intel Corporation Root Port [8086:9d10] (rev f1) (prog-if 00 [Normal decode])\n"
      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [100 v1] Access Conpcilib: sysfs_read_vpd: read failed: No such device\n"
      "trol Services\n"
      "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
      "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
      "pcilib: Error reading /sys/bus/pci/devices/0000:00:1c.0/label: Operation not permitted\n"
      "\tKernel driver in use: pcieport\n\n");
  const pci::AcsInfo acs = pci::decode_acs(s.functions[0].config);
  EXPECT_EQ(acs.present, Tristate::kTrue);
  EXPECT_EQ(acs.control, pci::kAcsSv | pci::kAcsRr | pci::kAcsCr | pci::kAcsUf);
  EXPECT_EQ(s.functions[0].driver, "pcieport");
  EXPECT_TRUE(any_note_has(s, "removed 2"));
}

TEST(LspciVerbose, CrlfAndSpacesInsteadOfTabs) {
  std::string text(kPortAndEndpoint);
  std::string converted;
  for (char c : text) {
    if (c == '\n') {
      converted += "\r\n";
    } else if (c == '\t') {
      converted += "    ";
    } else {
      converted += c;
    }
  }
  const Snapshot s = parse_ok(converted);
  ASSERT_EQ(s.functions.size(), 2u);
  const auto& config = find(s, "00:1c.0")->config;
  EXPECT_EQ(pci::decode_acs(config).control, pci::kAcsSv | pci::kAcsRr | pci::kAcsCr);
  EXPECT_EQ(pci::decode_bridge_buses(config)->subordinate, 0x02);
  EXPECT_EQ(find(s, "01:00.0")->driver, "nvme");
}

TEST(LspciVerbose, TrailingGarbageAndLeadingPromptAreIgnored) {
  std::string text = "$ sudo lspci -vvnn\n";
  text += kPortAndEndpoint;
  text += "user@host:~$ exit\n";
  const Snapshot s = parse_ok(text);
  EXPECT_EQ(s.functions.size(), 2u);
  EXPECT_TRUE(any_note_has(s, "ignored 2 line(s)"));
}

TEST(LspciVerbose, SriovAndAriRegisters) {
  const Snapshot s = parse_ok(
      "02:00.0 Ethernet controller [0200]: Intel Corporation I350 Gigabit Network Connection [8086:1521] (rev 01)\n"
      "\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n"
      "\tCapabilities: [100 v2] Advanced Error Reporting\n"
      "\tCapabilities: [150 v1] Alternative Routing-ID Interpretation (ARI)\n"
      "\t\tARICap:\tMFVC- ACS-, Next Function: 1\n"
      "\t\tARICtl:\tMFVC- ACS-, Function Group: 0\n"
      "\tCapabilities: [160 v1] Single Root I/O Virtualization (SR-IOV)\n"
      "\t\tIOVCap:\tMigration- 10BitTagReq- Interrupt Message Number: 000\n"
      "\t\tInitial VFs: 8, Total VFs: 8, Number of VFs: 2, Function Dependency Link: 00\n"
      "\t\tVF offset: 128, stride: 4, Device ID: 1520\n"
      "\tKernel driver in use: igb\n\n");
  const auto& config = s.functions[0].config;
  const pci::AriInfo ari = pci::decode_ari(config);
  EXPECT_EQ(ari.present, Tristate::kTrue);
  EXPECT_EQ(ari.next_function, 1);
  const pci::SriovInfo sriov = pci::decode_sriov(config);
  EXPECT_EQ(sriov.present, Tristate::kTrue);
  EXPECT_EQ(sriov.offset, 0x160);
  EXPECT_EQ(sriov.initial_vfs, 8);
  EXPECT_EQ(sriov.total_vfs, 8);
  EXPECT_EQ(sriov.num_vfs, 2);
  EXPECT_EQ(sriov.vf_offset, 128);
  EXPECT_EQ(sriov.vf_stride, 4);
  EXPECT_EQ(sriov.vf_device_id, 0x1520);  // printed in hex
  // Registers lspci did not print stay unknown (SR-IOV Control, PCIe r6.0 §9.3.3.3).
  EXPECT_FALSE(config.is_known(0x160 + 0x08));
}

TEST(LspciVerbose, MissingAcsLinesLeaveRegistersUnknown) {
  const Snapshot s = parse_ok(
      "00:1c.0 PCI bridge [0604]: Intel Corporation Root Port [8086:9d10] (prog-if 00 [Normal decode])\n"
      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [100 v1] Access Control Services\n"
      "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+\n"
      "\tKernel driver in use: pcieport\n\n");
  const pci::AcsInfo acs = pci::decode_acs(s.functions[0].config);
  EXPECT_EQ(acs.present, Tristate::kTrue);
  EXPECT_EQ(acs.capability, std::nullopt);  // two labels missing
  EXPECT_EQ(acs.control, std::nullopt);
}

TEST(LspciVerbose, UnnamedCapabilitiesByNumber) {
  const Snapshot s = parse_ok(
      "00:1b.0 PCI bridge [0604]: Intel Corporation Root Port [8086:a340] (rev f0) (prog-if 00 [Normal decode])\n"
      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [50] Capability ID 0x15 [0000]\n"
      "\tCapabilities: [60] #1f [0000]\n"
      "\tCapabilities: [100 v1] Extended Capability ID 0x2a\n"
      "\tCapabilities: [110 v1] Null\n\n");
  const auto& config = s.functions[0].config;
  EXPECT_THAT(ids(pci::walk_standard_capabilities(config)), ElementsAre(0x10, 0x15, 0x1f));
  EXPECT_THAT(ids(pci::walk_extended_capabilities(config)), ElementsAre(0x2a, 0x00));
}

TEST(LspciVerbose, UnrecognisedNameKeepsTheChainButNotTheId) {
  const Snapshot s = parse_ok(
      "00:1b.0 PCI bridge [0604]: Intel Corporation Root Port [8086:a340] (rev f0) (prog-if 00 [Normal decode])\n"
      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [100 v1] Advanced Error Reporting\n"
      "\tCapabilities: [140 v1] Something From The Future\n"
      "\tCapabilities: [180 v1] Access Control Services\n"
      "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"
      "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n\n");
  const auto& config = s.functions[0].config;
  EXPECT_FALSE(config.is_known(0x140));      // the ID
  EXPECT_EQ(config.read8(0x143), 0x180 >> 4);  // the next pointer
  const auto ext = pci::walk_extended_capabilities(config);
  EXPECT_EQ(ext.complete, Tristate::kUnknown);
  EXPECT_THAT(ids(ext), ElementsAre(0x0001));
  // The ACS registers themselves are still there for a reader that knows the offset.
  EXPECT_EQ(config.read16(0x184), 0x001f);
  EXPECT_TRUE(any_note_has(s, "Something From The Future"));
}

TEST(LspciVerbose, VirtualChannelIdDependsOnMfvc) {
  const Snapshot s = parse_ok(
      "03:00.0 Multimedia [0401]: Vendor Device [1234:0001]\n"
      "\tCapabilities: [40] Express (v2) Endpoint, MSI 00\n"
      "\tCapabilities: [100 v1] Virtual Channel\n\n"
      "04:00.0 Multimedia [0401]: Vendor Device [1234:0002]\n"
      "\tCapabilities: [40] Express (v2) Endpoint, MSI 00\n"
      "\tCapabilities: [100 v1] Multi-Function Virtual Channel <?>\n\n"
      "04:00.1 Multimedia [0401]: Vendor Device [1234:0003]\n"
      "\tCapabilities: [40] Express (v2) Endpoint, MSI 00\n"
      "\tCapabilities: [100 v1] Virtual Channel\n\n");
  // PCIe r6.0 §7.9.1: ID 0x0009 in devices with an MFVC capability, 0x0002 otherwise.
  EXPECT_THAT(ids(pci::walk_extended_capabilities(find(s, "03:00.0")->config)), ElementsAre(0x0002));
  EXPECT_THAT(ids(pci::walk_extended_capabilities(find(s, "04:00.0")->config)), ElementsAre(0x0008));
  EXPECT_THAT(ids(pci::walk_extended_capabilities(find(s, "04:00.1")->config)), ElementsAre(0x0009));
}

TEST(LspciVerbose, ChainLoopedAndBroken) {
  const Snapshot s = parse_ok(
      "00:01.0 Host bridge [0600]: Vendor Device [1234:0001]\n"
      "\tCapabilities: [40] Power Management version 3\n"
      "\tCapabilities: [50] MSI: Enable- Count=1/1 Maskable- 64bit-\n"
      "\tCapabilities: [40] <chain looped>\n\n"
      "00:02.0 Host bridge [0600]: Vendor Device [1234:0002]\n"
      "\tCapabilities: [40] Power Management version 3\n"
      "\tCapabilities: [60] <chain broken>\n\n");
  const auto looped = pci::walk_standard_capabilities(find(s, "00:01.0")->config);
  EXPECT_THAT(ids(looped), ElementsAre(0x01, 0x05));
  EXPECT_FALSE(looped.problems.empty());
  const auto broken = pci::walk_standard_capabilities(find(s, "00:02.0")->config);
  EXPECT_THAT(ids(broken), ElementsAre(0x01));
  // lspci stops at an ID of 0xff without reading its next pointer.
  EXPECT_EQ(find(s, "00:02.0")->config.read8(0x60), 0xff);
  EXPECT_FALSE(broken.complete == Tristate::kTrue && broken.problems.empty());
}

TEST(LspciVerbose, BridgeClassWithoutBusLine) {
  const Snapshot s = parse_ok(
      "00:1c.0 PCI bridge [0604]: Intel Corporation Root Port [8086:9d10] (rev f1) (prog-if 00 [Normal decode])\n"
      "\tKernel driver in use: pcieport\n\n");
  const auto& config = s.functions[0].config;
  EXPECT_EQ(pci::decode_header_layout(config), pci::HeaderLayout::kBridge);
  EXPECT_EQ(pci::decode_bridge_buses(config), std::nullopt);
  EXPECT_TRUE(any_note_has(s, "Bus line"));
}

TEST(LspciVerbose, CardBusBridgeKeepsItsPointerAt0x14) {
  const Snapshot s = parse_ok(
      "02:06.0 CardBus bridge [0607]: Texas Instruments PCI1510 PC card Cardbus Controller [104c:ac56]\n"
      "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=medium >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-\n"
      "\tBus: primary=02, secondary=03, subordinate=06, sec-latency=176\n"
      "\tCapabilities: [a0] Power Management version 2\n\n");
  const auto& config = s.functions[0].config;
  EXPECT_EQ(pci::decode_header_layout(config), pci::HeaderLayout::kCardBus);
  EXPECT_EQ(config.read8(0x14), 0xa0);
  EXPECT_THAT(ids(pci::walk_standard_capabilities(config)), ElementsAre(0x01));
}

TEST(LspciVerbose, TruncatedLastBlockLeavesTheListEndUnknown) {
  const Snapshot s = parse_ok(
      "00:1c.0 PCI bridge [0604]: Intel Corporation Root Port [8086:9d10] (rev f1) (prog-if 00 [Normal decode])\n"
      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [100 v1] Advanced Error Reporting\n"
      "\t\tUESta:\tDLP- SDES- TLP-");
  const auto& config = s.functions[0].config;
  EXPECT_FALSE(config.is_known(0x41));  // next pointer of the last standard capability
  EXPECT_EQ(pci::walk_extended_capabilities(config).complete, Tristate::kUnknown);
  EXPECT_EQ(pci::decode_acs(config).present, Tristate::kUnknown);
}

TEST(LspciVerbose, MissingTrailingBlankLineAfterDriverIsStillWhole) {
  const Snapshot s = parse_ok(
      "00:1c.0 PCI bridge [0604]: Intel Corporation Root Port [8086:9d10] (rev f1) (prog-if 00 [Normal decode])\n"
      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
      "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
      "\tCapabilities: [100 v1] Advanced Error Reporting\n"
      "\tKernel driver in use: pcieport");
  EXPECT_EQ(pci::decode_acs(s.functions[0].config).present, Tristate::kFalse);
}

TEST(LspciVerbose, NumaNode) {
  const Snapshot s = parse_ok(
      "80:04.0 System peripheral [0880]: Intel Corporation CBDMA [8086:2021] (rev 04)\n"
      "\tNUMA node: 1\n\n");
  EXPECT_EQ(s.functions[0].numa_node, 1);
}

}  // namespace
}  // namespace isogroup
