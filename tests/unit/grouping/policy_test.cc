#include "isogroup/grouping/policy.h"

#include <gtest/gtest.h>

#include "acs_test_util.h"

namespace isogroup::testing {
namespace {

Topology topology_of(Snapshot s) {
  auto t = Topology::build(std::move(s));
  EXPECT_TRUE(t) << t.error().to_string();
  return t ? std::move(*t) : Topology{};
}

bool mentions(const std::vector<std::string>& lines, std::string_view text) {
  for (const auto& l : lines) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(Platform, NamesRoundTrip) {
  for (const auto& [name, p] : {std::pair{"intel", Platform::kIntelVtd}, std::pair{"amd", Platform::kAmdVi},
                                std::pair{"smmuv3", Platform::kArmSmmuV3}, std::pair{"smmu", Platform::kArmSmmu},
                                std::pair{"power", Platform::kPowerPe}, std::pair{"none", Platform::kNone},
                                std::pair{"AMD", Platform::kAmdVi}}) {
    const auto parsed = parse_platform(name);
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(*parsed, p);
    EXPECT_FALSE(to_string(p).empty());
  }
  const auto bad = parse_platform("sparc");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().hint_.find("intel"), std::string::npos);
}

TEST(MakePolicy, KernelFromOverrideThenSnapshotThenNewest) {
  auto b = with_host_bridge();
  b.kernel_release("6.1.0-23-amd64");
  const Topology t = b.topology();
  PolicyOverrides given;
  given.kernel = "5.10";
  EXPECT_EQ(make_policy(t, given)->kernel, (KernelVersion{5, 10, 0}));
  const auto from_snapshot = make_policy(t, {});
  ASSERT_TRUE(from_snapshot);
  EXPECT_EQ(from_snapshot->kernel, (KernelVersion{6, 1, 0}));
  EXPECT_TRUE(from_snapshot->kernel_from_input);

  const auto assumed = make_policy(with_host_bridge().topology(), {});
  ASSERT_TRUE(assumed);
  EXPECT_EQ(assumed->kernel, KernelVersion::newest());
  EXPECT_FALSE(assumed->kernel_from_input);
  EXPECT_TRUE(mentions(assumed->assumptions, "kernel release is not in the input"));

  PolicyOverrides bad;
  bad.kernel = "latest";
  EXPECT_FALSE(make_policy(t, bad));
}

TEST(MakePolicy, PlatformSources) {
  Snapshot base = with_host_bridge().build();
  const auto platform_of = [&](auto change) {
    Snapshot s = base;
    change(s);
    const Topology t = topology_of(std::move(s));
    auto p = make_policy(t, {});
    EXPECT_TRUE(p);
    return *p;
  };
  EXPECT_EQ(platform_of([](Snapshot& s) { s.iommu_units = {"dmar0", "dmar1"}; }).platform, Platform::kIntelVtd);
  EXPECT_EQ(platform_of([](Snapshot& s) { s.iommu_units = {"ivhd0"}; }).platform, Platform::kAmdVi);
  EXPECT_EQ(platform_of([](Snapshot& s) { s.iommu_units = {"smmu3.0x0000000009050000"}; }).platform,
            Platform::kArmSmmuV3);
  EXPECT_EQ(platform_of([](Snapshot& s) { s.dmesg = {"[    0.01] AMD-Vi: Found IOMMU cap 0x40"}; }).platform,
            Platform::kAmdVi);
  EXPECT_EQ(platform_of([](Snapshot& s) { s.dmesg = {"DMAR: IOMMU enabled"}; }).platform, Platform::kIntelVtd);

  const Policy off = platform_of([](Snapshot& s) {
    s.iommu_active = Tristate::kFalse;
    s.iommu_units = {"dmar0"};
  });
  EXPECT_EQ(off.platform, Platform::kNone);
  EXPECT_TRUE(mentions(off.describe_lines(), "no active IOMMU"));

  // Only the host bridge: Intel 8086 (parts::host_bridge) -> VT-d, stated as an assumption.
  const Policy guessed = platform_of([](Snapshot&) {});
  EXPECT_EQ(guessed.platform, Platform::kIntelVtd);
  EXPECT_FALSE(guessed.platform_from_input);
  EXPECT_TRUE(mentions(guessed.assumptions, "host bridge"));

  SnapshotBuilder amd;
  amd.add("00:00.0", ConfigBuilder::endpoint(0x1022, 0x14d8, 0x060000));
  const auto amd_policy = make_policy(amd.topology(), {});
  EXPECT_EQ(amd_policy->platform, Platform::kAmdVi);

  PolicyOverrides given;
  given.iommu = "smmu";
  EXPECT_EQ(make_policy(amd.topology(), given)->platform, Platform::kArmSmmu);
}

TEST(MakePolicy, CommandLine) {
  auto b = with_host_bridge();
  b.cmdline("BOOT_IMAGE=/vmlinuz root=/dev/sda1 pcie_acs_override=downstream");
  const Topology t = b.topology();
  EXPECT_TRUE(make_policy(t, {})->boot.acs_override.downstream);
  PolicyOverrides o;
  o.cmdline = "pci=config_acs=111x1@00:1c.0";
  o.group_mf = true;
  const auto p = make_policy(t, o);
  EXPECT_FALSE(p->boot.acs_override.any());
  EXPECT_EQ(p->boot.config_acs.size(), 1u);
  EXPECT_TRUE(p->boot.group_mf);
  const auto lines = p->describe_lines();
  EXPECT_TRUE(mentions(lines, "pci=config_acs: 111x1@00:1c.0"));
  EXPECT_TRUE(mentions(lines, "iommu=group_mf"));

  const auto none = make_policy(with_host_bridge().topology(), {});
  EXPECT_TRUE(mentions(none->assumptions, "command line is not in the input"));
}

TEST(PolicyDescribe, OneLinePerSetting) {
  Policy p = make_test_policy("6.8", Platform::kAmdVi, "pcie_acs_override=downstream,id:10de:1b80");
  p.kernel_origin = "given";
  p.assumptions.push_back("something assumed");
  const auto lines = p.describe_lines();
  EXPECT_TRUE(mentions(lines, "kernel profile 6.8.0 (given)"));
  EXPECT_TRUE(mentions(lines, "platform: AMD-Vi"));
  EXPECT_TRUE(mentions(lines, "pcie_acs_override=downstream,id:10de:1b80"));
  EXPECT_TRUE(mentions(lines, "assumed: something assumed"));
}

}  // namespace
}  // namespace isogroup::testing
