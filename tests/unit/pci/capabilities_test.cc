#include "isogroup/pci/capabilities.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fakes/config_builder.h"

namespace isogroup::pci {
namespace {

using isogroup::testing::ConfigBuilder;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Capability IDs used below (PCI Code and ID Assignment Spec): 0x01 power management,
// 0x05 MSI, 0x10 PCI Express, 0x11 MSI-X; extended 0x0001 AER, 0x000d ACS, 0x000e ARI.
constexpr std::uint8_t kPm = 0x01, kMsi = 0x05, kPcie = 0x10, kMsix = 0x11;
constexpr std::uint16_t kAer = 0x0001, kAcs = 0x000d, kAri = 0x000e;

struct Entry {
  std::uint16_t id, offset;
  friend bool operator==(const Entry&, const Entry&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Entry& e) {
    return os << "{id 0x" << std::hex << e.id << " at 0x" << e.offset << "}";
  }
};

std::vector<Entry> entries(const CapabilityList& list) {
  std::vector<Entry> out;
  for (const Capability& cap : list.capabilities) out.push_back({cap.id, cap.offset});
  return out;
}

std::string problems(const CapabilityList& list) {
  std::string all;
  for (const auto& p : list.problems) all += p + "; ";
  return all;
}

ConfigBuilder pcie_endpoint() {
  return ConfigBuilder::endpoint(0x8086, 0x1533, 0x020000)
      .standard_capability(kPm, 8)
      .standard_capability(kMsi, 0x18)
      .pcie(PcieType::kEndpoint)
      .standard_capability(kMsix, 0x0c);
}

// --- the standard list ---

TEST(StandardCapabilities, WalksTheChainInOrder) {
  const CapabilityList list = walk_standard_capabilities(pcie_endpoint().build());
  // The builder packs them from 0x40: PM 8 bytes, MSI 0x18, PCIe 0x3c (rounded to 4).
  EXPECT_THAT(entries(list), ElementsAre(Entry{kPm, 0x40}, Entry{kMsi, 0x48}, Entry{kPcie, 0x60},
                                         Entry{kMsix, 0x9c}));
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_THAT(list.problems, IsEmpty());
  for (const Capability& cap : list.capabilities) EXPECT_FALSE(cap.extended);
}

TEST(StandardCapabilities, StatusBitClearMeansNoListEvenWithAPointer) {
  // PCI 3.0 §6.7: the pointer is only meaningful when Status bit 4 says a list exists.
  auto builder = pcie_endpoint();
  builder.poke16(0x06, 0x0000);
  const CapabilityList list = walk_standard_capabilities(builder.build());
  EXPECT_THAT(list.capabilities, IsEmpty());
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_EQ(find_standard_capability(builder.build(), kPcie).present, Tristate::kFalse);
}

TEST(StandardCapabilities, UnknownStatusMeansUnknownList) {
  ConfigSpace config = pcie_endpoint().build();
  config.forget(0x06, 2);
  const CapabilityList list = walk_standard_capabilities(config);
  EXPECT_THAT(list.capabilities, IsEmpty());
  EXPECT_EQ(list.complete, Tristate::kUnknown);
  EXPECT_EQ(find_standard_capability(config, kPcie).present, Tristate::kUnknown);
}

TEST(StandardCapabilities, UnknownHeaderTypeMeansUnknownList) {
  // Without the header type the pointer's location (0x34 or CardBus 0x14) is unknown.
  ConfigSpace config = pcie_endpoint().build();
  config.forget(0x0e, 1);
  EXPECT_EQ(walk_standard_capabilities(config).complete, Tristate::kUnknown);
}

TEST(StandardCapabilities, CardBusPointerIsAt0x14) {
  auto builder = ConfigBuilder::endpoint(0x1217, 0x7134, 0x060700);
  builder.poke8(0x0e, 0x02).poke16(0x06, 0x0010).poke8(0x14, 0x80).poke8(0x34, 0x40);
  builder.poke8(0x80, kPm).poke8(0x81, 0x00);
  builder.poke8(0x40, kMsi).poke8(0x41, 0x00);  // decoy where a type-0 pointer would lead
  EXPECT_THAT(entries(walk_standard_capabilities(builder.build())), ElementsAre(Entry{kPm, 0x80}));
}

TEST(StandardCapabilities, NoCapabilitiesAtAll) {
  const ConfigSpace config = ConfigBuilder::endpoint(0x8086, 0x0d57, 0x060000).build();
  const CapabilityList list = walk_standard_capabilities(config);
  EXPECT_THAT(list.capabilities, IsEmpty());
  EXPECT_EQ(list.complete, Tristate::kTrue);
}

TEST(StandardCapabilities, LoopIsCutAndReported) {
  auto builder = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000)
                     .standard_capability(kPm, 8)
                     .standard_capability(kMsi, 8)
                     .standard_capability(kMsix, 8);
  builder.poke8(0x51, 0x48);  // the third points back to the second
  const CapabilityList list = walk_standard_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kPm, 0x40}, Entry{kMsi, 0x48}, Entry{kMsix, 0x50}));
  EXPECT_THAT(problems(list), HasSubstr("loop at 0x48"));
  // Every link was read, so what is not on the list is absent.
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_EQ(find_standard_capability(builder.build(), kPcie).present, Tristate::kFalse);
}

