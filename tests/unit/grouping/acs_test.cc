// pci_acs_enabled() rules of §4.1, the boot-time Control of §4.2 and the path walk.
#include "isogroup/grouping/acs.h"

#include <gtest/gtest.h>

#include "acs_test_util.h"

namespace isogroup::testing {
namespace {

using pci::kAcsCr;
using pci::kAcsRr;
using pci::kAcsSv;
using pci::kAcsTb;
using pci::kAcsUf;
using pci::PcieType;

constexpr std::uint16_t kFull = kAcsSv | kAcsRr | kAcsCr | kAcsUf;
constexpr std::uint16_t kQemuCap = kFull | kAcsTb;

// A vendor no quirk row names (Red Hat / QEMU).
constexpr std::uint16_t kPlainVendor = 0x1b36;

ConfigBuilder port(PcieType type, std::uint8_t secondary, std::uint16_t cap, std::uint16_t ctrl,
                   std::uint16_t vendor = kPlainVendor, std::uint16_t device = 0x000c) {
  auto b = ConfigBuilder::bridge(vendor, device, 0, secondary, secondary);
  b.pcie(type).acs(cap, ctrl);
  return b;
}

struct One {
  Topology topology;
  FunctionId f = 0;
};

One one(const ConfigBuilder& config, std::string_view address = "00:1c.0", SnapshotBuilder b = with_host_bridge()) {
  b.add(address, config);
  One o{b.topology(), 0};
  o.f = id_of(o.topology, address);
  return o;
}

AcsVerdict verdict(const One& o, const Policy& policy = make_test_policy()) {
  AcsEvaluator acs(o.topology, policy);
  return acs.enabled(o.f);
}

// --- §4.1 by PCIe type ---

TEST(AcsTypeRules, ConventionalFunctionIsNeverIsolated) {
  const auto v = verdict(one(parts::pci_endpoint(kPlainVendor, 0x0100), "00:05.0"));
  EXPECT_EQ(v.enabled, Tristate::kFalse);
  EXPECT_EQ(v.reason.kind, ReasonKind::kAcsMissing);
}

TEST(AcsTypeRules, BridgesAndEventCollectorsAreNeverIsolated) {
  // Even with a fully enabled ACS capability.
  for (const PcieType t : {PcieType::kPcieToPciBridge, PcieType::kPciToPcieBridge}) {
    const auto v = verdict(one(port(t, 1, kQemuCap, kFull)));
    EXPECT_EQ(v.enabled, Tristate::kFalse) << to_string(t);
    EXPECT_EQ(v.reason.kind, ReasonKind::kAcsMissing);
  }
  auto rcec = ConfigBuilder::endpoint(kPlainVendor, 0x0101, 0x080700);
  rcec.pcie(PcieType::kRcEventCollector).acs(kQemuCap, kFull);
  EXPECT_EQ(verdict(one(rcec, "00:07.0")).enabled, Tristate::kFalse);
}

TEST(AcsTypeRules, PortsNeedTheirAcsBitsSingleOrMultifunction) {
  for (const PcieType t : {PcieType::kRootPort, PcieType::kDownstreamPort}) {
    EXPECT_EQ(verdict(one(port(t, 1, kQemuCap, kFull))).enabled, Tristate::kTrue);
    EXPECT_EQ(verdict(one(port(t, 1, kQemuCap, kFull).multifunction())).enabled, Tristate::kTrue);
    const auto off = verdict(one(port(t, 1, kQemuCap, 0)));
    EXPECT_EQ(off.enabled, Tristate::kFalse);
    EXPECT_EQ(off.reason.kind, ReasonKind::kAcsIncomplete);
    auto no_acs = ConfigBuilder::bridge(kPlainVendor, 0x000c, 0, 1, 1);
    no_acs.pcie(t);
    const auto missing = verdict(one(no_acs));
    EXPECT_EQ(missing.enabled, Tristate::kFalse);
    EXPECT_EQ(missing.reason.kind, ReasonKind::kAcsMissing);
  }
}

TEST(AcsTypeRules, SingleFunctionEndpointsNeedNoAcs) {
  for (const PcieType t : {PcieType::kEndpoint, PcieType::kLegacyEndpoint, PcieType::kRcIntegratedEndpoint}) {
    auto e = ConfigBuilder::endpoint(kPlainVendor, 0x0102, 0x020000);
    e.pcie(t);
    EXPECT_EQ(verdict(one(e, "00:03.0")).enabled, Tristate::kTrue) << to_string(t);
  }
  auto usp = ConfigBuilder::bridge(kPlainVendor, 0x0103, 0, 1, 1);
  usp.pcie(PcieType::kUpstreamPort);
  EXPECT_EQ(verdict(one(usp)).enabled, Tristate::kTrue);
}

TEST(AcsTypeRules, MultifunctionEndpointsNeedAcs) {
  auto without = ConfigBuilder::endpoint(kPlainVendor, 0x0104, 0x020000);
  without.multifunction().pcie(PcieType::kEndpoint);
  const auto v = verdict(one(without, "00:03.0"));
  EXPECT_EQ(v.enabled, Tristate::kFalse);
  EXPECT_EQ(v.reason.kind, ReasonKind::kAcsMissing);
  EXPECT_NE(v.reason.remedy.find("pcie_acs_override=id:1b36:0104"), std::string::npos);

  auto with = ConfigBuilder::endpoint(kPlainVendor, 0x0104, 0x020000);
  with.multifunction().pcie(PcieType::kEndpoint).acs(kAcsRr | kAcsCr, kAcsRr | kAcsCr);
  EXPECT_EQ(verdict(one(with, "00:03.0")).enabled, Tristate::kTrue);
}

TEST(AcsTypeRules, FunctionsAboveZeroAreMultifunction) {
  // Function 1 of a slot is multifunction whatever its own header bit says (§1.3).
  auto b = with_host_bridge();
  b.add("00:03.0", ConfigBuilder::endpoint(kPlainVendor, 0x0105, 0x020000).multifunction().pcie(PcieType::kEndpoint));
  b.add("00:03.1", ConfigBuilder::endpoint(kPlainVendor, 0x0105, 0x020000).pcie(PcieType::kEndpoint));
  const Topology t = b.topology();
  AcsEvaluator acs(t, make_test_policy());
  EXPECT_EQ(acs.enabled(id_of(t, "00:03.1")).enabled, Tristate::kFalse);
}

// --- pci_acs_flags_enabled ---

TEST(AcsFlags, IncompleteControlNamesTheMissingBits) {
  const auto v = verdict(one(port(PcieType::kRootPort, 1, kQemuCap, kAcsSv | kAcsCr | kAcsUf)));
  EXPECT_EQ(v.enabled, Tristate::kFalse);
  EXPECT_EQ(v.reason.kind, ReasonKind::kAcsIncomplete);
  EXPECT_NE(v.reason.text.find("ACS present but RR not enabled in control (SV|CR|UF only)"), std::string::npos)
      << v.reason.text;
  // config_acs exists on 7.0: the remedy sets SV, RR, CR, UF and keeps TB.
  EXPECT_EQ(v.reason.remedy, "pci=config_acs=111x1@0000:00:1c.0");
  ASSERT_TRUE(v.reason.subject);
  EXPECT_EQ(v.reason.subject->to_string(), "0000:00:1c.0");

  const auto old = verdict(one(port(PcieType::kRootPort, 1, kQemuCap, kAcsSv | kAcsCr | kAcsUf)),
                           make_test_policy("6.1.0-23-amd64"));
  EXPECT_NE(old.reason.remedy.find("firmware setting"), std::string::npos);
}

TEST(AcsFlags, BitsMissingFromTheCapabilityCountAsHardWired) {
  // Capability RR|CR only: SV and UF are not required.
  const auto v = verdict(one(port(PcieType::kDownstreamPort, 1, kAcsRr | kAcsCr, kAcsRr | kAcsCr)));
  EXPECT_EQ(v.enabled, Tristate::kTrue);
  EXPECT_NE(v.reason.text.find("hard-wired"), std::string::npos);
  // ...but a bit the capability has must be on.
  EXPECT_EQ(verdict(one(port(PcieType::kDownstreamPort, 1, kAcsRr | kAcsCr, kAcsRr))).enabled, Tristate::kFalse);
}

TEST(AcsFlags, CapabilityZeroCountsAsEnabled) {
  EXPECT_EQ(verdict(one(port(PcieType::kRootPort, 1, 0, 0))).enabled, Tristate::kTrue);
}

TEST(AcsFlags, UnreadableExtendedSpaceIsUnknown) {
  // A 256-byte read: the ACS capability at 0x100 cannot be seen.
  const auto v = verdict(one(port(PcieType::kRootPort, 1, kQemuCap, kFull).truncate(256)));
  EXPECT_EQ(v.enabled, Tristate::kUnknown);
  EXPECT_EQ(v.reason.kind, ReasonKind::kAcsUnknown);
  // So is a single-function endpoint? No: it needs no ACS, so 256 bytes are enough.
  auto e = ConfigBuilder::endpoint(kPlainVendor, 0x0102, 0x020000);
  e.pcie(PcieType::kEndpoint).truncate(256);
  EXPECT_EQ(verdict(one(e, "00:03.0")).enabled, Tristate::kTrue);
}

TEST(AcsFlags, IdtSwitchSvIsIgnoredFrom70) {
  // The hardware advertises SV but leaves it off; v7.0 drops SV from the cached capability.
  const auto dsp = port(PcieType::kDownstreamPort, 1, kQemuCap, kAcsRr | kAcsCr | kAcsUf, 0x111d, 0x80b5);
  EXPECT_EQ(verdict(one(dsp), make_test_policy("7.0")).enabled, Tristate::kTrue);
  EXPECT_EQ(verdict(one(dsp), make_test_policy("6.19")).enabled, Tristate::kFalse);
  const auto other = port(PcieType::kDownstreamPort, 1, kQemuCap, kAcsRr | kAcsCr | kAcsUf, 0x111d, 0x8091);
  EXPECT_EQ(verdict(one(other), make_test_policy("7.0")).enabled, Tristate::kFalse);
  const auto idt8090 = port(PcieType::kDownstreamPort, 1, kQemuCap, kAcsRr | kAcsCr | kAcsUf, 0x111d, 0x8090);
  EXPECT_EQ(verdict(one(idt8090), make_test_policy("7.0")).enabled, Tristate::kTrue);
}

// --- §4.2: the Control value the kernel would leave ---

TEST(AcsBootControl, StandardEnableWhenTheInputHadNoIommu) {
  auto b = with_host_bridge();
  b.iommu_active(false);
  const One o = one(port(PcieType::kRootPort, 1, kQemuCap, 0), "00:1c.0", b);
  const auto with_iommu = verdict(o, make_test_policy("7.0", Platform::kIntelVtd));
  EXPECT_EQ(with_iommu.enabled, Tristate::kTrue);
  ASSERT_FALSE(with_iommu.assumptions.empty());
  EXPECT_NE(with_iommu.assumptions[0].find("no active IOMMU"), std::string::npos);
  // Without an IOMMU nobody asks for ACS: the firmware value stays.
  EXPECT_EQ(verdict(o, make_test_policy("7.0", Platform::kNone)).enabled, Tristate::kFalse);
  // The standard enable only sets bits the capability has: RR missing stays missing.
  const One partial = one(port(PcieType::kRootPort, 1, kAcsSv | kAcsCr | kAcsUf | 0x0400, 0), "00:1c.0", b);
  EXPECT_EQ(verdict(partial).enabled, Tristate::kTrue);  // RR is hard-wired there
}

TEST(AcsBootControl, ConfigAcsStartsFromTheFirmwareValue) {
  // Read after a boot without IOMMU: 0 is the firmware value. The kernel would OR in
  // SV|RR|CR|UF, but a matching config_acs entry recomputes from the firmware value, so
  // only SV is left on.
  auto b = with_host_bridge();
  b.iommu_active(false);
  const One o = one(port(PcieType::kRootPort, 1, kQemuCap, 0), "00:1c.0", b);
  const auto v = verdict(o, make_test_policy("7.0", Platform::kIntelVtd, "pci=config_acs=1@0000:00:1c.0"));
  EXPECT_EQ(v.enabled, Tristate::kFalse);
  EXPECT_NE(v.reason.text.find("RR|CR|UF not enabled"), std::string::npos) << v.reason.text;
  bool named = false;
  for (const auto& a : v.assumptions) named = named || a.find("firmware value") != std::string::npos;
  EXPECT_TRUE(named);
  // An entry for another device changes nothing.
  EXPECT_EQ(verdict(o, make_test_policy("7.0", Platform::kIntelVtd, "pci=config_acs=1@0000:00:1d.0")).enabled,
            Tristate::kTrue);
}

TEST(AcsBootControl, DisableAcsRedirAndConfigAcsWins) {
  const One o = one(port(PcieType::kRootPort, 1, kQemuCap, kFull));
  const auto redir = verdict(o, make_test_policy("7.0", Platform::kIntelVtd, "pci=disable_acs_redir=00:1c.0"));
  EXPECT_EQ(redir.enabled, Tristate::kFalse);
  EXPECT_NE(redir.reason.text.find("RR|CR not enabled"), std::string::npos) << redir.reason.text;
  EXPECT_NE(redir.reason.remedy.find("remove"), std::string::npos);
  // config_acs is applied second, from the firmware value: it wins.
  const auto both = verdict(
      o, make_test_policy("7.0", Platform::kIntelVtd, "pci=disable_acs_redir=00:1c.0,config_acs=111x1@00:1c.0"));
  EXPECT_EQ(both.enabled, Tristate::kTrue);
  // By ids.
  EXPECT_EQ(verdict(o, make_test_policy("7.0", Platform::kIntelVtd, "pci=config_acs=0000@pci:1b36:000c")).enabled,
            Tristate::kFalse);
}

TEST(AcsBootControl, ConfigAcsNeedsKernel611) {
  const One o = one(port(PcieType::kRootPort, 1, kQemuCap, kFull));
  const std::string cmdline = "pci=config_acs=0000@00:1c.0";
  EXPECT_EQ(verdict(o, make_test_policy("6.11", Platform::kIntelVtd, cmdline)).enabled, Tristate::kFalse);
  EXPECT_EQ(verdict(o, make_test_policy("6.10", Platform::kIntelVtd, cmdline)).enabled, Tristate::kTrue);
}

// --- pcie_acs_override (§4.5) ---

TEST(AcsOverrideRule, DownstreamCoversPortsWithoutAcsOnly) {
  auto no_acs = ConfigBuilder::bridge(kPlainVendor, 0x000c, 0, 1, 1);
  no_acs.pcie(PcieType::kRootPort);
  const Policy p = make_test_policy("6.8.12-2-pve", Platform::kIntelVtd, "pcie_acs_override=downstream");
  const auto v = verdict(one(no_acs), p);
  EXPECT_EQ(v.enabled, Tristate::kTrue);
  EXPECT_EQ(v.reason.kind, ReasonKind::kAcsOverride);
  // A port whose ACS is present but off is not overridden.
  EXPECT_EQ(verdict(one(port(PcieType::kRootPort, 1, kQemuCap, 0)), p).enabled, Tristate::kFalse);
  // Multifunction endpoints are not covered by "downstream".
  auto mf = ConfigBuilder::endpoint(kPlainVendor, 0x0104, 0x020000);
  mf.multifunction().pcie(PcieType::kEndpoint);
  EXPECT_EQ(verdict(one(mf, "00:03.0"), p).enabled, Tristate::kFalse);
}

TEST(AcsOverrideRule, MultifunctionAndIds) {
  auto mf = ConfigBuilder::endpoint(kPlainVendor, 0x0104, 0x020000);
  mf.multifunction().pcie(PcieType::kEndpoint);
  EXPECT_EQ(verdict(one(mf, "00:03.0"), make_test_policy("7.0", Platform::kIntelVtd, "pcie_acs_override=multifunction"))
                .reason.kind,
            ReasonKind::kAcsOverride);
  // An id covers any type, even a PCIe-to-PCI bridge.
  auto bridge = ConfigBuilder::bridge(kPlainVendor, 0x000e, 0, 1, 1);
  bridge.pcie(PcieType::kPcieToPciBridge);
  EXPECT_EQ(verdict(one(bridge), make_test_policy("7.0", Platform::kIntelVtd, "pcie_acs_override=id:1b36:000e"))
                .enabled,
            Tristate::kTrue);
  // Never a conventional function.
  EXPECT_EQ(verdict(one(parts::pci_endpoint(kPlainVendor, 0x0100), "00:05.0"),
                    make_test_policy("7.0", Platform::kIntelVtd, "pcie_acs_override=id:1b36:0100"))
                .enabled,
            Tristate::kFalse);
}

TEST(AcsOverrideRule, EarlierQuirksThatDecideWin) {
  // Zhaoxin root port not in the list: the Zhaoxin row says "no" before the override row.
  auto zx = ConfigBuilder::bridge(0x1d17, 0x0799, 0, 1, 1);
  zx.pcie(PcieType::kRootPort);
  const auto v = verdict(one(zx), make_test_policy("7.0", Platform::kIntelVtd, "pcie_acs_override=downstream"));
  EXPECT_EQ(v.enabled, Tristate::kFalse);
  EXPECT_EQ(v.reason.kind, ReasonKind::kAcsQuirk);
}

// --- Intel PCH: the enable result comes from the kernel log ---

TEST(AcsPchQuirk, KernelLogDecidesBothWays) {
  auto pch = ConfigBuilder::bridge(0x8086, 0x1c10, 0, 1, 1);
  pch.pcie(PcieType::kRootPort);

  const auto assumed = verdict(one(pch));
  EXPECT_EQ(assumed.enabled, Tristate::kTrue);
  EXPECT_EQ(assumed.reason.kind, ReasonKind::kAcsQuirk);
  EXPECT_NE(assumed.reason.text.find("ACS enabled by quirk (Intel PCH root port)"), std::string::npos);
  ASSERT_EQ(assumed.assumptions.size(), 1u);
  EXPECT_NE(assumed.assumptions[0].find("assumed it succeeded"), std::string::npos);

  auto ok = with_host_bridge();
  ok.dmesg("[    0.412345] pci 0000:00:1c.0: Intel PCH root port ACS workaround enabled");
  const auto seen = verdict(one(pch, "00:1c.0", ok));
  EXPECT_EQ(seen.enabled, Tristate::kTrue);
  EXPECT_TRUE(seen.assumptions.empty());

  auto failed = with_host_bridge();
  failed.dmesg("pci 0000:00:1c.0: Failed to enable Intel PCH ACS quirk");
  const auto no = verdict(one(pch, "00:1c.0", failed), make_test_policy("7.0", Platform::kIntelVtd,
                                                                        "pcie_acs_override=downstream"));
  EXPECT_EQ(no.enabled, Tristate::kFalse);  // decisive: the override row is never reached
  EXPECT_EQ(no.reason.kind, ReasonKind::kAcsQuirk);

  // A line about another port says nothing about this one.
  auto other = with_host_bridge();
  other.dmesg("pci 0000:00:1c.4: Failed to enable Intel PCH ACS quirk");
  EXPECT_EQ(verdict(one(pch, "00:1c.0", other)).assumptions.size(), 1u);
}

// --- Intel SPT/UPT: registers in the dword layout ---

ConfigBuilder spt_port(std::uint16_t device, std::optional<std::uint32_t> dword_ctrl) {
  auto b = ConfigBuilder::bridge(0x8086, device, 0, 1, 1);
  b.pcie(PcieType::kRootPort).acs(kFull, 0);  // the word at cap+6 reads 0 on these ports
  if (dword_ctrl) b.poke32(0x108, *dword_ctrl);
  return b;
}

TEST(AcsSptQuirk, ReadsTheControlDwordAtCapPlus8) {
  const auto on = verdict(one(spt_port(0xa110, kFull)));
  EXPECT_EQ(on.enabled, Tristate::kTrue);
  EXPECT_EQ(on.reason.kind, ReasonKind::kAcsQuirk);
  EXPECT_TRUE(on.assumptions.empty());

  const auto rr_off = verdict(one(spt_port(0xa2e7, kAcsSv | kAcsCr | kAcsUf)));
  EXPECT_EQ(rr_off.enabled, Tristate::kFalse);
  EXPECT_EQ(rr_off.reason.kind, ReasonKind::kAcsIncomplete);

  // The same bits on a port outside the list: the word at cap+6 (0) decides.
  EXPECT_EQ(verdict(one(spt_port(0xa120, kFull))).enabled, Tristate::kFalse);
}

TEST(AcsSptQuirk, UnknownDwordAssumesTheKernelEnable) {
  auto b = with_host_bridge();
  pci::ConfigSpace cs = spt_port(0x9d10, std::nullopt).build();
  cs.forget(0x108, 4);  // lspci text: only the decoded word is known
  b.add("00:1c.0", cs);
  const Topology t = b.topology();
  AcsEvaluator acs(t, make_test_policy());
  const auto& v = acs.enabled(id_of(t, "00:1c.0"));
  EXPECT_EQ(v.enabled, Tristate::kTrue);
  ASSERT_EQ(v.assumptions.size(), 1u);
  EXPECT_NE(v.assumptions[0].find("cap+8"), std::string::npos);
  ASSERT_EQ(acs.assumptions().size(), 1u);
  EXPECT_NE(acs.assumptions()[0].find("0000:00:1c.0"), std::string::npos);
}

TEST(AcsSptQuirk, DisableAcsRedirClearsTheDword) {
  const One o = one(spt_port(0xa110, kFull));
  EXPECT_EQ(verdict(o, make_test_policy("7.0", Platform::kIntelVtd, "pci=disable_acs_redir=00:1c.0")).enabled,
            Tristate::kFalse);
  // Even config_acs only clears RR|CR|EC on these ports.
  EXPECT_EQ(verdict(o, make_test_policy("7.0", Platform::kIntelVtd, "pci=config_acs=11111@00:1c.0")).enabled,
            Tristate::kFalse);
}

// --- pci_acs_path_enabled ---

// RP 00:1c.0 -> USP 01:00.0 -> DSP 02:00.0 (no ACS) and DSP 02:01.0 (ACS) -> 03:00.0, 04:00.0
SnapshotBuilder switch_machine(bool rp_acs_on) {
  auto b = with_host_bridge();
  b.add("00:1c.0", parts::root_port(0, 1, 4, true, rp_acs_on));
  b.add("01:00.0", parts::upstream_port(1, 2, 4));
  b.add("02:00.0", parts::downstream_port(2, 3, 3, false));
  b.add("02:01.0", parts::downstream_port(2, 4, 4, true));
  b.add("03:00.0", parts::pcie_endpoint());
  b.add("04:00.0", parts::pcie_endpoint());
  return b;
}

TEST(AcsPath, WalksUpToTheRootBus) {
  const Topology t = switch_machine(true).topology();
  AcsEvaluator acs(t, make_test_policy());
  EXPECT_EQ(acs.path_enabled(id_of(t, "02:01.0")), Tristate::kTrue);
  EXPECT_FALSE(acs.path_breaker(id_of(t, "02:01.0")));
  EXPECT_EQ(acs.path_enabled(id_of(t, "03:00.0")), Tristate::kFalse);
  EXPECT_EQ(acs.path_breaker(id_of(t, "03:00.0")), id_of(t, "02:00.0"));
  EXPECT_EQ(acs.path_enabled(id_of(t, "04:00.0")), Tristate::kTrue);
}

TEST(AcsPath, RootPortBreaksEveryPathBelow) {
  const Topology t = switch_machine(false).topology();
  AcsEvaluator acs(t, make_test_policy());
  EXPECT_EQ(acs.path_enabled(id_of(t, "04:00.0")), Tristate::kFalse);
  EXPECT_EQ(acs.path_breaker(id_of(t, "04:00.0")), id_of(t, "00:1c.0"));
  EXPECT_EQ(acs.path_breaker(id_of(t, "02:01.0")), id_of(t, "00:1c.0"));
}

TEST(AcsPath, FalseAboveUnknownIsFalse) {
  auto b = with_host_bridge();
  b.add("00:1c.0", parts::root_port(0, 1, 2, true, false));
  b.add("01:00.0", parts::upstream_port(1, 2, 2));
  b.add("02:00.0", port(PcieType::kDownstreamPort, 3, kQemuCap, kFull).truncate(256));
  const Topology t = b.topology();
  AcsEvaluator acs(t, make_test_policy());
  EXPECT_EQ(acs.enabled(id_of(t, "02:00.0")).enabled, Tristate::kUnknown);
  EXPECT_EQ(acs.path_enabled(id_of(t, "02:00.0")), Tristate::kFalse);
  EXPECT_EQ(acs.path_breaker(id_of(t, "02:00.0")), id_of(t, "02:00.0"));  // the first not-enabled one
}

TEST(AcsPath, UnknownPathStaysUnknown) {
  auto b = with_host_bridge();
  b.add("00:1c.0", port(PcieType::kRootPort, 1, kQemuCap, kFull).truncate(256));
  b.add("01:00.0", parts::pcie_endpoint());
  const Topology t = b.topology();
  AcsEvaluator acs(t, make_test_policy());
  EXPECT_EQ(acs.path_enabled(id_of(t, "01:00.0")), Tristate::kUnknown);
}

}  // namespace
}  // namespace isogroup::testing
