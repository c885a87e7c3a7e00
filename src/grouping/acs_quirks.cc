// pci_dev_acs_enabled[] of drivers/pci/quirks.c as data (§4.3 of the reference), in kernel
// order. Version ranges: the reference's [QUIRKS] copy (≈v6.12-6.15) has every row but 13a,
// [QUIRKS-2026] adds 13a for v7.0. The "since" versions are from memory of when each quirk
// landed and are approximate: where unsure, the range starts earlier rather than later
// (a row that exists is applied), and the comment says so.
#include "isogroup/grouping/acs_quirks.h"

#include <algorithm>
#include <initializer_list>

namespace isogroup {
namespace {

constexpr KernelVersion kNever{999, 0, 0};
constexpr VersionRange since(int major, int minor) { return VersionRange{{major, minor, 0}, kNever}; }

struct TableBuilder {
  std::vector<AcsQuirkRow> rows;
  void add(std::uint32_t vendor, std::initializer_list<std::uint32_t> devices, AcsQuirkFn fn,
           VersionRange kernels, std::string_view citation) {
    for (const std::uint32_t d : devices) rows.push_back(AcsQuirkRow{vendor, d, fn, kernels, citation});
  }
};

std::vector<AcsQuirkRow> make_table() {
  using F = AcsQuirkFn;
  TableBuilder t;
  // 1-2: AMD/ATI southbridge functions on the root bus, only with an IVRS table (≈3.10, unsure).
  t.add(0x1002, {0x4385, 0x439c, 0x4383, 0x439d, 0x4384, 0x4399}, F::kAmdSb, since(3, 10),
        "ATI SB7xx/SB8xx southbridge (pci_quirk_amd_sb_acs)");
  t.add(0x1022, {0x780f, 0x7809}, F::kAmdSb, since(3, 10), "AMD Hudson southbridge (pci_quirk_amd_sb_acs)");
  // 3: Solarflare SFC9xxx (≈3.14, unsure).
  t.add(0x1924, {0x0903, 0x0923, 0x0a03}, F::kMfEndpoint, since(3, 14), "Solarflare multifunction NIC");
  // 4: Intel 10G NICs (≈3.14, unsure).
  t.add(0x8086,
        {0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc, 0x1507,
         0x1514, 0x151c, 0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558},
        F::kMfEndpoint, since(3, 14), "Intel 82598/82599/X540 10G NIC");
  // 5-9: Intel 1G NICs (≈3.19, unsure).
  t.add(0x8086, {0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527}, F::kMfEndpoint, since(3, 19),
        "Intel 82580");
  t.add(0x8086, {0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526}, F::kMfEndpoint,
        since(3, 19), "Intel 82576");
  t.add(0x8086, {0x10a7, 0x10a9, 0x10d6}, F::kMfEndpoint, since(3, 19), "Intel 82575");
  t.add(0x8086, {0x1521, 0x1522, 0x1523, 0x1524}, F::kMfEndpoint, since(3, 19), "Intel I350");
  t.add(0x8086, {0x105e, 0x105f, 0x1060, 0x10d9}, F::kMfEndpoint, since(3, 19),
        "Intel 82571 (quad-port versions left out on purpose)");
  // 10: Intel I219 (unsure when; kept wide).
  t.add(0x8086, {0x15b7, 0x15b8}, F::kMfEndpoint, since(4, 0), "Intel I219");
  // 11: Intel root-complex integrated endpoints (≈4.15).
  t.add(0x8086, {kAnyId}, F::kIntelRciep, since(4, 15), "Intel RCiEP (pci_quirk_rciep_acs)");
  // 12-14: Qualcomm / HXT root ports without an ACS capability.
  t.add(0x17cb, {0x0400, 0x0401}, F::kQcomRp, since(4, 14), "Qualcomm QDF2xxx root port");
  t.add(0x17cb, {0x0115}, F::kQcomRp, since(6, 12), "Qualcomm SA8775P root port (6.12-6.19 era)");
  t.add(0x17cb, {0x0111, 0x0120}, F::kQcomRp, since(7, 0),
        "Qualcomm Hamoa / Glymur root port ([QUIRKS-2026], applied for v7.0)");
  t.add(0x1dbf, {0x0401}, F::kQcomRp, since(4, 20), "HXT SD4800 root port (vendor id 1dbf: verify)");
  // 15-16: Intel PCH root ports; the functions test the id lists below.
  t.add(0x8086, {kAnyId}, F::kIntelPch, since(3, 11), "Intel PCH root port (pci_quirk_intel_pch_acs)");
  t.add(0x8086, {kAnyId}, F::kIntelSptPch, since(4, 6),
        "Intel Sunrise/Union Point root port (pci_quirk_intel_spt_pch_acs)");
  // 17-18: Emulex (unsure when; kept wide).
  t.add(0x19a2, {0x0710}, F::kMfEndpoint, since(4, 5), "Emulex BE3-R");
  t.add(0x10df, {0x0720}, F::kMfEndpoint, since(4, 5), "Emulex Skyhawk-R");
  // 19-20: Cavium ThunderX.
  t.add(0x177d, {kAnyId}, F::kCavium, since(4, 2), "Cavium ThunderX root port (pci_quirk_cavium_acs)");
  t.add(0x177d, {0xa026, 0xa059, 0xa060}, F::kMfEndpoint, since(4, 20), "Cavium multifunction devices");
  // 21-22: APM X-Gene / Ampere root ports.
  t.add(0x10e8, {0xe004}, F::kXgene, since(4, 15), "APM X-Gene root port (vendor id 10e8: verify)");
  t.add(0x1def, {0xe005, 0xe006, 0xe007, 0xe008, 0xe009, 0xe00a, 0xe00b, 0xe00c}, F::kXgene, since(5, 4),
        "Ampere root port");
  // 23-24: Broadcom. 16d7 is old, 1750-1763 (BCM5760X) arrived in the 6.12-6.19 window.
  t.add(0x14e4, {0x16d7}, F::kMfEndpoint, since(4, 19), "Broadcom BCM57414 NIC");
  t.add(0x14e4, {0x1750, 0x1751, 0x1752, 0x1760, 0x1761, 0x1762, 0x1763}, F::kMfEndpoint, since(6, 11),
        "Broadcom BCM5760X NIC");
  t.add(0x14e4, {0xd714}, F::kBrcm, since(5, 5), "Broadcom iProc PAXB root port");
  // 25: Loongson root ports (≈5.19; some ids may be later, kept wide).
  t.add(0x0014,
        {0x3c09, 0x3c19, 0x3c29, 0x7a09, 0x7a19, 0x7a29, 0x7a39, 0x7a49, 0x7a59, 0x7a69},
        F::kLoongson, since(5, 19), "Loongson root port");
  // 26: Amazon Annapurna Labs root port.
  t.add(0x1c36, {0x0031}, F::kAmazonAl, since(5, 7), "Amazon Annapurna Labs root port");
  // 27: Zhaoxin multifunction devices.
  t.add(0x1d17, {0x3038, 0x3104, 0x9083}, F::kMfEndpoint, since(5, 12), "Zhaoxin multifunction devices");
  // 28: NXP LX2xx0 root ports.
  t.add(0x1957,
        {0x8d81, 0x8da1, 0x8d83, 0x8d80, 0x8da0, 0x8d82, 0x8d90, 0x8db0, 0x8d92, 0x8d91, 0x8db1, 0x8d93,
         0x8d89, 0x8da9, 0x8d8b, 0x8d88, 0x8da8, 0x8d8a, 0x8d98, 0x8db8, 0x8d9a, 0x8d99, 0x8db9, 0x8d9b},
        F::kNxpRp, since(5, 6), "NXP LX2xx0 root port");
  // 29: Zhaoxin root / downstream ports: the listed ids isolate, every other id does not.
  t.add(0x1d17, {kAnyId}, F::kZhaoxinPorts, since(5, 12), "Zhaoxin root/downstream port");
  // 30: Wangxun NICs: listed ids isolate, every other Wangxun id does not.
  t.add(0x8088, {kAnyId}, F::kWangxunNic, since(6, 3), "Wangxun NIC");
  return t.rows;
}

}  // namespace

std::string_view to_string(AcsQuirkFn fn) {
  switch (fn) {
    case AcsQuirkFn::kAmdSb: return "AMD southbridge";
    case AcsQuirkFn::kMfEndpoint: return "multifunction endpoint without peer-to-peer";
    case AcsQuirkFn::kIntelRciep: return "Intel root-complex integrated endpoint";
    case AcsQuirkFn::kQcomRp: return "Qualcomm root port";
    case AcsQuirkFn::kIntelPch: return "Intel PCH root port";
    case AcsQuirkFn::kIntelSptPch: return "Intel Sunrise/Union Point root port";
    case AcsQuirkFn::kCavium: return "Cavium root port";
    case AcsQuirkFn::kXgene: return "X-Gene/Ampere root port";
    case AcsQuirkFn::kBrcm: return "Broadcom iProc root port";
    case AcsQuirkFn::kLoongson: return "Loongson root port";
    case AcsQuirkFn::kNxpRp: return "NXP root port";
    case AcsQuirkFn::kAmazonAl: return "Amazon Annapurna Labs root port";
    case AcsQuirkFn::kZhaoxinPorts: return "Zhaoxin port";
    case AcsQuirkFn::kWangxunNic: return "Wangxun NIC";
    case AcsQuirkFn::kAcsOverride: return "pcie_acs_override";
  }
  return "unknown quirk";
}

const std::vector<AcsQuirkRow>& acs_quirk_table() {
  static const std::vector<AcsQuirkRow> table = make_table();
  return table;
}

std::vector<AcsQuirkRow> acs_quirk_table_for(const Policy& policy) {
  std::vector<AcsQuirkRow> rows;
  for (const auto& row : acs_quirk_table()) {
    if (row.kernels.contains(policy.kernel)) rows.push_back(row);
  }
  if (policy.boot.acs_override.any()) {
    rows.push_back(AcsQuirkRow{kAnyId, kAnyId, AcsQuirkFn::kAcsOverride, VersionRange{},
                               "out-of-tree pcie_acs_override patch, common variant (last row)"});
  }
  return rows;
}

const std::vector<AcsIdRange>& intel_pch_acs_ids() {
  // pci_quirk_intel_pch_acs_ids[] (≈3.11; the X99 and 9-series ids came a little later,
  // kept wide).
  static const std::vector<AcsIdRange> ids = {
      {0x3b42, 0x3b51, since(3, 11), "Ibexpeak"},
      {0x1c10, 0x1c1f, since(3, 11), "Cougarpoint"},
      {0x1e10, 0x1e1f, since(3, 11), "Pantherpoint"},
      {0x8c10, 0x8c1f, since(3, 11), "Lynxpoint-H"},
      {0x9c10, 0x9c1b, since(3, 11), "Lynxpoint-LP"},
      {0x9c90, 0x9c9b, since(3, 11), "Wildcat"},
      {0x1d10, 0x1d10, since(3, 11), "Patsburg (X79)"},
      {0x1d12, 0x1d12, since(3, 11), "Patsburg (X79)"},
      {0x1d14, 0x1d14, since(3, 11), "Patsburg (X79)"},
      {0x1d16, 0x1d16, since(3, 11), "Patsburg (X79)"},
      {0x1d18, 0x1d18, since(3, 11), "Patsburg (X79)"},
      {0x1d1a, 0x1d1a, since(3, 11), "Patsburg (X79)"},
      {0x1d1c, 0x1d1c, since(3, 11), "Patsburg (X79)"},
      {0x1d1e, 0x1d1e, since(3, 11), "Patsburg (X79)"},
      {0x8d10, 0x8d1e, since(3, 11), "Wellsburg (X99)"},
      {0x8c90, 0x8c90, since(3, 11), "9 series"},
      {0x8c92, 0x8c92, since(3, 11), "9 series"},
      {0x8c94, 0x8c94, since(3, 11), "9 series"},
      {0x8c96, 0x8c96, since(3, 11), "9 series"},
      {0x8c98, 0x8c98, since(3, 11), "9 series"},
      {0x8c9a, 0x8c9a, since(3, 11), "9 series"},
      {0x8c9c, 0x8c9c, since(3, 11), "9 series"},
      {0x8c9e, 0x8c9e, since(3, 11), "9 series"},
  };
  return ids;
}

const std::vector<AcsIdRange>& intel_spt_pch_acs_ids() {
  // pci_quirk_intel_spt_pch_acs_match(): Sunrise Point ≈4.6, Union Point ≈4.10,
  // 7th/8th-gen mobile ≈5.0 (all approximate, kept wide).
  static const std::vector<AcsIdRange> ids = {
      {0xa110, 0xa11f, since(4, 6), "Sunrise Point"},
      {0xa167, 0xa16a, since(4, 6), "Sunrise Point"},
      {0xa290, 0xa29f, since(4, 10), "Union Point"},
      {0xa2e7, 0xa2ee, since(4, 10), "Union Point"},
      {0x9d10, 0x9d1b, since(5, 0), "7th/8th gen mobile"},
  };
  return ids;
}

const std::vector<AcsIdRange>& cavium_acs_ids() {
  // pci_quirk_cavium_acs_match(): ThunderX1 (≈4.2), ThunderX2 (≈4.19), ThunderX3 (≈5.4).
  static const std::vector<AcsIdRange> ids = {
      {0xa000, 0xa7ff, since(4, 2), "ThunderX1"},
      {0xaf84, 0xaf84, since(4, 19), "ThunderX2"},
      {0xb884, 0xb884, since(5, 4), "ThunderX3"},
  };
  return ids;
}

const std::vector<AcsIdRange>& zhaoxin_port_acs_ids() {
  static const std::vector<AcsIdRange> ids = {
      {0x0710, 0x071e, since(5, 12), "Zhaoxin"},
      {0x0721, 0x0721, since(5, 12), "Zhaoxin"},
      {0x0723, 0x0752, since(5, 12), "Zhaoxin"},
  };
  return ids;
}

const std::vector<AcsIdRange>& wangxun_nic_acs_ids() {
  // EM and SP NICs came with the quirk (≈6.3); the AML ids in the 6.12-6.19 window.
  static const std::vector<AcsIdRange> ids = {
      {0x0100, 0x010f, since(6, 3), "Wangxun EM"},
      {0x1001, 0x1001, since(6, 3), "Wangxun SP"},
      {0x2001, 0x2001, since(6, 3), "Wangxun SP"},
      {0x5010, 0x5010, since(6, 12), "Wangxun AML"},
      {0x5025, 0x5025, since(6, 12), "Wangxun AML"},
      {0x5040, 0x5040, since(6, 12), "Wangxun AML"},
      {0x5110, 0x5110, since(6, 12), "Wangxun AML"},
      {0x5125, 0x5125, since(6, 12), "Wangxun AML"},
      {0x5140, 0x5140, since(6, 12), "Wangxun AML"},
  };
  return ids;
}

bool id_in(const std::vector<AcsIdRange>& ranges, std::uint16_t id, const KernelVersion& kernel) {
  for (const auto& r : ranges) {
    if (r.contains(id, kernel)) return true;
  }
  return false;
}

}  // namespace isogroup

namespace isogroup {
namespace {
bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
}  // namespace

std::optional<Bdf> kernel_log_device(std::string_view line, std::size_t message_pos) {
  line = line.substr(0, std::min(message_pos, line.size()));
  std::optional<Bdf> found;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (!hex(line[i]) || (i > 0 && hex(line[i - 1]))) continue;
    std::size_t j = i;
    while (j < line.size() && hex(line[j])) ++j;
    const std::size_t domain_digits = j - i;
    // DDDD:BB:DD.F with a domain of 4 to 8 digits (VMD domains have 5).
    if (domain_digits < 4 || domain_digits > 8 || j + 8 > line.size()) continue;
    const std::string_view rest = line.substr(j, 8);
    if (rest[0] != ':' || !hex(rest[1]) || !hex(rest[2]) || rest[3] != ':' || !hex(rest[4]) || !hex(rest[5]) ||
        rest[6] != '.' || rest[7] < '0' || rest[7] > '7') {
      continue;
    }
    if (auto bdf = Bdf::parse(line.substr(i, domain_digits + 8))) found = *bdf;
  }
  return found;
}

}  // namespace isogroup