TEST(StandardCapabilities, SelfPointer) {
  auto builder = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000).standard_capability(kMsi, 8);
  builder.poke8(0x41, 0x40);
  const CapabilityList list = walk_standard_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kMsi, 0x40}));
  EXPECT_THAT(problems(list), HasSubstr("loop at 0x40"));
}

TEST(StandardCapabilities, PointerIntoTheHeaderEndsTheList) {
  auto builder = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000).standard_capability(kMsi, 8);
  builder.poke8(0x41, 0x20);
  // Make 0x20 look like a capability, so following it would be visible.
  builder.poke8(0x20, kPcie).poke8(0x21, 0x00);
  const CapabilityList list = walk_standard_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kMsi, 0x40}));
  EXPECT_THAT(problems(list), HasSubstr("pointer 0x20 into the header"));
}

TEST(StandardCapabilities, FirstPointerIntoTheHeader) {
  auto builder = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000).standard_capability(kMsi, 8);
  builder.poke8(0x34, 0x3c);
  const CapabilityList list = walk_standard_capabilities(builder.build());
  EXPECT_THAT(list.capabilities, IsEmpty());
  EXPECT_THAT(problems(list), HasSubstr("into the header"));
}

TEST(StandardCapabilities, MisalignedPointerIsMasked) {
  // PCI 3.0 §6.7: the bottom two bits of a pointer are reserved; software masks them.
  auto builder = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000)
                     .standard_capability(kPm, 8)
                     .standard_capability(kMsi, 8);
  builder.poke8(0x34, 0x43).poke8(0x41, 0x4a);
  const CapabilityList list = walk_standard_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kPm, 0x40}, Entry{kMsi, 0x48}));
  EXPECT_THAT(problems(list), HasSubstr("misaligned pointer 0x43"));
}

TEST(StandardCapabilities, PointerAt0xffReadsTheLastDword) {
  auto builder = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000);
  builder.poke16(0x06, 0x0010).poke8(0x34, 0xff).poke8(0xfc, kMsix).poke8(0xfd, 0x00);
  const ConfigSpace config = builder.truncate(256).build();
  const CapabilityList list = walk_standard_capabilities(config);
  EXPECT_THAT(entries(list), ElementsAre(Entry{kMsix, 0xfc}));
  EXPECT_EQ(list.complete, Tristate::kTrue);
}

TEST(StandardCapabilities, IdAllOnesEndsTheList) {
  // A function that stops answering reads as all ones; 0xff is not a capability.
  auto builder = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000).standard_capability(kPm, 8);
  builder.poke8(0x41, 0x80).poke8(0x80, 0xff).poke8(0x81, 0x40);
  const CapabilityList list = walk_standard_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kPm, 0x40}));
  EXPECT_THAT(problems(list), HasSubstr("0xff"));
}

TEST(StandardCapabilities, FullListOf48IsWalked) {
  auto builder = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000);
  for (int i = 0; i < 48; ++i) builder.standard_capability(static_cast<std::uint8_t>(0x20 + i), 4);
  const CapabilityList list = walk_standard_capabilities(builder.build());
  ASSERT_EQ(list.capabilities.size(), 48u);
  EXPECT_EQ(list.capabilities.back().offset, 0xfc);
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_THAT(list.problems, IsEmpty());
}

