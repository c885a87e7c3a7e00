// Cross-check of the hex reader against pciutils: `lspci -F DUMP -vvnn` reads the same
// dump and decodes it; what it prints must agree with what isogroup decodes from the
// bytes parse_lspci_hex produced.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "fakes/test_data.h"
#include "isogroup/pci/capabilities.h"
#include "isogroup/pci/decode.h"
#include "isogroup/sources/read.h"

namespace isogroup {
namespace {

namespace fs = std::filesystem;
using testing::read_test_file;
using testing::test_data_dir;

struct OracleCapability {
  std::uint16_t offset = 0;
  std::optional<int> version;  // extended capabilities print "[100 v2]"
  std::string name;
};

struct OracleFunction {
  Bdf address;
  std::uint16_t vendor = 0, device = 0;
  std::uint16_t class_base_sub = 0;  // "[0604]"
  std::uint8_t prog_if = 0;          // "(prog-if 02 ...)"; lspci leaves out most zero prog-ifs
  std::uint8_t revision = 0;         // "(rev 01)"; left out when zero
  std::optional<std::pair<std::uint16_t, std::uint16_t>> subsystem;
  std::optional<std::array<unsigned, 3>> buses;  // primary, secondary, subordinate
  std::vector<OracleCapability> standard, extended;
  bool access_denied = false;  // "Capabilities: <access denied>"
  bool chain_broken = false;   // "Capabilities: [80] <chain broken>"
  std::optional<std::string> pcie_type;  // "Express (v2) Root Port, MSI 00" -> "Root Port"
  std::optional<std::uint16_t> acs_capability, acs_control;
};

unsigned hex(const std::string& s) { return static_cast<unsigned>(std::stoul(s, nullptr, 16)); }

// "SrcValid+ TransBlk- ..." in the bit order of the ACS registers (PCIe r6.0 §7.7.11.2).
std::uint16_t acs_bits(const std::string& flags) {
  static const std::array<std::string, 7> kNames = {"SrcValid", "TransBlk", "ReqRedir", "CmpltRedir",
                                                    "UpstreamFwd", "EgressCtrl", "DirectTrans"};
  std::uint16_t bits = 0;
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (flags.find(kNames[i] + "+") != std::string::npos) bits |= static_cast<std::uint16_t>(1u << i);
  }
  return bits;
}

std::vector<OracleFunction> parse_oracle(const std::string& text) {
  static const std::regex kHeader(R"(^(\S+) .*?\[([0-9a-f]{4})\]: .*\[([0-9a-f]{4}):([0-9a-f]{4})\])");
  static const std::regex kRev(R"(\(rev ([0-9a-f]{2})\))");
  static const std::regex kProgIf(R"(\(prog-if ([0-9a-f]{2}))");
  static const std::regex kSubsystem(R"(^\tSubsystem: .*\[([0-9a-f]{4}):([0-9a-f]{4})\])");
  static const std::regex kBus(R"(^\tBus: primary=([0-9a-f]+), secondary=([0-9a-f]+), subordinate=([0-9a-f]+))");
  static const std::regex kCap(R"(^\tCapabilities: \[([0-9a-f]+)(?: v(\d+))?\] (.*)$)");
  static const std::regex kExpress(R"(^Express \(v\d\) ([A-Za-z /-]+?)(?:,| \(|$))");
  static const std::regex kAcs(R"(^\t\t(ACSCap|ACSCtl):\s*(.*)$)");

  std::vector<OracleFunction> functions;
  std::istringstream in(text);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, kHeader)) {
      OracleFunction& f = functions.emplace_back();
      auto address = Bdf::parse(m[1].str());
      EXPECT_TRUE(address.has_value()) << line;
      if (address) f.address = *address;
      f.class_base_sub = static_cast<std::uint16_t>(hex(m[2]));
      f.vendor = static_cast<std::uint16_t>(hex(m[3]));
      f.device = static_cast<std::uint16_t>(hex(m[4]));
      if (std::regex_search(line, m, kRev)) f.revision = static_cast<std::uint8_t>(hex(m[1]));
      if (std::regex_search(line, m, kProgIf)) f.prog_if = static_cast<std::uint8_t>(hex(m[1]));
      continue;
    }
    if (functions.empty()) continue;
    OracleFunction& f = functions.back();
    if (std::regex_search(line, m, kSubsystem)) {
      f.subsystem = {static_cast<std::uint16_t>(hex(m[1])), static_cast<std::uint16_t>(hex(m[2]))};
    } else if (std::regex_search(line, m, kBus)) {
      f.buses = std::array<unsigned, 3>{hex(m[1]), hex(m[2]), hex(m[3])};
    } else if (line == "\tCapabilities: <access denied>") {
      f.access_denied = true;
    } else if (std::regex_search(line, m, kCap)) {
      if (m[3] == "<chain broken>") {
        f.chain_broken = true;
        continue;
      }
      OracleCapability cap{static_cast<std::uint16_t>(hex(m[1])), std::nullopt, m[3]};
      if (m[2].matched) cap.version = std::stoi(m[2]);
      std::smatch e;
      if (std::regex_search(cap.name, e, kExpress)) f.pcie_type = e[1];
      (cap.version ? f.extended : f.standard).push_back(cap);
    } else if (std::regex_search(line, m, kAcs)) {
      (m[1] == "ACSCap" ? f.acs_capability : f.acs_control) = acs_bits(m[2]);
    }
  }
  return functions;
}

