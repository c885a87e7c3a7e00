// Carrying out a plan: per function, driver_override + unbind + drivers_probe, each step
// journaled before it happens and verified by reading the result back. On any failure every
// function goes back to the driver and override it had, and the journal says so. If even
// that fails, the journal stays unfinished and `isogroup recover` takes over.
#pragma once

#include <string>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/ownership/binder.h"
#include "isogroup/ownership/journal.h"
#include "isogroup/ownership/plan.h"

namespace isogroup {

struct ApplyOutcome {
  std::string journal_id;
  std::string journal_path;
  std::vector<std::string> log;  // one line per change, for people
  // Release without a journal: the driver the kernel chose for each function.
  std::vector<std::pair<Bdf, std::string>> chosen;
};

// Applies an assign or release plan. Errors: kRefused (the plan refuses), kNotFound (the
// target driver is not loaded), kInconsistent (the bindings changed since the plan was
// made), kIo (a step failed; the message says whether the rollback restored everything).
// A release that succeeds marks the assign journal it came from as released.
Result<ApplyOutcome> apply_plan(const AssignPlan& plan, Binder& binder, const JournalStore& journals);

// Returns every function of JOURNAL to its original state (the rollback; also used by
// recover), journaling each step. Sets the journal's state to kRolledBack or
// kRollbackFailed and saves it. Returns false when some function could not be restored.
bool roll_back(Journal& journal, Binder& binder, const JournalStore& journals);

// Whether FUNCTION is in the journal's target state now.
Result<bool> reached_target(const JournalFunction& function, const std::string& freed_driver, Binder& binder);

}  // namespace isogroup
