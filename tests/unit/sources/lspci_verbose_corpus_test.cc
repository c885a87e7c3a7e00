// parse_lspci_verbose on the real linuxhw captures (tests/data/linuxhw). Expected values
// come from INDEX.md (counted by the corpus curator) and from reading the files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "fakes/test_data.h"
#include "isogroup/pci/capabilities.h"
#include "isogroup/pci/decode.h"
#include "isogroup/sources/read.h"
#include "lspci_verbose_test_util.h"

namespace isogroup {
namespace {

using namespace lspci_verbose_test;

using ::testing::ElementsAre;

Snapshot parse_file(const std::string& file) {
  const std::string text = testing::read_test_file("linuxhw/" + file);
  EXPECT_FALSE(text.empty()) << file;
  auto s = parse_lspci_verbose(text, file);
  EXPECT_TRUE(s.has_value()) << file << ": " << (s ? "" : s.error().to_string());
  return s ? std::move(*s) : Snapshot{};
}

const SnapshotFunction& get(const Snapshot& s, std::string_view address) {
  const auto bdf = Bdf::parse(address);
  for (const auto& f : s.functions) {
    if (bdf && f.address == *bdf) return f;
  }
  ADD_FAILURE() << "no function " << address;
  static const SnapshotFunction none;
  return none;
}

struct IndexRow {
  int functions = 0, without_group = 0, groups = 0, max = 0;
};

// The main table of INDEX.md: | # | `file` | source | type | cpu | kernel | patched |
// functions ("47 (2 w/o group)") | groups | max | notes |
std::map<std::string, IndexRow> read_index() {
  std::map<std::string, IndexRow> rows;
  std::istringstream in(testing::read_test_file("linuxhw/INDEX.md"));
  const std::regex row(R"(^\| \d+ \| `([^`]+)` \|)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    std::string cell;
    while (std::getline(cells_in, cell, '|')) cells.push_back(cell);
    if (cells.size() < 11) continue;
    IndexRow r;
    r.functions = std::stoi(cells[8]);
    std::smatch w;
    const std::string functions_cell = cells[8];
    if (std::regex_search(functions_cell, w, std::regex(R"(\((\d+) w/o group\))"))) r.without_group = std::stoi(w[1]);
    r.groups = std::stoi(cells[9]);
    r.max = std::stoi(cells[10]);
    rows[m[1]] = r;
  }
  return rows;
}

TEST(LspciVerboseCorpus, EveryFileParsesAndMatchesIndexCounts) {
  const auto index = read_index();
  const auto files = testing::linuxhw_corpus();
  ASSERT_EQ(files.size(), 36u);
  ASSERT_EQ(index.size(), 36u);
  for (const auto& path : files) {
    const std::string file = path.filename().string();
    SCOPED_TRACE(file);
    const Snapshot s = parse_file(file);
    const auto it = index.find(file);
    ASSERT_NE(it, index.end());
    EXPECT_EQ(static_cast<int>(s.functions.size()), it->second.functions);
    int without = 0;
    for (const auto& f : s.functions) without += f.iommu_group ? 0 : 1;
    EXPECT_EQ(without, it->second.without_group);
    EXPECT_TRUE(s.has_kernel_groups);
    EXPECT_EQ(static_cast<int>(s.kernel_groups.size()), it->second.groups);
    std::size_t max = 0;
    for (const auto& g : s.kernel_groups) max = std::max(max, g.devices.size());
    EXPECT_EQ(static_cast<int>(max), it->second.max);
    // INDEX.md: every file was captured as root.
    EXPECT_EQ(s.privileged, Tristate::kTrue);
  }
}

// Every capability lspci printed must come back out of the rebuilt config space, with a
// recognised ID: this is what proves the name tables cover what lspci prints.
TEST(LspciVerboseCorpus, CapabilityListsRoundTrip) {
  const std::regex standard_line(R"(^\tCapabilities: \[[0-9a-f]{2}\] )");
  const std::regex extended_line(R"(^\tCapabilities: \[[0-9a-f]{3} v\d+\] )");
  const std::regex header_line(R"(^([0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] )");
  for (const auto& path : testing::linuxhw_corpus()) {
    const std::string file = path.filename().string();
    SCOPED_TRACE(file);
    const Snapshot s = parse_file(file);
    // Count the capability lines per function straight from the text.
    std::vector<std::pair<std::size_t, std::size_t>> counts;
    std::istringstream in(testing::read_test_file("linuxhw/" + file));
    std::string line;
    while (std::getline(in, line)) {
      if (std::regex_search(line, header_line)) counts.emplace_back(0, 0);
      if (counts.empty()) continue;
      if (std::regex_search(line, standard_line)) ++counts.back().first;
      if (std::regex_search(line, extended_line)) ++counts.back().second;
    }
    ASSERT_EQ(counts.size(), s.functions.size());
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const auto& f = s.functions[i];
      SCOPED_TRACE(f.address.to_string());
      const auto standard = pci::walk_standard_capabilities(f.config);
      EXPECT_EQ(standard.capabilities.size(), counts[i].first);
      EXPECT_EQ(standard.complete, Tristate::kTrue);
      EXPECT_TRUE(standard.problems.empty());
      const auto extended = pci::walk_extended_capabilities(f.config);
      if (counts[i].second > 0) {
        EXPECT_EQ(extended.capabilities.size(), counts[i].second);
        // With dword 0 unknown (a cut header line), pci:: cannot rule out a function whose
        // 256-byte windows mirror the header, so it will not call the list complete.
        if (f.device_id) {
          EXPECT_EQ(extended.complete, Tristate::kTrue);
        }
        EXPECT_TRUE(extended.problems.empty());
      }
      EXPECT_TRUE(f.vendor_id.has_value());
    }
  }
}

TEST(LspciVerboseCorpus, ThinkPadT480RootPorts) {
  const Snapshot s = parse_file("Notebook_Lenovo_ThinkPad-T480-20L5CTO1WW_5.10.0-11-AMD64_5584985B1E.lspci-vv.txt");
  // 00:1c.0 (line 171): "Bus: primary=00, secondary=01, subordinate=01"; no extended caps shown.
  const auto& rp1 = get(s, "00:1c.0");
  const auto buses = pci::decode_bridge_buses(rp1.config);
  ASSERT_TRUE(buses.has_value());
  EXPECT_EQ(buses->primary, 0x00);
  EXPECT_EQ(buses->secondary, 0x01);
  EXPECT_EQ(buses->subordinate, 0x01);
  EXPECT_EQ(pci::decode_pcie(rp1.config).type, pci::PcieType::kRootPort);
  EXPECT_EQ(pci::decode_acs(rp1.config).present, Tristate::kUnknown);
  EXPECT_EQ(rp1.iommu_group, 8);
  EXPECT_EQ(rp1.driver, "pcieport");
  // 00:1c.6 (line 228): ACS at [140], ACSCap SV+ TB+ RR+ CR+, ACSCtl all '-'.
  const pci::AcsInfo acs = pci::decode_acs(get(s, "00:1c.6").config);
  EXPECT_EQ(acs.present, Tristate::kTrue);
  EXPECT_EQ(acs.offset, 0x140);
  EXPECT_EQ(acs.capability, pci::kAcsSv | pci::kAcsTb | pci::kAcsRr | pci::kAcsCr);
  EXPECT_EQ(acs.control, 0x0000);
  // 00:1d.0: the Thunderbolt port reserves buses 04-3c.
  EXPECT_EQ(pci::decode_bridge_buses(get(s, "00:1d.0").config)->subordinate, 0x3c);
  // 04:00.0 Alpine Ridge upstream port; 3c:00.0 behind 05:02.0 shares its group 16.
  EXPECT_EQ(pci::decode_pcie(get(s, "04:00.0").config).type, pci::PcieType::kUpstreamPort);
  EXPECT_EQ(pci::decode_pcie(get(s, "05:02.0").config).type, pci::PcieType::kDownstreamPort);
  EXPECT_EQ(get(s, "3c:00.0").iommu_group, 16);
  // 00:1f.x is a multifunction device (00:1c.0/00:1c.6 too: same device number); the
  // iGPU 00:02.0 is alone in its slot.
  EXPECT_EQ(pci::decode_multifunction_bit(rp1.config), Tristate::kTrue);
  EXPECT_EQ(pci::decode_multifunction_bit(get(s, "00:1f.0").config), Tristate::kTrue);
  EXPECT_EQ(pci::decode_multifunction_bit(get(s, "00:02.0").config), Tristate::kFalse);
  EXPECT_EQ(pci::decode_pcie(get(s, "00:02.0").config).type, pci::PcieType::kRcIntegratedEndpoint);
}

TEST(LspciVerboseCorpus, Z790VmdDomain) {
  const Snapshot s = parse_file("Desktop_ASUSTek-Computer_PRIME-Z790-P_6.1.0-1-AMD64_A4FB531CC9.lspci-vv.txt");
  // Line 833: "10000:e0:06.0 PCI bridge [0604]: Intel Corporation Device [8086:a74d] (rev 01)".
  const auto& port = get(s, "10000:e0:06.0");
  EXPECT_EQ(port.address.domain, 0x10000u);
  EXPECT_EQ(port.device_id, 0xa74d);
  EXPECT_EQ(port.origin, "Desktop_ASUSTek-Computer_PRIME-Z790-P_6.1.0-1-AMD64_A4FB531CC9.lspci-vv.txt:833");
  EXPECT_EQ(pci::decode_header_layout(port.config), pci::HeaderLayout::kBridge);
  // INDEX.md: all VMD-owned functions share the VMD endpoint's group 5.
  EXPECT_EQ(port.iommu_group, 5);
  EXPECT_EQ(get(s, "10000:e1:00.0").iommu_group, 5);
  EXPECT_EQ(get(s, "0000:00:0e.0").iommu_group, 5);
  // The stray "pcilib: sysfs_read_vpd" text (line 786) was removed.
  EXPECT_TRUE(any_note_has(s, "removed 1 piece"));
  // PCH root ports in D3 show no extended capabilities (INDEX.md).
  EXPECT_TRUE(any_note_has(s, "no extended capabilities"));
}

TEST(LspciVerboseCorpus, SriovOnI350) {
  const Snapshot s =
      parse_file("Server_HPE_ProLiant-MicroServer-Gen10-Plus_6.1.0-13-AMD64_3486CC9544.lspci-vv.txt");
  // Lines 980-988: ARI at [150] with Next Function 1; SR-IOV at [160], 8 VFs at offset
  // 128, stride 4, VF device 1520.
  const auto& nic = get(s, "02:00.0");
  EXPECT_EQ(pci::decode_ari(nic.config).next_function, 1);
  const pci::SriovInfo sriov = pci::decode_sriov(nic.config);
  EXPECT_EQ(sriov.present, Tristate::kTrue);
  EXPECT_EQ(sriov.offset, 0x160);
  EXPECT_EQ(sriov.total_vfs, 8);
  EXPECT_EQ(sriov.num_vfs, 0);
  EXPECT_EQ(sriov.vf_offset, 128);
  EXPECT_EQ(sriov.vf_stride, 4);
  EXPECT_EQ(sriov.vf_device_id, 0x1520);
}

TEST(LspciVerboseCorpus, DamagedHeaderLine) {
  const std::string file = "Workstation_Dell_Precision-Tower-5810_6.1.0-13-AMD64_5BF155ABE0.lspci-vv.txt";
  const Snapshot s = parse_file(file);
  // Line 1465: "... Thermal & RAS Registers [8086... (rev 02)": lspci cut the name.
  const auto& f = get(s, "ff:13.0");
  EXPECT_EQ(f.vendor_id, 0x8086);
  EXPECT_EQ(f.device_id, std::nullopt);
  EXPECT_EQ(pci::decode_identity(f.config).revision, 0x02);
  EXPECT_TRUE(any_note_has(s, file + ":1465"));
}

TEST(LspciVerboseCorpus, FrameworkOemFileShowsNoExtendedCapabilities) {
  const Snapshot s = parse_file("Notebook_Framework_Laptop-13_6.1.0-1027-OEM_251AC554A9.lspci-vv.txt");
  // INDEX.md: no function shows extended capabilities; they must be unknown, not absent.
  for (const auto& f : s.functions) {
    if (pci::decode_pcie(f.config).is_pcie != Tristate::kTrue) continue;
    EXPECT_EQ(pci::decode_acs(f.config).present, Tristate::kUnknown) << f.address.to_string();
  }
  EXPECT_TRUE(any_note_has(s, "no extended capabilities"));
  // The stray "pcilib: Error reading .../label" inside 00:08.3 (line 346) did not break it.
  EXPECT_TRUE(any_note_has(s, "removed 1 piece"));
  EXPECT_EQ(pci::decode_pcie(get(s, "00:08.3").config).type, pci::PcieType::kRootPort);
  EXPECT_EQ(get(s, "00:00.0").iommu_group, std::nullopt);
}

}  // namespace
}  // namespace isogroup
