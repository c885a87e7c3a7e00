// pci_dev_acs_enabled[] (§4.3): every row with a device it matches and one it does not,
// at the edges of the kernels it exists in.
#include <gtest/gtest.h>

#include <algorithm>

#include "acs_test_util.h"
#include "isogroup/grouping/acs.h"
#include "isogroup/grouping/acs_quirks.h"

namespace isogroup::testing {
namespace {

using pci::kAcsCr;
using pci::kAcsRr;
using pci::kAcsSv;
using pci::kAcsUf;
using pci::PcieType;

constexpr std::uint16_t kFull = kAcsSv | kAcsRr | kAcsCr | kAcsUf;

struct Device {
  ConfigBuilder config = ConfigBuilder::endpoint(0, 0, 0);
  std::string address;
  Platform platform = Platform::kIntelVtd;
};

// A function the row's quirk function applies to, and which has no ACS of its own, so that
// without the quirk the standard rules say "not isolated".
Device device_for(AcsQuirkFn fn, std::uint16_t vendor, std::uint16_t device) {
  Device d;
  switch (fn) {
    case AcsQuirkFn::kAmdSb:
      // A southbridge function: conventional, multifunction, on the root bus, with IVRS.
      d.config = ConfigBuilder::endpoint(vendor, device, 0x0c0300);
      d.config.multifunction();
      d.address = "00:14.0";
      d.platform = Platform::kAmdVi;
      return d;
    case AcsQuirkFn::kMfEndpoint:
    case AcsQuirkFn::kWangxunNic:
      d.config = ConfigBuilder::endpoint(vendor, device, 0x020000);
      d.config.multifunction().pcie(PcieType::kEndpoint);
      d.address = "00:03.0";
      return d;
    case AcsQuirkFn::kIntelRciep:
      d.config = ConfigBuilder::endpoint(vendor, device, 0x088000);
      d.config.multifunction().pcie(PcieType::kRcIntegratedEndpoint);
      d.address = "00:04.0";
      return d;
    case AcsQuirkFn::kIntelSptPch:
      d.config = ConfigBuilder::bridge(vendor, device, 0, 1, 1);
      d.config.pcie(PcieType::kRootPort).acs(kFull, 0).poke32(0x108, kFull);
      d.address = "00:1c.0";
      return d;
    default:
      d.config = ConfigBuilder::bridge(vendor, device, 0, 1, 1);
      d.config.pcie(PcieType::kRootPort);
      d.address = "00:1c.0";
      return d;
  }
}

AcsVerdict evaluate(const Device& d, const KernelVersion& kernel, std::string cmdline = "") {
  auto b = with_host_bridge();
  b.add(d.address, d.config);
  const Topology t = b.topology();
  Policy p = make_test_policy("7.0", d.platform, std::move(cmdline));
  p.kernel = kernel;
  AcsEvaluator acs(t, p);
  return acs.enabled(id_of(t, d.address));
}

KernelVersion just_before(const KernelVersion& v) {
  if (v.minor > 0) return {v.major, v.minor - 1, 99};
  return {v.major - 1, 99, 0};
}

// The device ids an ANY row's function accepts: the first and last of every range.
std::vector<std::pair<std::uint16_t, VersionRange>> listed_ids(AcsQuirkFn fn) {
  const std::vector<AcsIdRange>* ranges = nullptr;
  if (fn == AcsQuirkFn::kIntelPch) ranges = &intel_pch_acs_ids();
  if (fn == AcsQuirkFn::kIntelSptPch) ranges = &intel_spt_pch_acs_ids();
  if (fn == AcsQuirkFn::kCavium) ranges = &cavium_acs_ids();
  if (fn == AcsQuirkFn::kZhaoxinPorts) ranges = &zhaoxin_port_acs_ids();
  if (fn == AcsQuirkFn::kWangxunNic) ranges = &wangxun_nic_acs_ids();
  std::vector<std::pair<std::uint16_t, VersionRange>> out;
  if (!ranges) return out;
  for (const auto& r : *ranges) {
    out.emplace_back(r.first, r.kernels);
    out.emplace_back(r.last, r.kernels);
  }
  return out;
}

TEST(AcsQuirkTable, EveryRowIsolatesItsDevicesFromTheKernelItAppearsIn) {
  int checked = 0;
  for (const AcsQuirkRow& row : acs_quirk_table()) {
    std::vector<std::pair<std::uint16_t, VersionRange>> ids;
    if (row.device != kAnyId) {
      ids.emplace_back(static_cast<std::uint16_t>(row.device), row.kernels);
    } else if (row.fn == AcsQuirkFn::kIntelRciep) {
      ids.emplace_back(0x7777, row.kernels);  // any Intel RCiEP
    } else {
      ids = listed_ids(row.fn);
    }
    ASSERT_FALSE(ids.empty()) << row.citation;
    for (const auto& [id, id_kernels] : ids) {
      const Device d = device_for(row.fn, static_cast<std::uint16_t>(row.vendor), id);
      const KernelVersion first = std::max(row.kernels.since, id_kernels.since);
      const auto v = evaluate(d, first);
      EXPECT_EQ(v.enabled, Tristate::kTrue) << row.citation << " " << std::hex << id << " on " << first.to_string()
                                            << ": " << v.reason.text;
      EXPECT_EQ(v.reason.kind, ReasonKind::kAcsQuirk) << row.citation << " " << std::hex << id;
      EXPECT_EQ(evaluate(d, KernelVersion::newest()).enabled, Tristate::kTrue) << row.citation;
      // One version earlier the row (or the id) does not exist: no quirk decides "yes".
      const auto before = evaluate(d, just_before(first));
      EXPECT_NE(before.enabled, Tristate::kTrue) << row.citation << " " << std::hex << id << " before "
                                                 << first.to_string();
      ++checked;
    }
  }
  EXPECT_GT(checked, 150);
}

TEST(AcsQuirkTable, RowsDoNotMatchOtherDevices) {
  // The same kind of function with an id next to the row's that no row lists.
  for (const AcsQuirkRow& row : acs_quirk_table()) {
    if (row.device == kAnyId) continue;
    std::uint16_t other = static_cast<std::uint16_t>(row.device ^ 0x0800);
    const auto listed = [&](std::uint16_t id) {
      return std::any_of(acs_quirk_table().begin(), acs_quirk_table().end(), [&](const AcsQuirkRow& r) {
        return r.vendor == row.vendor && r.device == id;
      });
    };
    while (listed(other)) ++other;
    const Device d = device_for(row.fn, static_cast<std::uint16_t>(row.vendor), other);
    const auto v = evaluate(d, KernelVersion::newest());
    if (row.vendor != 0x8086 && row.vendor != 0x177d && row.vendor != 0x1d17 && row.vendor != 0x8088) {
      // Vendors without an ANY row: the standard rules say "no ACS".
      EXPECT_EQ(v.enabled, Tristate::kFalse) << row.citation << " " << std::hex << other;
      EXPECT_NE(v.reason.kind, ReasonKind::kAcsQuirk) << row.citation;
    }
  }
}

TEST(AcsQuirkTable, AnyRowsOnlyTakeTheirOwnKind) {
  const KernelVersion k = KernelVersion::newest();
  // Intel RCiEP quirk: not for another vendor's RCiEP.
  EXPECT_EQ(evaluate(device_for(AcsQuirkFn::kIntelRciep, 0x1b36, 0x7777), k).enabled, Tristate::kFalse);
  // Intel root port in neither PCH list: standard rules.
  EXPECT_EQ(evaluate(device_for(AcsQuirkFn::kIntelPch, 0x8086, 0x7777), k).enabled, Tristate::kFalse);
  // PCH id on something that is not a root port.
  EXPECT_EQ(evaluate(device_for(AcsQuirkFn::kMfEndpoint, 0x8086, 0x1c10), k).enabled, Tristate::kFalse);
  // Cavium root port outside the ThunderX ranges.
  EXPECT_EQ(evaluate(device_for(AcsQuirkFn::kCavium, 0x177d, 0xa800), k).enabled, Tristate::kFalse);
  // SPT/UPT id without an ACS capability: the quirk has no opinion.
  Device spt_no_cap = device_for(AcsQuirkFn::kQcomRp, 0x8086, 0xa110);
  EXPECT_EQ(evaluate(spt_no_cap, k).enabled, Tristate::kFalse);
}

TEST(AcsQuirkTable, ZhaoxinAndWangxunSayNoForUnlistedIds) {
  const KernelVersion k = KernelVersion::newest();
  // A Zhaoxin root port outside the list, with a fully enabled ACS capability: still "no".
  Device zx = device_for(AcsQuirkFn::kZhaoxinPorts, 0x1d17, 0x0722);
  zx.config.acs(kFull, kFull);
  const auto v = evaluate(zx, k);
  EXPECT_EQ(v.enabled, Tristate::kFalse);
  EXPECT_EQ(v.reason.kind, ReasonKind::kAcsQuirk);
  // A Zhaoxin endpoint is not a port: no opinion, single-function endpoint passes.
  auto ep = ConfigBuilder::endpoint(0x1d17, 0x0722, 0x020000);
  ep.pcie(PcieType::kEndpoint);
  EXPECT_EQ(evaluate(Device{ep, "00:03.0"}, k).enabled, Tristate::kTrue);
  // Wangxun: any unlisted id is a decisive "no", even single-function.
  auto wx = ConfigBuilder::endpoint(0x8088, 0x0110, 0x020000);
  wx.pcie(PcieType::kEndpoint);
  EXPECT_EQ(evaluate(Device{wx, "00:03.0"}, k).enabled, Tristate::kFalse);
  // AML ids existed in the table's function only from the 6.12-6.19 window (Appendix B).
  const Device aml = device_for(AcsQuirkFn::kWangxunNic, 0x8088, 0x5010);
  EXPECT_EQ(evaluate(aml, {6, 6, 0}).enabled, Tristate::kFalse);
  EXPECT_EQ(evaluate(aml, {7, 0, 0}).enabled, Tristate::kTrue);
}

TEST(AcsQuirkTable, VersionEdgesFromTheReference) {
  // 13a: Qualcomm Hamoa/Glymur arrive with v7.0 ([QUIRKS-2026]).
  const Device hamoa = device_for(AcsQuirkFn::kQcomRp, 0x17cb, 0x0111);
  EXPECT_EQ(evaluate(hamoa, {6, 19, 0}).enabled, Tristate::kFalse);
  EXPECT_EQ(evaluate(hamoa, {7, 0, 0}).enabled, Tristate::kTrue);
  const Device glymur = device_for(AcsQuirkFn::kQcomRp, 0x17cb, 0x0120);
  EXPECT_EQ(evaluate(glymur, {7, 0, 0}).enabled, Tristate::kTrue);
  // The [QUIRKS] copy (≈6.12-6.15) has SA8775P and the Intel SPT list.
  EXPECT_EQ(evaluate(device_for(AcsQuirkFn::kQcomRp, 0x17cb, 0x0115), {6, 12, 0}).enabled, Tristate::kTrue);
  EXPECT_EQ(evaluate(device_for(AcsQuirkFn::kIntelSptPch, 0x8086, 0x9d1b), {6, 12, 0}).enabled, Tristate::kTrue);
}

TEST(AcsQuirkTable, KernelOrder) {
  const auto& t = acs_quirk_table();
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.front().vendor, 0x1002u);
  EXPECT_EQ(t.front().device, 0x4385u);
  EXPECT_EQ(t.back().vendor, 0x8088u);
  EXPECT_EQ(t.back().fn, AcsQuirkFn::kWangxunNic);
  const auto index = [&](AcsQuirkFn fn, std::uint32_t vendor) {
    return std::find_if(t.begin(), t.end(), [&](const AcsQuirkRow& r) { return r.fn == fn && r.vendor == vendor; }) -
           t.begin();
  };
  EXPECT_LT(index(AcsQuirkFn::kMfEndpoint, 0x8086), index(AcsQuirkFn::kIntelRciep, 0x8086));
  EXPECT_LT(index(AcsQuirkFn::kIntelRciep, 0x8086), index(AcsQuirkFn::kQcomRp, 0x17cb));
  EXPECT_LT(index(AcsQuirkFn::kQcomRp, 0x1dbf), index(AcsQuirkFn::kIntelPch, 0x8086));
  EXPECT_LT(index(AcsQuirkFn::kIntelPch, 0x8086), index(AcsQuirkFn::kIntelSptPch, 0x8086));
  EXPECT_LT(index(AcsQuirkFn::kCavium, 0x177d), index(AcsQuirkFn::kMfEndpoint, 0x177d));
  EXPECT_LT(index(AcsQuirkFn::kMfEndpoint, 0x1d17), index(AcsQuirkFn::kNxpRp, 0x1957));
  EXPECT_LT(index(AcsQuirkFn::kNxpRp, 0x1957), index(AcsQuirkFn::kZhaoxinPorts, 0x1d17));
}

TEST(AcsQuirkTable, OverrideRowIsAppendedLastOnlyWhenAsked) {
  const auto plain = acs_quirk_table_for(make_test_policy("7.0"));
  EXPECT_TRUE(std::none_of(plain.begin(), plain.end(),
                           [](const AcsQuirkRow& r) { return r.fn == AcsQuirkFn::kAcsOverride; }));
  const auto with = acs_quirk_table_for(make_test_policy("7.0", Platform::kIntelVtd, "pcie_acs_override=downstream"));
  ASSERT_FALSE(with.empty());
  EXPECT_EQ(with.back().fn, AcsQuirkFn::kAcsOverride);
  EXPECT_EQ(with.size(), plain.size() + 1);
  // Older kernels have fewer rows.
  EXPECT_LT(acs_quirk_table_for(make_test_policy("4.4")).size(), plain.size());
}

TEST(AcsQuirkTable, AmdSouthbridgeNeedsIvrsRootBusAndMultifunction) {
  const KernelVersion k = KernelVersion::newest();
  Device sb = device_for(AcsQuirkFn::kAmdSb, 0x1022, 0x780f);
  EXPECT_EQ(evaluate(sb, k).enabled, Tristate::kTrue);
  sb.platform = Platform::kIntelVtd;  // no IVRS table
  EXPECT_EQ(evaluate(sb, k).enabled, Tristate::kFalse);
  Device single = device_for(AcsQuirkFn::kAmdSb, 0x1022, 0x780f);
  single.config.multifunction(false);
  EXPECT_EQ(evaluate(single, k).enabled, Tristate::kFalse);
}

TEST(KernelLogDevice, FindsTheAddressBeforeTheMessage) {
  const std::string line = "[    0.5] pci 0000:00:1c.4: Intel PCH root port ACS workaround enabled";
  const auto bdf = kernel_log_device(line, line.find("Intel"));
  ASSERT_TRUE(bdf);
  EXPECT_EQ(bdf->to_string(), "0000:00:1c.4");
  const std::string vmd = "pci 10000:e1:00.0: Enabling fixed DMA alias to 00.1";
  EXPECT_EQ(kernel_log_device(vmd, vmd.find("Enabling"))->domain, 0x10000u);
  EXPECT_FALSE(kernel_log_device("no address here", 15));
  EXPECT_FALSE(kernel_log_device("pci 0000:00:1c: truncated", 25));
}

}  // namespace
}  // namespace isogroup::testing