TEST(StandardCapabilities, TruncatedAt64BytesIsUnknown) {
  // An unprivileged read of sysfs config returns only the 64-byte header.
  const ConfigSpace config = pcie_endpoint().truncate(64).build();
  const CapabilityList list = walk_standard_capabilities(config);
  EXPECT_THAT(list.capabilities, IsEmpty());
  EXPECT_EQ(list.complete, Tristate::kUnknown);
  EXPECT_EQ(find_standard_capability(config, kPcie).present, Tristate::kUnknown);
}

TEST(StandardCapabilities, ListRunningIntoUnknownBytesKeepsWhatWasRead) {
  ConfigSpace config = pcie_endpoint().build();
  config.forget(0x60, 0x40);  // the PCIe capability and what follows
  const CapabilityList list = walk_standard_capabilities(config);
  EXPECT_THAT(entries(list), ElementsAre(Entry{kPm, 0x40}, Entry{kMsi, 0x48}));
  EXPECT_EQ(list.complete, Tristate::kUnknown);
  const CapabilityLookup pm = find_standard_capability(config, kPm);
  EXPECT_EQ(pm.present, Tristate::kTrue);
  EXPECT_EQ(pm.offset, 0x40);
  EXPECT_EQ(find_standard_capability(config, kMsix).present, Tristate::kUnknown);
}

TEST(StandardCapabilities, FindGivesTheFirstOfItsKind) {
  const auto config = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000)
                          .standard_capability(0x09, 8)
                          .standard_capability(0x09, 8)
                          .build();
  const CapabilityLookup lookup = find_standard_capability(config, 0x09);
  EXPECT_EQ(lookup.present, Tristate::kTrue);
  EXPECT_EQ(lookup.offset, 0x40);
}

// --- the extended list ---

ConfigBuilder pcie_port_with_extended() {
  return ConfigBuilder::bridge(0x8086, 0xa110, 0, 1, 1)
      .pcie(PcieType::kRootPort)
      .extended_capability(kAer, 2, 0x48)
      .acs(0x001f, 0x001d)
      .ari(0);
}

TEST(ExtendedCapabilities, WalksTheChainInOrder) {
  const CapabilityList list = walk_extended_capabilities(pcie_port_with_extended().build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kAer, 0x100}, Entry{kAcs, 0x148}, Entry{kAri, 0x150}));
  ASSERT_EQ(list.capabilities.size(), 3u);
  EXPECT_EQ(list.capabilities[0].version, 2);
  EXPECT_EQ(list.capabilities[1].version, 1);
  EXPECT_TRUE(list.capabilities[0].extended);
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_THAT(list.problems, IsEmpty());
}

TEST(ExtendedCapabilities, HeaderZeroMeansNone) {
  const ConfigSpace config = ConfigBuilder::endpoint(0x8086, 0x1533, 0x020000).pcie(PcieType::kEndpoint).build();
  const CapabilityList list = walk_extended_capabilities(config);
  EXPECT_THAT(list.capabilities, IsEmpty());
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_EQ(find_extended_capability(config, kAcs).present, Tristate::kFalse);
}

TEST(ExtendedCapabilities, HeaderAllOnesMeansNone) {
  auto builder = pcie_port_with_extended();
  builder.poke32(0x100, 0xffffffff);
  const CapabilityList list = walk_extended_capabilities(builder.build());
  EXPECT_THAT(list.capabilities, IsEmpty());
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_EQ(find_extended_capability(builder.build(), kAcs).present, Tristate::kFalse);
}

TEST(ExtendedCapabilities, TruncatedAt64BytesIsUnknown) {
  const ConfigSpace config = pcie_port_with_extended().truncate(64).build();
  const CapabilityList list = walk_extended_capabilities(config);
  EXPECT_THAT(list.capabilities, IsEmpty());
  EXPECT_EQ(list.complete, Tristate::kUnknown);
  EXPECT_EQ(find_extended_capability(config, kAcs).present, Tristate::kUnknown);
}

TEST(ExtendedCapabilities, TruncatedAt256BytesIsUnknownForPcie) {
  // A PCIe function has 4096 bytes; with only 256 read, ACS may well exist.
  const ConfigSpace config = pcie_port_with_extended().truncate(256).build();
  EXPECT_EQ(walk_extended_capabilities(config).complete, Tristate::kUnknown);
  EXPECT_EQ(find_extended_capability(config, kAcs).present, Tristate::kUnknown);
}

