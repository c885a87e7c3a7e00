// Applying assign/release plans against FakeKernel: success, a failure injected at every
// step (the state afterwards must equal the state before), release, and EBUSY.
#include "isogroup/ownership/apply.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "fakes/fake_kernel.h"
#include "isogroup/ownership/viability.h"

namespace isogroup {

void PrintTo(const BindingState& s, std::ostream* out) {
  *out << "{" << s.driver << ", override '" << s.driver_override << "'}";
}

namespace {

using testing::FakeKernel;

constexpr KernelVersion kModern{6, 1, 0};
const char* const kMembers[] = {"0000:01:00.0", "0000:01:00.1", "0000:01:00.2"};

struct Fixture {
  FakeKernel kernel;
  std::optional<RootDir> root;
  std::optional<JournalStore> journals;

  explicit Fixture(bool port_in_group = false) {
    testing::add_gpu_group_machine(kernel, port_in_group);
    auto opened = RootDir::open(kernel.root());
    if (!opened) ADD_FAILURE() << opened.error().to_string();
    root.emplace(std::move(*opened));
    journals.emplace(*root);
  }

  AssignPlan assign_plan(const PlanTarget& target = PlanTarget{std::nullopt, 7}) {
    const Topology t = testing::live_topology(kernel);
    auto plan = plan_assign_live(*root, t, target, PlanOptions{});
    if (!plan) ADD_FAILURE() << plan.error().to_string();
    return plan ? *plan : AssignPlan{};
  }

  AssignPlan release_plan() {
    const Topology t = testing::live_topology(kernel);
    auto claim = journals->find_claim(7, {});
    if (!claim) ADD_FAILURE() << claim.error().to_string();
    std::optional<ReleaseOrigin> origin;
    if (claim && *claim) {
      origin = ReleaseOrigin{(*claim)->id, {}};
      for (const auto& f : (*claim)->functions) origin->originals.emplace_back(f.address, f.original);
    }
    auto plan = plan_release(t, PlanTarget{std::nullopt, 7}, origin);
    if (!plan) ADD_FAILURE() << plan.error().to_string();
    return plan ? *plan : AssignPlan{};
  }

