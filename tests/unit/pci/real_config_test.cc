// Decoders over config spaces read from a real (virtual) machine. The expected values come
// from `lspci -vvnn` and `lspci -xxx` of the same functions (tests/data/config/README.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fakes/test_data.h"
#include "isogroup/pci/capabilities.h"
#include "isogroup/pci/decode.h"

namespace isogroup::pci {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

ConfigSpace load(const std::string& name, std::size_t expected_size) {
  const std::string bytes = isogroup::testing::read_test_file("config/" + name);
  EXPECT_EQ(bytes.size(), expected_size) << name;
  std::vector<std::uint8_t> raw(bytes.begin(), bytes.end());
  return ConfigSpace::from_bytes(raw);
}

std::vector<std::pair<std::uint16_t, std::uint16_t>> offsets_and_ids(const CapabilityList& list) {
  std::vector<std::pair<std::uint16_t, std::uint16_t>> out;
  for (const Capability& cap : list.capabilities) out.emplace_back(cap.offset, cap.id);
  return out;
}

struct VirtioCase {
  const char* file;
  std::uint16_t device_id;
  std::uint32_t class_code;
};

class RealVirtio : public ::testing::TestWithParam<VirtioCase> {};

TEST_P(RealVirtio, IdentityMatchesLspci) {
  const VirtioCase& c = GetParam();
  const ConfigSpace config = load(c.file, 256);
  const Identity id = decode_identity(config);
  // "Red Hat, Inc. Virtio 1.0 ... [1af4:104x] (rev 01)", "Subsystem: ... [1af4:104x]"
  EXPECT_EQ(id.vendor_id, 0x1af4);
  EXPECT_EQ(id.device_id, c.device_id);
  EXPECT_EQ(id.revision, 0x01);
  EXPECT_EQ(id.class_code, c.class_code);
  EXPECT_EQ(id.subsystem_vendor_id, 0x1af4);
  EXPECT_EQ(id.subsystem_id, c.device_id);
  // lspci -xxx: byte 0x0e is 00 (single-function type-0 header).
  EXPECT_EQ(decode_header_layout(config), HeaderLayout::kNormal);
  EXPECT_EQ(decode_multifunction_bit(config), Tristate::kFalse);
  EXPECT_EQ(decode_bridge_buses(config), std::nullopt);
}

TEST_P(RealVirtio, CapabilitiesMatchLspci) {
  const ConfigSpace config = load(GetParam().file, 256);
  // "Capabilities: [40] [50] [60] [70] [84] Vendor Specific Information", "[98] MSI-X"
  const CapabilityList list = walk_standard_capabilities(config);
  EXPECT_THAT(offsets_and_ids(list), ElementsAre(Pair(0x40, 0x09), Pair(0x50, 0x09), Pair(0x60, 0x09),
                                                 Pair(0x70, 0x09), Pair(0x84, 0x09), Pair(0x98, 0x11)));
  EXPECT_EQ(list.complete, Tristate::kTrue);
  EXPECT_TRUE(list.problems.empty());
  // No "Express" capability: a conventional function, so no extended space, so no ACS.
  EXPECT_EQ(decode_pcie(config).is_pcie, Tristate::kFalse);
  EXPECT_EQ(walk_extended_capabilities(config).complete, Tristate::kTrue);
  EXPECT_EQ(decode_acs(config).present, Tristate::kFalse);
  EXPECT_EQ(decode_ari(config).present, Tristate::kFalse);
  EXPECT_EQ(decode_sriov(config).present, Tristate::kFalse);
}

TEST_P(RealVirtio, UnprivilegedPrefixKnowsIdsButNotCapabilities) {
  const std::string bytes = isogroup::testing::read_test_file(std::string("config/") + GetParam().file);
  std::vector<std::uint8_t> raw(bytes.begin(), bytes.begin() + 64);
  const ConfigSpace config = ConfigSpace::from_bytes(raw);
  EXPECT_EQ(decode_identity(config).device_id, GetParam().device_id);
  EXPECT_EQ(find_standard_capability(config, 0x11).present, Tristate::kUnknown);
  EXPECT_EQ(decode_pcie(config).is_pcie, Tristate::kUnknown);
  EXPECT_EQ(decode_acs(config).present, Tristate::kUnknown);
}

INSTANTIATE_TEST_SUITE_P(ThisVm, RealVirtio,
                         ::testing::Values(
                             // 00:03.0 Ethernet controller [0200] [1af4:1041]
                             VirtioCase{"virtio_net.bin", 0x1041, 0x020000},
                             // 00:02.0 Mass storage controller [0180] [1af4:1042]
                             VirtioCase{"virtio_blk.bin", 0x1042, 0x018000},
                             // 00:01.0 Unassigned class [ffff] [1af4:1045]
                             VirtioCase{"virtio_balloon.bin", 0x1045, 0xffff00}));

TEST(RealHostBridge, MatchesLspci) {
  // "00:00.0 Host bridge [0600]: Intel Corporation Device [8086:0d57]", no "(rev" and
  // "Status: Cap-"; lspci -xxxx shows 4096 bytes, zero from 0x0c on apart from the class.
  const ConfigSpace config = load("kvm_host_bridge_8086_0d57.bin", 4096);
  const Identity id = decode_identity(config);
  EXPECT_EQ(id.vendor_id, 0x8086);
  EXPECT_EQ(id.device_id, 0x0d57);
  EXPECT_EQ(id.class_code, 0x060000u);
  EXPECT_EQ(id.revision, 0x00);
  EXPECT_EQ(decode_header_layout(config), HeaderLayout::kNormal);
  const CapabilityList standard = walk_standard_capabilities(config);
  EXPECT_TRUE(standard.capabilities.empty());
  EXPECT_EQ(standard.complete, Tristate::kTrue);
  const CapabilityList extended = walk_extended_capabilities(config);
  EXPECT_TRUE(extended.capabilities.empty());
  EXPECT_EQ(extended.complete, Tristate::kTrue);
  EXPECT_EQ(decode_pcie(config).is_pcie, Tristate::kFalse);
  EXPECT_EQ(decode_acs(config).present, Tristate::kFalse);
}

}  // namespace
}  // namespace isogroup::pci