TEST(ExtendedCapabilities, ConventionalFunctionHasNoExtendedSpace) {
  // The kernel gives a function without a PCIe (or PCI-X 266/533) capability 256 bytes of
  // config space, so a conventional function's ACS is absent even though 0x100 is unread.
  const ConfigSpace config = ConfigBuilder::endpoint(0x1af4, 0x1041, 0x020000)
                                 .standard_capability(kMsix, 0x0c)
                                 .truncate(256)
                                 .build();
  EXPECT_EQ(walk_extended_capabilities(config).complete, Tristate::kTrue);
  EXPECT_EQ(find_extended_capability(config, kAcs).present, Tristate::kFalse);
}

TEST(ExtendedCapabilities, ConventionalFunctionIgnoresBytesAt0x100) {
  auto builder = ConfigBuilder::endpoint(0x1af4, 0x1041, 0x020000).standard_capability(kMsix, 0x0c);
  builder.poke32(0x100, 0x0001000d);  // would read as ACS
  EXPECT_EQ(find_extended_capability(builder.build(), kAcs).present, Tristate::kFalse);
}

TEST(ExtendedCapabilities, PciX266HasExtendedSpace) {
  // PCI-X 2.0 capability with the 266 MHz bit in its status register (bit 30).
  auto builder = ConfigBuilder::endpoint(0x8086, 0x1010, 0x020000).standard_capability(0x07, 8);
  builder.poke32(0x44, 0x40000000).poke32(0x100, 0x0001000d);
  EXPECT_EQ(find_extended_capability(builder.build(), kAcs).present, Tristate::kTrue);
  builder.poke32(0x44, 0x00000000);
  EXPECT_EQ(find_extended_capability(builder.build(), kAcs).present, Tristate::kFalse);
}

TEST(ExtendedCapabilities, SpaceMirroringTheHeaderIsNotExtended) {
  // Host bridges that decode 8 register-address bits repeat the header every 256 bytes.
  auto builder = ConfigBuilder::endpoint(0x8086, 0x1533, 0x020000).pcie(PcieType::kEndpoint);
  const auto bytes = builder.bytes();
  for (std::size_t window = 0x100; window < 0x1000; window += 0x100) {
    for (std::size_t i = 0; i < 256; ++i) builder.poke8(window + i, bytes[i]);
  }
  const CapabilityList list = walk_extended_capabilities(builder.build());
  EXPECT_THAT(list.capabilities, IsEmpty());
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_THAT(problems(list), HasSubstr("repeats the header"));
}

TEST(ExtendedCapabilities, MirrorThatCannotBeConfirmedIsUnknown) {
  auto builder = ConfigBuilder::endpoint(0x8086, 0x1533, 0x020000).pcie(PcieType::kEndpoint);
  builder.poke32(0x100, 0x15338086);  // 0x100 repeats dword 0 ...
  ConfigSpace config = builder.build();
  config.forget(0x200, 0xe00);        // ... and the other windows are unread
  EXPECT_EQ(walk_extended_capabilities(config).complete, Tristate::kUnknown);
  builder.poke32(0x300, 0x0001000d);  // one window that differs settles it
  EXPECT_EQ(walk_extended_capabilities(builder.build()).complete, Tristate::kTrue);
}

TEST(ExtendedCapabilities, TextSourceKnowingOnlyTheChain) {
  // What lspci -vvnn reveals: the ids, the headers of each capability and little else.
  ConfigSpace config;
  config.set16(0x00, 0x8086);
  config.set16(0x02, 0xa110);
  config.set8(0x0e, 0x01);
  config.set16(0x06, 0x0010);
  config.set8(0x34, 0x40);
  config.set8(0x40, 0x10);
  config.set8(0x41, 0x00);
  config.set32(0x100, 0x00020001 | 0x148u << 20);
  config.set32(0x148, 0x0001000d);
  const CapabilityList list = walk_extended_capabilities(config);
  EXPECT_THAT(entries(list), ElementsAre(Entry{kAer, 0x100}, Entry{kAcs, 0x148}));
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_EQ(find_extended_capability(config, kAri).present, Tristate::kFalse);
  // Without the ids the 256-byte-mirror check cannot be made: what is seen stays seen,
  // but nothing can be ruled out.
  config.forget(0x00, 4);
  EXPECT_EQ(find_extended_capability(config, kAcs).present, Tristate::kTrue);
  EXPECT_EQ(find_extended_capability(config, kAri).present, Tristate::kUnknown);
}

