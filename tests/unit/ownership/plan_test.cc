// Plans from topologies built by hand: whole groups, bridges, refusals and --force.
#include "isogroup/ownership/plan.h"

#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"

namespace isogroup {
namespace {

using testing::SnapshotBuilder;
namespace parts = testing::parts;

bool contains(const std::vector<std::string>& lines, std::string_view text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

// Root port 00:1c.0 without ACS and a three-function device behind it, all in group 7.
SnapshotBuilder machine(std::string port_driver = "pcieport") {
  SnapshotBuilder b;
  b.add("00:1c.0", parts::root_port(0, 1, 1, /*has_acs=*/false))
      .add("01:00.0", parts::pcie_endpoint(0x10de, 0x1b80, true))
      .add("01:00.1", parts::pcie_endpoint(0x10de, 0x10f0, true))
      .add("01:00.2", parts::pcie_endpoint(0x10de, 0x1ad8, true))
      .driver("00:1c.0", std::move(port_driver))
      .driver("01:00.0", "nouveau")
      .driver("01:00.1", "snd_hda_intel")
      .driver("01:00.2", "")
      .kernel_group("00:1c.0", 7)
      .kernel_group("01:00.0", 7)
      .kernel_group("01:00.1", 7)
      .kernel_group("01:00.2", 7)
      .kernel_release("6.1.0")
      .iommu_active(true)
      .dmesg("DMAR-IR: Enabled IRQ remapping in x2apic mode");
  return b;
}

const FunctionPlan& entry(const AssignPlan& plan, std::string_view address) {
  for (const auto& f : plan.functions) {
    if (f.address == *Bdf::parse(address)) return f;
  }
  ADD_FAILURE() << "no plan entry for " << address;
  static const FunctionPlan none;
  return none;
}

PlanTarget target(std::string_view text) { return *PlanTarget::parse(text); }

TEST(PlanAssign, AnAddressBringsItsWholeGroupAndTheBridgeStays) {
  const Topology t = machine().topology();
  auto plan = plan_assign(t, target("01:00.1"), PlanOptions{}, {});
  ASSERT_TRUE(plan) << plan.error().to_string();
  EXPECT_FALSE(plan->refused());
  EXPECT_EQ(plan->group, 7);
  ASSERT_EQ(plan->functions.size(), 4u);
  const auto& port = entry(*plan, "00:1c.0");
  EXPECT_FALSE(port.moves);
  EXPECT_NE(port.why.find("bridge"), std::string::npos);
  for (const char* f : {"01:00.0", "01:00.1", "01:00.2"}) {
    EXPECT_TRUE(entry(*plan, f).moves) << f;
    EXPECT_EQ(entry(*plan, f).to, (BindingState{"vfio-pci", "vfio-pci"})) << f;
  }
  EXPECT_EQ(entry(*plan, "01:00.0").from.driver, "nouveau");
  EXPECT_EQ(plan->moving(), 3u);
  EXPECT_TRUE(plan->warnings.empty());  // IR on, nothing forced
}

TEST(PlanAssign, FunctionsAlreadyOnTheDriverStay) {
  SnapshotBuilder b = machine();
  b.driver("01:00.0", "vfio-pci").function("01:00.0").driver_override = "vfio-pci";
  b.driver("01:00.1", "mlx5_vfio_pci");
  const Topology t = b.topology();
  auto plan = plan_assign(t, target("7"), PlanOptions{}, {});
  ASSERT_TRUE(plan);
  EXPECT_FALSE(entry(*plan, "01:00.0").moves);
  EXPECT_FALSE(entry(*plan, "01:00.1").moves);
  EXPECT_TRUE(entry(*plan, "01:00.2").moves);
}

TEST(PlanAssign, ABridgeOnAKernelDmaDriverRefusesAndCannotBeForced) {
  const Topology t = machine("shpchp").topology();
  PlanOptions options;
  options.force = {"bridge-driver"};
  auto plan = plan_assign(t, target("7"), options, {});
  ASSERT_TRUE(plan);
  ASSERT_TRUE(plan->refused());
  EXPECT_NE(plan->refusals[0].what.find("shpchp"), std::string::npos);
  EXPECT_TRUE(plan->refusals[0].check.empty());
  EXPECT_FALSE(entry(*plan, "00:1c.0").moves);
}

TEST(PlanAssign, HostUsageRefusesAndOnlyItsOwnCheckOverrides) {
  const Topology t = machine().topology();
  const FunctionId audio = *t.find(*Bdf::parse("01:00.1"));
  const std::vector<HostUsage> usage{{"mounted", audio, "sdb1 is mounted on /srv", "unmount /srv"}};

  auto refused = plan_assign(t, target("7"), PlanOptions{}, usage);
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->refusals.size(), 1u);
  EXPECT_EQ(refused->refusals[0].check, "mounted");
  EXPECT_EQ(refused->refusals[0].function, *Bdf::parse("01:00.1"));
  EXPECT_EQ(refused->refusals[0].way_out, "unmount /srv");

  PlanOptions wrong;
  wrong.force = {"swap"};
  auto still = plan_assign(t, target("7"), wrong, usage);
  ASSERT_TRUE(still);
  EXPECT_TRUE(still->refused());
  EXPECT_TRUE(contains(still->warnings, "--force swap matched no finding"));

  PlanOptions right;
  right.force = {"mounted"};
  auto forced = plan_assign(t, target("7"), right, usage);
  ASSERT_TRUE(forced);
  EXPECT_FALSE(forced->refused());
  ASSERT_EQ(forced->forced.size(), 1u);
  EXPECT_TRUE(contains(forced->warnings, "forced past check 'mounted'"));
}

TEST(PlanAssign, WithoutAnIommuGroupRefusesUnlessUnsafeNoiommu) {
  SnapshotBuilder b;
  b.add("00:03.0", parts::pcie_endpoint()).driver("00:03.0", "e1000e").iommu_active(false);
  const Topology t = b.topology();
  auto refused = plan_assign(t, target("00:03.0"), PlanOptions{}, {});
  ASSERT_TRUE(refused);
  ASSERT_TRUE(refused->refused());
  EXPECT_NE(refused->refusals[0].way_out.find("--unsafe-noiommu"), std::string::npos);

  PlanOptions unsafe;
  unsafe.unsafe_noiommu = true;
  auto plan = plan_assign(t, target("00:03.0"), unsafe, {});
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->refused());
  EXPECT_TRUE(plan->noiommu);
  EXPECT_TRUE(contains(plan->warnings, "taints the kernel"));
  EXPECT_TRUE(contains(plan->warnings, "CAP_SYS_RAWIO"));
  EXPECT_TRUE(contains(plan->warnings, "no DMA isolation"));
  EXPECT_TRUE(contains(plan->warnings, "allow_unsafe_interrupts"));  // no IR line in the log
}

TEST(PlanAssign, AnSriovPfWithVfsIsRefusedByTheSriovCheck) {
  SnapshotBuilder b;
  b.add("00:03.0", parts::pcie_endpoint()).add("00:03.1", parts::pcie_endpoint())
      .driver("00:03.0", "ixgbe").driver("00:03.1", "ixgbevf")
      .physfn("00:03.1", "00:03.0")
      .kernel_group("00:03.0", 3).kernel_group("00:03.1", 4).iommu_active(true);
  const Topology t = b.topology();
  auto plan = plan_assign(t, target("00:03.0"), PlanOptions{}, {});
  ASSERT_TRUE(plan);
  ASSERT_TRUE(plan->refused());
  EXPECT_EQ(plan->refusals[0].check, "sriov");
  PlanOptions force;
  force.force = {"sriov"};
  auto forced = plan_assign(t, target("00:03.0"), force, {});
  ASSERT_TRUE(forced);
  EXPECT_FALSE(forced->refused());
}

TEST(PlanAssign, UnknownTargetsAndDriversAreErrors) {
  const Topology t = machine().topology();
  EXPECT_EQ(plan_assign(t, target("05:00.0"), PlanOptions{}, {}).error().code_, Errc::kNotFound);
  EXPECT_EQ(plan_assign(t, target("42"), PlanOptions{}, {}).error().code_, Errc::kNotFound);
  PlanOptions bad;
  bad.driver = "nvme";
  EXPECT_EQ(plan_assign(t, target("7"), bad, {}).error().code_, Errc::kInvalidInput);
  EXPECT_FALSE(PlanTarget::parse("seven"));
}

TEST(PlanRelease, UsesTheJournalOrLetsTheKernelChoose) {
  SnapshotBuilder b = machine();
  for (const char* f : {"01:00.0", "01:00.1", "01:00.2"}) b.driver(f, "vfio-pci");
  const Topology t = b.topology();
  ReleaseOrigin origin{"J1", {{*Bdf::parse("01:00.0"), {"nouveau", ""}}, {*Bdf::parse("01:00.1"), {"snd_hda_intel", ""}},
                              {*Bdf::parse("01:00.2"), {"", ""}}}};
  auto plan = plan_release(t, target("7"), origin);
  ASSERT_TRUE(plan);
  EXPECT_EQ(entry(*plan, "01:00.0").to, (BindingState{"nouveau", ""}));
  EXPECT_EQ(entry(*plan, "01:00.2").to, (BindingState{"", ""}));
  EXPECT_FALSE(entry(*plan, "00:1c.0").moves);

  auto bare = plan_release(t, target("7"), std::nullopt);
  ASSERT_TRUE(bare);
  EXPECT_TRUE(entry(*bare, "01:00.0").kernel_chooses);
  EXPECT_NE(entry(*bare, "01:00.0").why.find("drivers_probe"), std::string::npos);
}

TEST(InterruptRemapping, ReadFromTheKernelLog) {
  EXPECT_EQ(interrupt_remapping_enabled(std::vector<std::string>{"AMD-Vi: Interrupt remapping enabled"}),
            Tristate::kTrue);
  EXPECT_EQ(interrupt_remapping_enabled(std::vector<std::string>{"DMAR-IR: Enabled IRQ remapping in xapic mode"}),
            Tristate::kTrue);
  EXPECT_EQ(interrupt_remapping_enabled(std::vector<std::string>{"DMAR: Host address width 39"}),
            Tristate::kUnknown);
}

TEST(PlanRender, JsonCarriesEveryFunctionAndTheRefusalCheck) {
  const Topology t = machine().topology();
  const FunctionId gpu = *t.find(*Bdf::parse("01:00.0"));
  const std::vector<HostUsage> usage{{"boot-vga", gpu, "01:00.0 is the boot VGA device", "use another GPU"}};
  auto plan = plan_assign(t, target("7"), PlanOptions{}, usage);
  ASSERT_TRUE(plan);
  const std::string json = render_plan_json(*plan, t);
  EXPECT_NE(json.find("\"schema\": \"isogroup-plan\""), std::string::npos);
  EXPECT_NE(json.find("\"check\": \"boot-vga\""), std::string::npos);
  const std::string text = render_plan_text(*plan, t);
  EXPECT_NE(text.find("REFUSED"), std::string::npos);
  EXPECT_NE(text.find("--force boot-vga"), std::string::npos);
}

}  // namespace
}  // namespace isogroup
