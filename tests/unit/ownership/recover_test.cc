// A crash between (or right after) any two calls of a 3-function assign, then `recover`:
// the group ends either exactly as before or, when every step had been carried out,
// assigned with the journal closed. The crash is real: the assign runs in a forked child
// that _exit()s inside the fake kernel; the parent reads the tree back.
#include "isogroup/ownership/recover.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "fakes/fake_kernel.h"
#include "isogroup/ownership/apply.h"

namespace isogroup {
namespace {

using testing::FakeKernel;

const BindingState kOnVfio{"vfio-pci", "vfio-pci"};

struct CrashCase {
  std::size_t call;
  bool after;  // crash right after the call took effect, before it was verified
};

// Runs the assign of group 7 in a child that crashes as told; returns the child's status.
int crashed_assign(FakeKernel& kernel, const RootDir& root, const CrashCase& c) {
  const Topology t = testing::live_topology(kernel);
  auto plan = plan_assign_live(root, t, PlanTarget{std::nullopt, 7}, PlanOptions{});
  if (!plan) {
    ADD_FAILURE() << plan.error().to_string();
    return -1;
  }
  if (c.after) kernel.crash_after_call(c.call);
  else kernel.crash_before_call(c.call);
  const pid_t child = ::fork();
  if (child == 0) {
    JournalStore journals(root);
    const auto done = apply_plan(*plan, kernel, journals);
    ::_exit(done ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  kernel.clear_faults();
  kernel.reload();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Recover, CrashAtEveryCallThenRecoverRestoresOrCompletes) {
  constexpr std::size_t kCalls = 9;  // see Apply.AFailureAtEveryStepRestoresTheStateBefore
  for (std::size_t call = 0; call < kCalls; ++call) {
    for (const bool after : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "crash " << (after ? "after" : "before") << " call " << call);
      FakeKernel kernel;
      testing::add_gpu_group_machine(kernel);
      auto root = RootDir::open(kernel.root());
      ASSERT_TRUE(root);
      const auto before = kernel.states();
      ASSERT_EQ(crashed_assign(kernel, *root, {call, after}), FakeKernel::kCrashStatus);

      JournalStore journals(*root);
      auto unfinished = journals.load_all();
      ASSERT_TRUE(unfinished);
      ASSERT_EQ(unfinished->size(), 1u);
      EXPECT_EQ((*unfinished)[0].state, JournalState::kInProgress);

      auto reports = recover(kernel, journals);
      ASSERT_TRUE(reports) << reports.error().to_string();
      ASSERT_EQ(reports->size(), 1u);
      const RecoverReport& report = (*reports)[0];
      const bool last = after && call + 1 == kCalls;
      if (last) {
        // Every step had happened: recover closes the journal, the group stays assigned.
        EXPECT_EQ(report.action, RecoverAction::kCompleted) << report.message;
        for (const char* f : {"0000:01:00.0", "0000:01:00.1", "0000:01:00.2"}) {
          EXPECT_EQ(kernel.state(f), kOnVfio) << f;
        }
        EXPECT_TRUE(kernel.group_device_node_exists(7));
      } else {
        EXPECT_EQ(report.action, RecoverAction::kRolledBack) << report.message;
        EXPECT_EQ(kernel.states(), before);
        EXPECT_FALSE(kernel.group_device_node_exists(7));
      }
      auto closed = journals.load((*unfinished)[0].id);
      ASSERT_TRUE(closed);
      EXPECT_EQ(closed->state, last ? JournalState::kDone : JournalState::kRolledBack);

      auto again = recover(kernel, journals);  // nothing left to do
      ASSERT_TRUE(again);
      EXPECT_TRUE(again->empty());
    }
  }
}

TEST(Recover, FinishesARollbackThatFailed) {
  FakeKernel kernel;
  testing::add_gpu_group_machine(kernel);
  auto root = RootDir::open(kernel.root());
  ASSERT_TRUE(root);
  JournalStore journals(*root);
  const auto before = kernel.states();
  const Topology t = testing::live_topology(kernel);
  auto plan = plan_assign_live(*root, t, PlanTarget{std::nullopt, 7}, PlanOptions{});
  ASSERT_TRUE(plan);
  kernel.fail_call(4, EIO).fail_call(5, EIO);
  ASSERT_FALSE(apply_plan(*plan, kernel, journals));
  ASSERT_NE(kernel.states(), before);

  kernel.clear_faults();  // the cause went away
  auto reports = recover(kernel, journals);
  ASSERT_TRUE(reports);
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ((*reports)[0].action, RecoverAction::kRolledBack) << (*reports)[0].message;
  EXPECT_EQ(kernel.states(), before);
}

TEST(Recover, WhileTheKernelStillRefusesTheJournalStaysOpen) {
  FakeKernel kernel;
  testing::add_gpu_group_machine(kernel);
  auto root = RootDir::open(kernel.root());
  ASSERT_TRUE(root);
  JournalStore journals(*root);
  const Topology t = testing::live_topology(kernel);
  auto plan = plan_assign_live(*root, t, PlanTarget{std::nullopt, 7}, PlanOptions{});
  ASSERT_TRUE(plan);
  // 01:00.1 is on vfio-pci and cannot go back while the group is open.
  kernel.fail_call(7, EIO);  // unbind of 01:00.2 fails: roll back
  kernel.set_group_opened(7, true);
  ASSERT_FALSE(apply_plan(*plan, kernel, journals));
  kernel.clear_faults();
  auto reports = recover(kernel, journals);
  ASSERT_TRUE(reports);
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ((*reports)[0].action, RecoverAction::kFailed);
  auto all = journals.load_all();
  ASSERT_TRUE(all);
  EXPECT_EQ((*all)[0].state, JournalState::kRollbackFailed);

  kernel.set_group_opened(7, false);  // the VM is gone
  auto retry = recover(kernel, journals);
  ASSERT_TRUE(retry);
  ASSERT_EQ(retry->size(), 1u);
  EXPECT_EQ((*retry)[0].action, RecoverAction::kRolledBack);
}

}  // namespace
}  // namespace isogroup