TEST(ExtendedCapabilities, LoopIsCutAndReported) {
  auto builder = pcie_port_with_extended();
  // ARI at 0x150 points back to ACS at 0x148: next in bits 31:20.
  builder.poke32(0x150, 0x0001000e | 0x148u << 20);
  const CapabilityList list = walk_extended_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kAer, 0x100}, Entry{kAcs, 0x148}, Entry{kAri, 0x150}));
  EXPECT_THAT(problems(list), HasSubstr("loop at 0x148"));
  EXPECT_EQ(list.complete, Tristate::kTrue);
}

TEST(ExtendedCapabilities, SelfLoopAt0x100) {
  auto builder = pcie_port_with_extended();
  builder.poke32(0x100, 0x00020001 | 0x100u << 20);
  const CapabilityList list = walk_extended_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kAer, 0x100}));
  EXPECT_THAT(problems(list), HasSubstr("loop at 0x100"));
  EXPECT_EQ(find_extended_capability(builder.build(), kAcs).present, Tristate::kFalse);
}

TEST(ExtendedCapabilities, NextPointerBelow0x100IsInvalid) {
  auto builder = pcie_port_with_extended();
  builder.poke32(0x100, 0x00020001 | 0x040u << 20);
  const CapabilityList list = walk_extended_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kAer, 0x100}));
  EXPECT_THAT(problems(list), HasSubstr("below the extended space"));
}

TEST(ExtendedCapabilities, MisalignedNextIsMasked) {
  auto builder = pcie_port_with_extended();
  builder.poke32(0x100, 0x00020001 | 0x14bu << 20);
  const CapabilityList list = walk_extended_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kAer, 0x100}, Entry{kAcs, 0x148}, Entry{kAri, 0x150}));
  EXPECT_THAT(problems(list), HasSubstr("misaligned"));
}

TEST(ExtendedCapabilities, ChainIntoUnknownBytesIsUnknown) {
  ConfigSpace config = pcie_port_with_extended().build();
  config.forget(0x148, 8);
  const CapabilityList list = walk_extended_capabilities(config);
  EXPECT_THAT(entries(list), ElementsAre(Entry{kAer, 0x100}));
  EXPECT_EQ(list.complete, Tristate::kUnknown);
  EXPECT_EQ(find_extended_capability(config, kAer).present, Tristate::kTrue);
  EXPECT_EQ(find_extended_capability(config, kAcs).present, Tristate::kUnknown);
}

TEST(ExtendedCapabilities, EmptyHeaderMidListEndsIt) {
  auto builder = pcie_port_with_extended();
  builder.poke32(0x148, 0);
  const CapabilityList list = walk_extended_capabilities(builder.build());
  EXPECT_THAT(entries(list), ElementsAre(Entry{kAer, 0x100}));
  EXPECT_THAT(problems(list), HasSubstr("empty extended capability header at 0x148"));
}

TEST(ExtendedCapabilities, LongestPossibleChainTerminates) {
  // 960 header-only capabilities packed every 4 bytes: the walk stops at its cap.
  auto builder = ConfigBuilder::endpoint(0x1234, 0x5678, 0x020000).pcie(PcieType::kEndpoint);
  for (std::size_t at = 0x100; at < 0x1000; at += 4) {
    const std::uint32_t next = at + 4 < 0x1000 ? static_cast<std::uint32_t>(at + 4) : 0;
    builder.poke32(at, 0x00010000u | 0x0b | next << 20);
  }
  const CapabilityList list = walk_extended_capabilities(builder.build());
  EXPECT_EQ(list.capabilities.size(), 480u);
  EXPECT_THAT(problems(list), HasSubstr("list abandoned"));
}

TEST(ExtendedCapabilities, EmptyConfigSpaceIsUnknown) {
  const ConfigSpace config;
  EXPECT_EQ(walk_standard_capabilities(config).complete, Tristate::kUnknown);
  EXPECT_EQ(walk_extended_capabilities(config).complete, Tristate::kUnknown);
}

}  // namespace
}  // namespace isogroup::pci
