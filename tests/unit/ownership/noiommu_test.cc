// explain_noiommu: what `assign --unsafe-noiommu` tells the user (reference §6.5, §6.6).
#include "isogroup/ownership/noiommu.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fakes/fake_sysfs.h"

namespace isogroup {
namespace {

using testing::FakeSysfs;

bool has_warning(const NoIommuAdvice& a, std::string_view id) {
  return std::any_of(a.warnings.begin(), a.warnings.end(), [&](const NoIommuWarning& w) { return w.id == id; });
}

const NoIommuWarning* warning(const NoIommuAdvice& a, std::string_view id) {
  const auto it = std::find_if(a.warnings.begin(), a.warnings.end(), [&](const NoIommuWarning& w) { return w.id == id; });
  return it == a.warnings.end() ? nullptr : &*it;
}

Snapshot machine(Tristate iommu, std::vector<std::string> dmesg = {}, std::optional<std::string> cmdline = {}) {
  Snapshot s;
  s.iommu_active = iommu;
  s.dmesg = std::move(dmesg);
  s.cmdline = std::move(cmdline);
  return s;
}

NoIommuAdvice explain_on(const FakeSysfs& fake, const Snapshot& s) {
  auto root = RootDir::open(fake.path());
  EXPECT_TRUE(root);
  return explain_noiommu(s, *root);
}

TEST(NoIommu, WithoutAnIommuEveryRiskIsExplained) {
  FakeSysfs fake;
  fake.write_file("sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
  const auto a = explain_on(fake, machine(Tristate::kFalse));
  EXPECT_EQ(a.needs_unsafe_noiommu, Tristate::kTrue);
  EXPECT_EQ(a.noiommu_mode, NoIommuMode::kDisabled);
  ASSERT_TRUE(warning(a, "taint"));
  EXPECT_NE(warning(a, "taint")->text.find("TAINT_USER"), std::string::npos);
  ASSERT_TRUE(warning(a, "cap-sys-rawio"));
  EXPECT_NE(warning(a, "cap-sys-rawio")->text.find("/dev/vfio/noiommu-N"), std::string::npos);
  EXPECT_TRUE(has_warning(a, "no-dma-isolation"));
  ASSERT_EQ(a.steps.size(), 1u);
  EXPECT_NE(a.steps[0].find("enable_unsafe_noiommu_mode"), std::string::npos);
}

TEST(NoIommu, ModuleParameterStates) {
  FakeSysfs fake;
  const Snapshot s = machine(Tristate::kFalse);
  fake.write_file("sys/module/loop/parameters/max_part", "0\n");  // sys/module exists, vfio does not
  EXPECT_EQ(explain_on(fake, s).noiommu_mode, NoIommuMode::kVfioNotLoaded);
  EXPECT_NE(explain_on(fake, s).steps.at(0).find("modprobe vfio enable_unsafe_noiommu_mode=1"), std::string::npos);

  fake.write_file("sys/module/vfio/parameters/dummy", "");
  const auto not_built = explain_on(fake, s);
  EXPECT_EQ(not_built.noiommu_mode, NoIommuMode::kNotBuilt);
  EXPECT_TRUE(has_warning(not_built, "noiommu-not-built"));

  fake.write_file("sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
  const auto enabled = explain_on(fake, s);
  EXPECT_EQ(enabled.noiommu_mode, NoIommuMode::kEnabled);
  EXPECT_TRUE(enabled.steps.empty());
  EXPECT_TRUE(has_warning(enabled, "taint"));  // enabled does not make it safe

  // Without a root nothing about the module is known.
  EXPECT_EQ(explain_noiommu(s).noiommu_mode, NoIommuMode::kUnknown);
}

TEST(NoIommu, UnknownIommuIsNotTreatedAsPresent) {
  const auto a = explain_noiommu(machine(Tristate::kUnknown));
  EXPECT_EQ(a.needs_unsafe_noiommu, Tristate::kUnknown);
  EXPECT_TRUE(has_warning(a, "iommu-unknown"));
  EXPECT_TRUE(has_warning(a, "taint"));
}

TEST(NoIommu, WithAnIommuAndRemappingThereIsNothingToSay) {
  FakeSysfs fake;
  fake.write_file("sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "N\n");
  const auto a = explain_on(fake, machine(Tristate::kTrue, {"DMAR-IR: Enabled IRQ remapping in x2apic mode"}));
  EXPECT_EQ(a.needs_unsafe_noiommu, Tristate::kFalse);
  EXPECT_EQ(a.interrupt_remapping, Tristate::kTrue);
  EXPECT_EQ(a.unsafe_interrupts_allowed, Tristate::kFalse);
  EXPECT_TRUE(a.warnings.empty()) << a.warnings.front().id;
}

TEST(NoIommu, RemappingOffWarnsAndSaysWhetherUnsafeInterruptsAreAllowed) {
  FakeSysfs fake;
  fake.write_file("sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "N\n");
  const Snapshot s = machine(Tristate::kTrue, {"DMAR: IOMMU enabled"}, "quiet intel_iommu=on intremap=off");
  auto a = explain_on(fake, s);
  EXPECT_EQ(a.interrupt_remapping, Tristate::kFalse);
  ASSERT_TRUE(warning(a, "interrupt-remapping-off"));
  EXPECT_NE(warning(a, "interrupt-remapping-off")->text.find("allow_unsafe_interrupts=1, which accepts"),
            std::string::npos);
  fake.write_file("sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "Y\n");
  a = explain_on(fake, s);
  EXPECT_NE(warning(a, "interrupt-remapping-off")->text.find("which is set on this host"), std::string::npos);
  EXPECT_FALSE(has_warning(a, "no-dma-isolation"));
}

TEST(NoIommu, RemappingStateFromLogAndCommandLine) {
  EXPECT_EQ(interrupt_remapping_state({"AMD-Vi: Interrupt remapping enabled"}, std::nullopt), Tristate::kTrue);
  EXPECT_EQ(interrupt_remapping_state({"DMAR-IR: Enabled IRQ remapping in xapic mode"}, std::nullopt), Tristate::kTrue);
  EXPECT_EQ(interrupt_remapping_state({}, std::nullopt), Tristate::kUnknown);
  EXPECT_EQ(interrupt_remapping_state({"DMAR: Host address width 39"}, std::nullopt), Tristate::kUnknown);
  EXPECT_EQ(interrupt_remapping_state({"DMAR-IR: Enabled IRQ remapping in x2apic mode"}, "intremap=off"),
            Tristate::kFalse);
  // Only the whole word counts.
  EXPECT_EQ(interrupt_remapping_state({}, "xintremap=offy"), Tristate::kUnknown);
  EXPECT_EQ(interrupt_remapping_state({"DMAR-IR: Failed to enable irq remapping"}, std::nullopt), Tristate::kFalse);
}

TEST(NoIommu, UnknownRemappingWithAnIommuIsSaid) {
  const auto a = explain_noiommu(machine(Tristate::kTrue));
  EXPECT_TRUE(has_warning(a, "interrupt-remapping-unknown"));
  EXPECT_FALSE(has_warning(a, "taint"));
}

}  // namespace
}  // namespace isogroup