// `lspci -F DUMP -vvnn` when lspci runs here, else the copy stored next to the dump.
std::string oracle_text(const fs::path& dump, bool& live) {
  live = false;
  const std::string command = "lspci -F '" + dump.string() + "' -vvnn 2>/dev/null";
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    std::string out;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    if (status == 0 && !out.empty()) {
      live = true;
      return out;
    }
  }
  return read_test_file(fs::path("lspci_hex") / "oracle" / (dump.stem().string() + ".lspci-F-vvnn.txt"));
}

// lspci's capability names for the IDs the dumps hold (PCI Code and ID Assignment Spec).
std::optional<std::uint16_t> standard_id(const std::string& name) {
  static const std::vector<std::pair<std::string, std::uint16_t>> kIds = {
      {"Power Management", 0x01}, {"MSI: ", 0x05}, {"Vendor Specific Information", 0x09},
      {"Express", 0x10}, {"MSI-X: ", 0x11}};
  for (const auto& [prefix, id] : kIds) {
    if (name.starts_with(prefix)) return id;
  }
  return std::nullopt;
}
std::optional<std::uint16_t> extended_id(const std::string& name) {
  static const std::vector<std::pair<std::string, std::uint16_t>> kIds = {
      {"Advanced Error Reporting", 0x0001}, {"Device Serial Number", 0x0003},
      {"Access Control Services", 0x000d}, {"Secondary PCI Express", 0x0019}};
  for (const auto& [prefix, id] : kIds) {
    if (name.starts_with(prefix)) return id;
  }
  return std::nullopt;
}

