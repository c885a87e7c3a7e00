// `isogroup recover`: finishes what a crash interrupted. For every unfinished journal, if
// every function already is in its target state the transaction is completed (the journal
// was not closed); otherwise every function is returned to its original state.
#pragma once

#include <string>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/ownership/binder.h"
#include "isogroup/ownership/journal.h"

namespace isogroup {

enum class RecoverAction { kCompleted, kRolledBack, kFailed };
std::string_view to_string(RecoverAction action);

struct RecoverReport {
  std::string journal_id;
  std::string journal_path;
  RecoverAction action = RecoverAction::kFailed;
  std::string message;
};

// Errors only when the journals cannot be read; per-journal failures are in the reports.
Result<std::vector<RecoverReport>> recover(Binder& binder, const JournalStore& journals);

}  // namespace isogroup
