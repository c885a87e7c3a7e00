#include "isogroup/grouping/boot_parameters.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "acs_test_util.h"
#include "isogroup/grouping/policy.h"

namespace isogroup::testing {
namespace {

using pci::kAcsCr;
using pci::kAcsEc;
using pci::kAcsRr;
using pci::kAcsSv;
using pci::kAcsTb;
using pci::kAcsUf;

bool has_warning(const BootParameters& b, std::string_view text) {
  for (const auto& w : b.warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(AcsOverrideParameter, DownstreamAndMultifunction) {
  const auto b = parse_boot_parameters("quiet pcie_acs_override=downstream,multifunction intel_iommu=on");
  EXPECT_TRUE(b.acs_override.downstream);
  EXPECT_TRUE(b.acs_override.multifunction);
  EXPECT_TRUE(b.acs_override.ids.empty());
  EXPECT_TRUE(b.warnings.empty());
}

TEST(AcsOverrideParameter, TokensAreMatchedByPrefix) {
  // The patch compares only the first characters of each token.
  const auto b = parse_boot_parameters("pcie_acs_override=downstreamXYZ");
  EXPECT_TRUE(b.acs_override.downstream);
  EXPECT_FALSE(b.acs_override.multifunction);
  EXPECT_FALSE(parse_boot_parameters("pcie_acs_override=down").acs_override.any());
}

TEST(AcsOverrideParameter, Ids) {
  const auto b = parse_boot_parameters("pcie_acs_override=id:10de:1b80,id:8086:A110");
  ASSERT_EQ(b.acs_override.ids.size(), 2u);
  EXPECT_EQ(b.acs_override.ids[0], (std::pair<std::uint16_t, std::uint16_t>{0x10de, 0x1b80}));
  EXPECT_EQ(b.acs_override.ids[1], (std::pair<std::uint16_t, std::uint16_t>{0x8086, 0xa110}));
}

TEST(AcsOverrideParameter, AtMostFifteenIds) {
  std::string cmdline = "pcie_acs_override=";
  for (int i = 0; i < 17; ++i) cmdline += fmt::format("{}id:8086:{:04x}", i ? "," : "", 0x1000 + i);
  const auto b = parse_boot_parameters(cmdline);
  EXPECT_EQ(b.acs_override.ids.size(), 15u);
  EXPECT_TRUE(has_warning(b, "Out of PCIe ACS override slots (16)"));
}

TEST(AcsOverrideParameter, MalformedIdsAreWarnedAndSkipped) {
  const auto b = parse_boot_parameters("pcie_acs_override=id:zz:1234,id:8086,id:8086:qqqq,downstream");
  EXPECT_TRUE(b.acs_override.ids.empty());
  EXPECT_TRUE(b.acs_override.downstream);
  EXPECT_TRUE(has_warning(b, "parse error"));
  EXPECT_TRUE(has_warning(b, "invalid ID"));
}

TEST(AcsOverrideParameter, QuotesAndDashesAndEndOfOptions) {
  EXPECT_TRUE(parse_boot_parameters("pcie_acs_override=\"downstream\"").acs_override.downstream);
  EXPECT_TRUE(parse_boot_parameters("\"pcie_acs_override=multifunction\"").acs_override.multifunction);
  EXPECT_TRUE(parse_boot_parameters("pcie-acs-override=downstream").acs_override.downstream);
  // After "--" the arguments belong to init.
  EXPECT_FALSE(parse_boot_parameters("ro -- pcie_acs_override=downstream").acs_override.any());
}

TEST(ConfigAcsParameter, BitsRightmostIsSv) {
  const auto b = parse_boot_parameters("pci=config_acs=111x1@0000:00:1c.0");
  ASSERT_EQ(b.config_acs.size(), 1u);
  EXPECT_EQ(b.config_acs[0].mask, kAcsSv | kAcsRr | kAcsCr | kAcsUf);
  EXPECT_EQ(b.config_acs[0].value, kAcsSv | kAcsRr | kAcsCr | kAcsUf);
  EXPECT_EQ(b.config_acs[0].device, "0000:00:1c.0");

  const auto c = parse_boot_parameters("pci=config_acs=10x0@00:1d.0");
  ASSERT_EQ(c.config_acs.size(), 1u);
  EXPECT_EQ(c.config_acs[0].mask, kAcsSv | kAcsCr | kAcsRr);
  EXPECT_EQ(c.config_acs[0].value, kAcsCr);
}

TEST(ConfigAcsParameter, SeveralEntriesAndOtherPciOptions) {
  const auto b = parse_boot_parameters("pci=noats,config_acs=10@pci:8086:1234;0@00:1d.0/00.0,realloc");
  ASSERT_EQ(b.config_acs.size(), 2u);
  EXPECT_EQ(b.config_acs[0].device, "pci:8086:1234");
  EXPECT_EQ(b.config_acs[0].mask, kAcsSv | kAcsTb);
  EXPECT_EQ(b.config_acs[0].value, kAcsTb);
  EXPECT_EQ(b.config_acs[1].device, "00:1d.0/00.0");
  EXPECT_EQ(b.config_acs[1].mask, kAcsSv);
  EXPECT_TRUE(b.warnings.empty());
}

TEST(ConfigAcsParameter, KernelErrorsBecomeWarnings) {
  const auto missing = parse_boot_parameters("pci=config_acs=0000:00:1c.0");
  EXPECT_TRUE(missing.config_acs.empty());
  EXPECT_TRUE(has_warning(missing, "ACS Flags missing"));

  const auto bad_char = parse_boot_parameters("pci=config_acs=1z1@00:1c.0");
  EXPECT_TRUE(bad_char.config_acs.empty());
  EXPECT_TRUE(has_warning(bad_char, "Invalid ACS flags"));

  // Bit 7 is not one of SV..DT.
  const auto too_wide = parse_boot_parameters("pci=config_acs=10000000@00:1c.0");
  EXPECT_TRUE(too_wide.config_acs.empty());
  EXPECT_TRUE(has_warning(too_wide, "Invalid ACS flags specified"));

  // An error stops the walk: later entries are never reached.
  const auto stops = parse_boot_parameters("pci=config_acs=1@00:1c.0;1q@00:1d.0;1@00:1e.0");
  ASSERT_EQ(stops.config_acs.size(), 1u);
  EXPECT_EQ(stops.config_acs[0].device, "00:1c.0");

  const auto bad_ids = parse_boot_parameters("pci=config_acs=1@pci:zz");
  EXPECT_TRUE(bad_ids.config_acs.empty());
  EXPECT_TRUE(has_warning(bad_ids, "Can't parse ACS command line parameter"));
}

TEST(ConfigAcsParameter, LaterPciValueReplacesEarlier) {
  const auto b = parse_boot_parameters("pci=config_acs=1@00:1c.0 pci=config_acs=0@00:1d.0");
  ASSERT_EQ(b.config_acs.size(), 1u);
  EXPECT_EQ(b.config_acs[0].device, "00:1d.0");
}

TEST(DisableAcsRedirParameter, ClearsRrCrEc) {
  const auto b = parse_boot_parameters("pci=disable_acs_redir=0000:00:1c.0;pci:8086:a110");
  ASSERT_EQ(b.disable_acs_redir.size(), 2u);
  for (const auto& e : b.disable_acs_redir) {
    EXPECT_EQ(e.mask, kAcsRr | kAcsCr | kAcsEc);
    EXPECT_EQ(e.value, 0);
  }
  EXPECT_EQ(b.disable_acs_redir[1].device, "pci:8086:a110");
}

TEST(IommuParameter, GroupMf) {
  EXPECT_TRUE(parse_boot_parameters("iommu=pt,group_mf").group_mf);
  EXPECT_TRUE(parse_boot_parameters("iommu=group_mf").group_mf);
  EXPECT_FALSE(parse_boot_parameters("iommu=pt").group_mf);
  EXPECT_FALSE(parse_boot_parameters("group_mf").group_mf);
}

TEST(BootParameters, HostileInputDoesNotCrash) {
  for (const char* s : {"", "\"", "=", "pci=", "pci=,,,", "pci=config_acs=", "pci=config_acs=@", "pci=config_acs=@;",
                        "pcie_acs_override=", "pcie_acs_override=id:", "pcie_acs_override=id:0x", "a=\"b c\" d"}) {
    const auto b = parse_boot_parameters(s);
    EXPECT_EQ(b.cmdline, s);
  }
}

// 00:1c.0 root port -> bus 01: 01:00.0 endpoint (8086:10d3) and 01:00.1.
class DeviceMatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    topology_ = with_host_bridge()
                    .add("00:1c.0", parts::root_port(0, 1, 1))
                    .add("01:00.0", parts::pcie_endpoint(0x8086, 0x10d3, true).subsystem(0x1028, 0x0abc))
                    .add("01:00.1", parts::pcie_endpoint(0x8086, 0x10d3, true).subsystem(0x1028, 0x0abc))
                    .topology();
    rp_ = id_of(topology_, "00:1c.0");
    ep_ = id_of(topology_, "01:00.0");
    ep1_ = id_of(topology_, "01:00.1");
  }
  Topology topology_;
  FunctionId rp_ = 0, ep_ = 0, ep1_ = 0;
};

TEST_F(DeviceMatchTest, Addresses) {
  EXPECT_EQ(match_device_spec(topology_, rp_, "0000:00:1c.0"), DeviceMatch::kYes);
  EXPECT_EQ(match_device_spec(topology_, rp_, "00:1c.0"), DeviceMatch::kYes);
  EXPECT_EQ(match_device_spec(topology_, ep_, "00:1c.0"), DeviceMatch::kNo);
  EXPECT_EQ(match_device_spec(topology_, ep_, "01:00.0"), DeviceMatch::kYes);
  EXPECT_EQ(match_device_spec(topology_, ep1_, "01:00.0"), DeviceMatch::kNo);
  EXPECT_EQ(match_device_spec(topology_, ep_, "0001:01:00.0"), DeviceMatch::kNo);
  EXPECT_EQ(match_device_spec(topology_, ep_, "01:00.0x"), DeviceMatch::kInvalid);
}

TEST_F(DeviceMatchTest, Paths) {
  EXPECT_EQ(match_device_spec(topology_, ep_, "00:1c.0/00.0"), DeviceMatch::kYes);
  EXPECT_EQ(match_device_spec(topology_, ep1_, "0000:00:1c.0/00.1"), DeviceMatch::kYes);
  EXPECT_EQ(match_device_spec(topology_, ep1_, "00:1c.0/00.0"), DeviceMatch::kNo);
  EXPECT_EQ(match_device_spec(topology_, ep_, "00:1d.0/00.0"), DeviceMatch::kNo);
  // A path longer than the chain: the root port has no upstream bridge.
  EXPECT_EQ(match_device_spec(topology_, ep_, "00:00.0/1c.0/00.0"), DeviceMatch::kNo);
  // The kernel checks from the last element up: a bad upper element only stops functions
  // whose lower elements match.
  EXPECT_EQ(match_device_spec(topology_, ep_, "garbage/00.0"), DeviceMatch::kInvalid);
  EXPECT_EQ(match_device_spec(topology_, rp_, "garbage/00.0"), DeviceMatch::kNo);
  EXPECT_FALSE(device_spec_well_formed("garbage/00.0"));
  EXPECT_TRUE(device_spec_well_formed("00:1c.0/00.0"));
}

TEST_F(DeviceMatchTest, Ids) {
  EXPECT_EQ(match_device_spec(topology_, ep_, "pci:8086:10d3"), DeviceMatch::kYes);
  EXPECT_EQ(match_device_spec(topology_, ep_, "pci:0:10d3"), DeviceMatch::kYes);  // 0 = any
  EXPECT_EQ(match_device_spec(topology_, ep_, "pci:8086:10d4"), DeviceMatch::kNo);
  EXPECT_EQ(match_device_spec(topology_, ep_, "pci:8086:10d3:1028:0abc"), DeviceMatch::kYes);
  EXPECT_EQ(match_device_spec(topology_, ep_, "pci:8086:10d3:1028:0abd"), DeviceMatch::kNo);
  EXPECT_EQ(match_device_spec(topology_, rp_, "pci:8086:10d3"), DeviceMatch::kNo);
  EXPECT_EQ(match_device_spec(topology_, ep_, "pci:xyz"), DeviceMatch::kInvalid);
}

}  // namespace
}  // namespace isogroup::testing