  std::vector<Journal> all_journals() {
    auto all = journals->load_all();
    if (!all) ADD_FAILURE() << all.error().to_string();
    return all ? *all : std::vector<Journal>{};
  }
};

TEST(Apply, ThreeFunctionGroupEndsOnVfioPciAndViable) {
  Fixture fx;
  const AssignPlan plan = fx.assign_plan();
  ASSERT_FALSE(plan.refused()) << plan.refusals.front().what;
  ASSERT_EQ(plan.moving(), 3u);
  auto done = apply_plan(plan, fx.kernel, *fx.journals);
  ASSERT_TRUE(done) << done.error().to_string();
  for (const char* f : kMembers) EXPECT_EQ(fx.kernel.state(f), (BindingState{"vfio-pci", "vfio-pci"})) << f;
  EXPECT_EQ(fx.kernel.state("0000:00:1c.0").driver, "pcieport");
  EXPECT_TRUE(fx.kernel.group_device_node_exists(7));

  const Topology after = testing::live_topology(fx.kernel);
  auto members = group_members(after, PlanTarget{std::nullopt, 7});
  ASSERT_TRUE(members);
  EXPECT_EQ(group_viability(after, members->members, kModern).viable, Tristate::kTrue);

  const auto journals = fx.all_journals();
  ASSERT_EQ(journals.size(), 1u);
  EXPECT_EQ(journals[0].state, JournalState::kDone);
  EXPECT_EQ(journals[0].steps.size(), 9u);  // override, unbind, probe for each of three
  for (const auto& step : journals[0].steps) EXPECT_EQ(step.status, StepStatus::kDone);
  EXPECT_EQ(journals[0].functions[0].original, (BindingState{"nouveau", ""}));
}

TEST(Apply, AFailureAtEveryStepRestoresTheStateBefore) {
  std::size_t calls = 0;
  {
    Fixture fx;
    ASSERT_TRUE(apply_plan(fx.assign_plan(), fx.kernel, *fx.journals));
    calls = fx.kernel.calls();
  }
  ASSERT_EQ(calls, 9u);
  for (std::size_t n = 0; n < calls; ++n) {
    SCOPED_TRACE(::testing::Message() << "failure at call " << n);
    Fixture fx;
    const auto before = fx.kernel.states();
    const AssignPlan plan = fx.assign_plan();
    fx.kernel.fail_call(n, EIO);
    auto done = apply_plan(plan, fx.kernel, *fx.journals);
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().code_, Errc::kIo);
    EXPECT_NE(done.error().hint_.find("rolled back"), std::string::npos) << done.error().hint_;
    EXPECT_EQ(fx.kernel.states(), before);
    EXPECT_FALSE(fx.kernel.group_device_node_exists(7));
    const auto journals = fx.all_journals();
    ASSERT_EQ(journals.size(), 1u);
    EXPECT_EQ(journals[0].state, JournalState::kRolledBack);
    const auto failed = std::count_if(journals[0].steps.begin(), journals[0].steps.end(),
                                      [](const JournalStep& s) { return s.status == StepStatus::kFailed; });
    EXPECT_EQ(failed, 1);
    EXPECT_EQ(journals[0].steps[n].status, StepStatus::kFailed);
  }
}

TEST(Apply, ReleaseReturnsEveryFunctionToItsOriginalDriver) {
  Fixture fx;
  // 01:00.2 had no driver before the assign; it must have none after the release.
  ASSERT_TRUE(fx.kernel.unbind(*Bdf::parse("01:00.2")));
  const auto before = fx.kernel.states();
  ASSERT_TRUE(apply_plan(fx.assign_plan(), fx.kernel, *fx.journals));
  ASSERT_NE(fx.kernel.states(), before);

  const AssignPlan release = fx.release_plan();
  ASSERT_FALSE(release.refused());
  ASSERT_TRUE(release.journal.has_value());
  auto done = apply_plan(release, fx.kernel, *fx.journals);
  ASSERT_TRUE(done) << done.error().to_string();
  EXPECT_EQ(fx.kernel.states(), before);
  EXPECT_FALSE(fx.kernel.group_device_node_exists(7));
  auto claim = fx.journals->find_claim(7, {});
  ASSERT_TRUE(claim);
  EXPECT_FALSE(claim->has_value());  // the assign journal is marked released
}

TEST(Apply, ReleaseWithoutAJournalLetsTheKernelChoose) {
  Fixture fx;
  for (const char* f : kMembers) {  // claimed by hand, outside isogroup
    ASSERT_TRUE(fx.kernel.write_driver_override(*Bdf::parse(f), "vfio-pci"));
    ASSERT_TRUE(fx.kernel.unbind(*Bdf::parse(f)));
    ASSERT_TRUE(fx.kernel.drivers_probe(*Bdf::parse(f)));
  }
  const AssignPlan release = fx.release_plan();
  EXPECT_FALSE(release.journal.has_value());
  ASSERT_EQ(release.moving(), 3u);
  for (const auto& f : release.functions) {
    EXPECT_EQ(f.kernel_chooses, f.moves) << f.address.to_string();
  }
  auto done = apply_plan(release, fx.kernel, *fx.journals);
  ASSERT_TRUE(done) << done.error().to_string();
  // The natural drivers the fake machine was built with.
  EXPECT_EQ(fx.kernel.state("01:00.0"), (BindingState{"nouveau", ""}));
  EXPECT_EQ(fx.kernel.state("01:00.1"), (BindingState{"snd_hda_intel", ""}));
  EXPECT_EQ(fx.kernel.state("01:00.2"), (BindingState{"xhci_hcd", ""}));
  EXPECT_EQ(done->chosen.size(), 3u);
}

TEST(Apply, ReleaseOfAnOpenedGroupFailsAndLeavesItAssigned) {
  Fixture fx;
  ASSERT_TRUE(apply_plan(fx.assign_plan(), fx.kernel, *fx.journals));
  const auto assigned = fx.kernel.states();
  fx.kernel.set_group_opened(7, true);  // a VM holds /dev/vfio/7
  auto done = apply_plan(fx.release_plan(), fx.kernel, *fx.journals);
  ASSERT_FALSE(done);
  EXPECT_EQ(fx.kernel.states(), assigned);
  EXPECT_TRUE(fx.kernel.group_device_node_exists(7));
}

TEST(Apply, RollbackFailureKeepsTheJournalForRecover) {
  Fixture fx;
  const auto before = fx.kernel.states();
  const AssignPlan plan = fx.assign_plan();
  // Call 4 (unbind of 01:00.1) fails; the rollback's first call (5, restoring 01:00.1's
  // override) and the probe that would rebind nouveau both fail too.
  fx.kernel.fail_call(4, EIO).fail_call(5, EIO).fail_first(FakeKernel::Op::kDriversProbe, "01:00.0", EIO);
  auto done = apply_plan(plan, fx.kernel, *fx.journals);
  ASSERT_FALSE(done);
  EXPECT_NE(done.error().hint_.find("isogroup recover"), std::string::npos);
  auto journals = fx.all_journals();
  ASSERT_EQ(journals.size(), 1u);
  EXPECT_EQ(journals[0].state, JournalState::kRollbackFailed);
  EXPECT_NE(fx.kernel.states(), before);
  EXPECT_EQ(journals[0].functions[0].original, before.at("0000:01:00.0"));
}

TEST(Apply, RefusedPlanChangesNothing) {
  Fixture fx;
  AssignPlan plan = fx.assign_plan();
  plan.refusals.push_back({"mounted", std::nullopt, "nvme0n1p2 is mounted on /", "unmount it"});
  const auto before = fx.kernel.states();
  auto done = apply_plan(plan, fx.kernel, *fx.journals);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code_, Errc::kRefused);
  EXPECT_EQ(fx.kernel.calls(), 0u);
  EXPECT_EQ(fx.kernel.states(), before);
  EXPECT_TRUE(fx.all_journals().empty());
}

TEST(Apply, StateChangedSincePlanningIsRefused) {
  Fixture fx;
  const AssignPlan plan = fx.assign_plan();
  ASSERT_TRUE(fx.kernel.unbind(*Bdf::parse("01:00.1")));
  auto done = apply_plan(plan, fx.kernel, *fx.journals);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code_, Errc::kInconsistent);
}

TEST(Apply, MissingTargetDriverIsReportedBeforeAnyChange) {
  Fixture fx;
  const Topology t = testing::live_topology(fx.kernel);
  PlanOptions options;
  options.driver = "pci-stub";
  auto plan = plan_assign_live(*fx.root, t, PlanTarget{std::nullopt, 7}, options);
  ASSERT_TRUE(plan);
  FakeKernel bare;  // the same plan on a kernel where pci-stub is not loaded
  auto done = apply_plan(*plan, bare, *fx.journals);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code_, Errc::kNotFound);
  EXPECT_NE(done.error().hint_.find("modprobe pci-stub"), std::string::npos);
}

}  // namespace
}  // namespace isogroup
