#include "isogroup/pci/decode.h"

#include <gtest/gtest.h>

#include "fakes/config_builder.h"

namespace isogroup::pci {
namespace {

using isogroup::testing::ConfigBuilder;

TEST(DecodeIdentity, Endpoint) {
  const auto config = ConfigBuilder::endpoint(0x8086, 0x1533, 0x020000)
                          .revision(0x03)
                          .subsystem(0x15d9, 0x1533)
                          .build();
  const Identity id = decode_identity(config);
  EXPECT_EQ(id.vendor_id, 0x8086);
  EXPECT_EQ(id.device_id, 0x1533);
  EXPECT_EQ(id.class_code, 0x020000u);
  EXPECT_EQ(id.revision, 0x03);
  EXPECT_EQ(id.subsystem_vendor_id, 0x15d9);
  EXPECT_EQ(id.subsystem_id, 0x1533);
}

TEST(DecodeIdentity, ClassCodeBytesInOrder) {
  // Class code is base 0x0b, sub 0x0a, prog-if 0x09 (PCI 3.0 §6.2.1): xHCI is 0c 03 30.
  const auto config = ConfigBuilder::endpoint(0x1b21, 0x2142, 0x0c0330).build();
  EXPECT_EQ(config.read8(0x0b), 0x0c);
  EXPECT_EQ(config.read8(0x0a), 0x03);
  EXPECT_EQ(config.read8(0x09), 0x30);
  EXPECT_EQ(decode_identity(config).class_code, 0x0c0330u);
}

TEST(DecodeIdentity, BridgeHasNoSubsystemInItsHeader) {
  // In a type-1 header 0x2c is the prefetchable base upper 32 bits, not a subsystem id.
  auto builder = ConfigBuilder::bridge(0x8086, 0xa110, 0, 1, 1);
  builder.poke32(0x2c, 0x12345678);
  const Identity id = decode_identity(builder.build());
  EXPECT_EQ(id.class_code, 0x060400u);
  EXPECT_EQ(id.subsystem_vendor_id, std::nullopt);
  EXPECT_EQ(id.subsystem_id, std::nullopt);
}

TEST(DecodeIdentity, AbsentFunctionStillDecodes) {
  // All ones is what a read of a missing function returns; the caller decides.
  std::vector<std::uint8_t> ones(64, 0xff);
  const Identity id = decode_identity(ConfigSpace::from_bytes(ones));
  EXPECT_EQ(id.vendor_id, 0xffff);
  EXPECT_EQ(id.device_id, 0xffff);
}

TEST(DecodeIdentity, UnknownBytesAreNotZero) {
  ConfigSpace config;
  config.set16(0x00, 0x10de);
  config.set16(0x02, 0x2204);
  const Identity id = decode_identity(config);
  EXPECT_EQ(id.vendor_id, 0x10de);
  EXPECT_EQ(id.device_id, 0x2204);
  EXPECT_EQ(id.class_code, std::nullopt);
  EXPECT_EQ(id.revision, std::nullopt);
  EXPECT_EQ(id.subsystem_vendor_id, std::nullopt);  // header type unknown too
  config.set8(0x09, 0x00);
  config.set8(0x0a, 0x00);
  EXPECT_EQ(decode_identity(config).class_code, std::nullopt);  // base class still missing
  config.set8(0x0b, 0x03);
  EXPECT_EQ(decode_identity(config).class_code, 0x030000u);
}

TEST(DecodeHeader, Layouts) {
  EXPECT_EQ(decode_header_layout(ConfigBuilder::endpoint(1, 2, 0x020000).build()), HeaderLayout::kNormal);
  EXPECT_EQ(decode_header_layout(ConfigBuilder::bridge(1, 2, 0, 1, 1).build()), HeaderLayout::kBridge);
  auto cardbus = ConfigBuilder::endpoint(1, 2, 0x060700);
  cardbus.poke8(0x0e, 0x82);
  EXPECT_EQ(decode_header_layout(cardbus.build()), HeaderLayout::kCardBus);
  auto odd = ConfigBuilder::endpoint(1, 2, 0x020000);
  odd.poke8(0x0e, 0x05);
  EXPECT_EQ(decode_header_layout(odd.build()), HeaderLayout::kOther);
  EXPECT_EQ(decode_header_layout(ConfigSpace{}), std::nullopt);
}

TEST(DecodeHeader, MultifunctionBitIsBit7AndIndependentOfLayout) {
  EXPECT_EQ(decode_multifunction_bit(ConfigBuilder::endpoint(1, 2, 0x020000).build()), Tristate::kFalse);
  const auto mf_bridge = ConfigBuilder::bridge(1, 2, 0, 1, 1).multifunction().build();
  EXPECT_EQ(mf_bridge.read8(0x0e), 0x81);
  EXPECT_EQ(decode_multifunction_bit(mf_bridge), Tristate::kTrue);
  EXPECT_EQ(decode_header_layout(mf_bridge), HeaderLayout::kBridge);
  EXPECT_EQ(decode_multifunction_bit(ConfigBuilder::bridge(1, 2, 0, 1, 1).multifunction().multifunction(false).build()),
            Tristate::kFalse);
  EXPECT_EQ(decode_multifunction_bit(ConfigSpace{}), Tristate::kUnknown);
}

TEST(DecodeBridgeBuses, Type1Header) {
  const auto buses = decode_bridge_buses(ConfigBuilder::bridge(0x8086, 0xa110, 0x00, 0x03, 0x07).build());
  ASSERT_TRUE(buses);
  EXPECT_EQ(buses->primary, 0x00);
  EXPECT_EQ(buses->secondary, 0x03);
  EXPECT_EQ(buses->subordinate, 0x07);
}

TEST(DecodeBridgeBuses, NotABridgeOrUnknown) {
  EXPECT_EQ(decode_bridge_buses(ConfigBuilder::endpoint(1, 2, 0x020000).build()), std::nullopt);
  ConfigSpace config = ConfigBuilder::bridge(1, 2, 0, 1, 1).build();
  config.forget(0x1a, 1);
  EXPECT_EQ(decode_bridge_buses(config), std::nullopt);
}

class DecodePcieType : public ::testing::TestWithParam<PcieType> {};

TEST_P(DecodePcieType, RoundTripsThroughTheFlagsRegister) {
  const auto config = ConfigBuilder::endpoint(1, 2, 0x020000).standard_capability(0x01, 8).pcie(GetParam()).build();
  const PcieInfo info = decode_pcie(config);
  EXPECT_EQ(info.is_pcie, Tristate::kTrue);
  EXPECT_EQ(info.offset, 0x48);
  EXPECT_EQ(info.raw_type, static_cast<std::uint8_t>(GetParam()));
  EXPECT_EQ(info.type, GetParam());
}

INSTANTIATE_TEST_SUITE_P(AllDefined, DecodePcieType,
                         ::testing::Values(PcieType::kEndpoint, PcieType::kLegacyEndpoint,
                                           PcieType::kRootPort, PcieType::kUpstreamPort,
                                           PcieType::kDownstreamPort, PcieType::kPcieToPciBridge,
                                           PcieType::kPciToPcieBridge, PcieType::kRcIntegratedEndpoint,
                                           PcieType::kRcEventCollector));

TEST(DecodePcie, FlagsRegisterLayout) {
  // A root port's flags word as hardware reports it: version 2, type 4, slot implemented.
  auto builder = ConfigBuilder::bridge(0x8086, 0xa110, 0, 1, 1).pcie(PcieType::kRootPort);
  builder.poke16(0x42, 0x0142);
  const PcieInfo info = decode_pcie(builder.build());
  EXPECT_EQ(info.raw_type, 0x4);
  EXPECT_EQ(info.type, PcieType::kRootPort);
}

TEST(DecodePcie, ReservedTypeKeepsTheRawValue) {
  auto builder = ConfigBuilder::endpoint(1, 2, 0x020000).pcie(PcieType::kEndpoint);
  builder.poke16(0x42, 0x0032);  // type 3 is reserved
  const PcieInfo info = decode_pcie(builder.build());
  EXPECT_EQ(info.is_pcie, Tristate::kTrue);
  EXPECT_EQ(info.raw_type, 0x3);
  EXPECT_EQ(info.type, std::nullopt);
}

TEST(DecodePcie, ConventionalFunction) {
  const PcieInfo info = decode_pcie(ConfigBuilder::endpoint(1, 2, 0x020000).standard_capability(0x05).build());
  EXPECT_EQ(info.is_pcie, Tristate::kFalse);
  EXPECT_EQ(info.raw_type, std::nullopt);
}

TEST(DecodePcie, UnprivilegedReadCannotTell) {
  const PcieInfo info = decode_pcie(ConfigBuilder::endpoint(1, 2, 0x020000).pcie(PcieType::kEndpoint).truncate(64).build());
  EXPECT_EQ(info.is_pcie, Tristate::kUnknown);
  EXPECT_EQ(info.type, std::nullopt);
}

TEST(DecodePcie, CapabilityKnownButBodyUnknown) {
  // What a text source knows from "Capabilities: [40] Express" without the flags word.
  ConfigSpace config;
  config.set8(0x0e, 0x00);
  config.set16(0x06, 0x0010);
  config.set8(0x34, 0x40);
  config.set8(0x40, 0x10);
  config.set8(0x41, 0x00);
  const PcieInfo info = decode_pcie(config);
  EXPECT_EQ(info.is_pcie, Tristate::kTrue);
  EXPECT_EQ(info.offset, 0x40);
  EXPECT_EQ(info.raw_type, std::nullopt);
}

TEST(DecodePcie, TypeNames) {
  EXPECT_EQ(to_string(PcieType::kRootPort), "Root Port");
  EXPECT_EQ(to_string(PcieType::kDownstreamPort), "Downstream Port");
  EXPECT_EQ(to_string(static_cast<PcieType>(0x3)), "reserved");
}

TEST(DecodeAcs, CapabilityAndControl) {
  // QEMU's pcie-root-port: SV|TB|RR|CR|UF capable (0x1f), kernel enables SV|RR|CR|UF (0x1d).
  const auto config = ConfigBuilder::bridge(0x1b36, 0x000c, 0, 1, 1)
                          .pcie(PcieType::kRootPort)
                          .extended_capability(0x0001, 2, 0x48)
                          .acs(kAcsSv | kAcsTb | kAcsRr | kAcsCr | kAcsUf, kAcsSv | kAcsRr | kAcsCr | kAcsUf)
                          .build();
  const AcsInfo acs = decode_acs(config);
  EXPECT_EQ(acs.present, Tristate::kTrue);
  EXPECT_EQ(acs.offset, 0x148);
  EXPECT_EQ(acs.capability, 0x001f);
  EXPECT_EQ(acs.control, 0x001d);
}

TEST(DecodeAcs, AbsentKnownAndUnknown) {
  const auto pcie = ConfigBuilder::bridge(1, 2, 0, 1, 1).pcie(PcieType::kRootPort);
  const AcsInfo absent = decode_acs(pcie.build());
  EXPECT_EQ(absent.present, Tristate::kFalse);
  EXPECT_EQ(absent.capability, std::nullopt);
  const AcsInfo unknown = decode_acs(ConfigBuilder(pcie).truncate(256).build());
  EXPECT_EQ(unknown.present, Tristate::kUnknown);
  EXPECT_EQ(unknown.control, std::nullopt);
}

TEST(DecodeAcs, HeaderKnownBodyUnknown) {
  ConfigSpace config = ConfigBuilder::bridge(1, 2, 0, 1, 1).pcie(PcieType::kRootPort).acs(0x1f, 0x1d).build();
  config.forget(0x106, 2);
  const AcsInfo acs = decode_acs(config);
  EXPECT_EQ(acs.present, Tristate::kTrue);
  EXPECT_EQ(acs.capability, 0x001f);
  EXPECT_EQ(acs.control, std::nullopt);
}

TEST(DecodeAri, NextFunction) {
  const auto config = ConfigBuilder::endpoint(0x15b3, 0x1017, 0x020000).pcie(PcieType::kEndpoint).ari(1).build();
  EXPECT_EQ(config.read16(0x104), 0x0100);  // ARI Capability bits 15:8
  const AriInfo ari = decode_ari(config);
  EXPECT_EQ(ari.present, Tristate::kTrue);
  EXPECT_EQ(ari.offset, 0x100);
  EXPECT_EQ(ari.next_function, 1);
  EXPECT_EQ(decode_ari(ConfigBuilder::endpoint(1, 2, 0x020000).pcie(PcieType::kEndpoint).build()).present,
            Tristate::kFalse);
}

TEST(DecodeSriov, Fields) {
  const auto config = ConfigBuilder::endpoint(0x8086, 0x1572, 0x020000)
                          .pcie(PcieType::kEndpoint)
                          .ari(0)
                          .sriov(64, 4, 0x10, 1, 0x154c)
                          .build();
  const SriovInfo sriov = decode_sriov(config);
  EXPECT_EQ(sriov.present, Tristate::kTrue);
  EXPECT_EQ(sriov.offset, 0x108);
  EXPECT_EQ(sriov.total_vfs, 64);
  EXPECT_EQ(sriov.initial_vfs, 64);
  EXPECT_EQ(sriov.num_vfs, 4);
  EXPECT_EQ(sriov.vf_offset, 0x10);
  EXPECT_EQ(sriov.vf_stride, 1);
  EXPECT_EQ(sriov.vf_device_id, 0x154c);
  // Spot-check the register offsets against PCIe r6.0 §9.3.3 directly.
  EXPECT_EQ(config.read16(0x108 + 0x0e), 64);
  EXPECT_EQ(config.read16(0x108 + 0x1a), 0x154c);
}

TEST(DecodeSriov, UnknownNumVfsStaysUnknown) {
  ConfigSpace config =
      ConfigBuilder::endpoint(1, 2, 0x020000).pcie(PcieType::kEndpoint).sriov(8, 2, 0x80, 2, 0x10ed).build();
  config.forget(0x110, 2);
  const SriovInfo sriov = decode_sriov(config);
  EXPECT_EQ(sriov.present, Tristate::kTrue);
  EXPECT_EQ(sriov.num_vfs, std::nullopt);
  EXPECT_EQ(sriov.total_vfs, 8);
}

TEST(Decode, EmptyConfigSpaceIsAllUnknown) {
  const ConfigSpace config;
  const Identity id = decode_identity(config);
  EXPECT_FALSE(id.vendor_id || id.device_id || id.class_code || id.revision || id.subsystem_id);
  EXPECT_EQ(decode_pcie(config).is_pcie, Tristate::kUnknown);
  EXPECT_EQ(decode_acs(config).present, Tristate::kUnknown);
  EXPECT_EQ(decode_ari(config).present, Tristate::kUnknown);
  EXPECT_EQ(decode_sriov(config).present, Tristate::kUnknown);
  EXPECT_EQ(decode_bridge_buses(config), std::nullopt);
}

}  // namespace
}  // namespace isogroup::pci