std::optional<pci::PcieType> pcie_type(const std::string& lspci_name) {
  static const std::map<std::string, pci::PcieType> kTypes = {
      {"Endpoint", pci::PcieType::kEndpoint},
      {"Legacy Endpoint", pci::PcieType::kLegacyEndpoint},
      {"Root Port", pci::PcieType::kRootPort},
      {"Upstream Port", pci::PcieType::kUpstreamPort},
      {"Downstream Port", pci::PcieType::kDownstreamPort},
      {"Root Complex Integrated Endpoint", pci::PcieType::kRcIntegratedEndpoint},
      {"Root Complex Event Collector", pci::PcieType::kRcEventCollector}};
  auto it = kTypes.find(lspci_name);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

void expect_agrees(const SnapshotFunction& ours, const OracleFunction& theirs) {
  SCOPED_TRACE(ours.address.to_string());
  const pci::ConfigSpace& config = ours.config;

  const pci::Identity id = pci::decode_identity(config);
  EXPECT_EQ(id.vendor_id, theirs.vendor);
  EXPECT_EQ(id.device_id, theirs.device);
  ASSERT_TRUE(id.class_code.has_value());
  EXPECT_EQ(*id.class_code >> 8, theirs.class_base_sub);
  EXPECT_EQ(*id.class_code & 0xff, theirs.prog_if);
  EXPECT_EQ(id.revision, theirs.revision);
  if (theirs.subsystem) {
    EXPECT_EQ(id.subsystem_vendor_id, theirs.subsystem->first);
    EXPECT_EQ(id.subsystem_id, theirs.subsystem->second);
  }

  // lspci prints the bus numbers exactly for type-1 headers.
  const auto layout = pci::decode_header_layout(config);
  ASSERT_TRUE(layout.has_value());
  if (theirs.buses) {
    EXPECT_EQ(*layout, pci::HeaderLayout::kBridge);
    const auto buses = pci::decode_bridge_buses(config);
    ASSERT_TRUE(buses.has_value());
    EXPECT_EQ(buses->primary, (*theirs.buses)[0]);
    EXPECT_EQ(buses->secondary, (*theirs.buses)[1]);
    EXPECT_EQ(buses->subordinate, (*theirs.buses)[2]);
  } else {
    EXPECT_EQ(*layout, pci::HeaderLayout::kNormal);
  }

  const pci::CapabilityList standard = pci::walk_standard_capabilities(config);
  ASSERT_EQ(standard.capabilities.size(), theirs.standard.size());
  for (std::size_t i = 0; i < standard.capabilities.size(); ++i) {
    EXPECT_EQ(standard.capabilities[i].offset, theirs.standard[i].offset);
    if (auto want = standard_id(theirs.standard[i].name)) {
      EXPECT_EQ(standard.capabilities[i].id, *want) << theirs.standard[i].name;
    }
  }
  // lspci gives up where the bytes end; so must the walker, without inventing an end.
  if (theirs.access_denied || theirs.chain_broken) {
    EXPECT_EQ(standard.complete, Tristate::kUnknown);
  } else {
    EXPECT_EQ(standard.complete, Tristate::kTrue);
  }

  const pci::CapabilityList extended = pci::walk_extended_capabilities(config);
  ASSERT_EQ(extended.capabilities.size(), theirs.extended.size());
  for (std::size_t i = 0; i < extended.capabilities.size(); ++i) {
    EXPECT_EQ(extended.capabilities[i].offset, theirs.extended[i].offset);
    EXPECT_EQ(extended.capabilities[i].version, theirs.extended[i].version);
    if (auto want = extended_id(theirs.extended[i].name)) {
      EXPECT_EQ(extended.capabilities[i].id, *want) << theirs.extended[i].name;
    }
  }

  const pci::PcieInfo pcie = pci::decode_pcie(config);
  if (theirs.pcie_type) {
    EXPECT_EQ(pcie.is_pcie, Tristate::kTrue);
    EXPECT_EQ(pcie.type, pcie_type(*theirs.pcie_type)) << *theirs.pcie_type;
  } else if (!theirs.access_denied && !theirs.chain_broken) {
    EXPECT_EQ(pcie.is_pcie, Tristate::kFalse);
  }

  const pci::AcsInfo acs = pci::decode_acs(config);
  if (theirs.acs_capability) {
    EXPECT_EQ(acs.present, Tristate::kTrue);
    ASSERT_TRUE(acs.capability.has_value());
    // lspci shows the seven defined bits; higher ones are reserved.
    EXPECT_EQ(*acs.capability & 0x7f, *theirs.acs_capability);
    ASSERT_TRUE(theirs.acs_control.has_value());
    ASSERT_TRUE(acs.control.has_value());
    EXPECT_EQ(*acs.control & 0x7f, *theirs.acs_control);
  } else {
    EXPECT_NE(acs.present, Tristate::kTrue);
  }
}

class LspciOracleTest : public ::testing::TestWithParam<const char*> {};

TEST_P(LspciOracleTest, DecodedBytesAgreeWithLspci) {
  const fs::path dump = test_data_dir() / "lspci_hex" / GetParam();
  const std::string text = read_test_file(fs::path("lspci_hex") / GetParam());
  ASSERT_FALSE(text.empty()) << dump;
  auto snapshot = parse_lspci_hex(text, dump.string());
  ASSERT_TRUE(snapshot.has_value()) << snapshot.error().to_string();

  bool live = false;
  const std::vector<OracleFunction> oracle = parse_oracle(oracle_text(dump, live));
  RecordProperty("oracle", live ? "live lspci -F" : "stored lspci -F output");
  ASSERT_FALSE(oracle.empty());
  ASSERT_EQ(snapshot->functions.size(), oracle.size());
  for (std::size_t i = 0; i < oracle.size(); ++i) {
    EXPECT_EQ(snapshot->functions[i].address, oracle[i].address);
    expect_agrees(snapshot->functions[i], oracle[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(Dumps, LspciOracleTest,
                         ::testing::Values("lspci-x.txt", "lspci-xxx.txt", "lspci-xxxx.txt",
                                           "lspci-D-xxxx.txt", "lspci-vvnn-xxxx.txt",
                                           "lspci-nk-xxx.txt", "synthetic-vmd-D-xxxx.txt",
                                           "synthetic-truncated.txt"));

// The oracle parser itself must see what the synthetic dump was built with
// (make_synthetic.py): otherwise the cross-check could pass by reading nothing.
TEST(LspciOracle, ReadsTheSyntheticLayout) {
  const auto oracle = parse_oracle(read_test_file("lspci_hex/oracle/synthetic-vmd-D-xxxx.lspci-F-vvnn.txt"));
  ASSERT_EQ(oracle.size(), 3u);
  EXPECT_EQ(oracle[1].address, Bdf::make(0x10000, 0xe0, 0x06, 0));
  ASSERT_TRUE(oracle[1].buses.has_value());
  EXPECT_EQ((*oracle[1].buses)[1], 0xe1u);
  EXPECT_EQ(oracle[1].pcie_type, "Root Port");
  EXPECT_EQ(oracle[1].acs_capability, 0x5f);
  EXPECT_EQ(oracle[1].acs_control, 0x1d);
  ASSERT_EQ(oracle[1].extended.size(), 3u);
  EXPECT_EQ(oracle[1].extended[1].offset, 0x148);
  EXPECT_EQ(oracle[2].pcie_type, "Endpoint");
  EXPECT_EQ(oracle[2].prog_if, 0x02);
  EXPECT_EQ(oracle[0].pcie_type, "Root Complex Integrated Endpoint");
}

}  // namespace
}  // namespace isogroup
