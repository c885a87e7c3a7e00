#include "isogroup/ownership/recover.h"

#include <fmt/format.h>

#include "isogroup/ownership/apply.h"

namespace isogroup {

std::string_view to_string(RecoverAction action) {
  switch (action) {
    case RecoverAction::kCompleted: return "completed";
    case RecoverAction::kRolledBack: return "rolled back";
    case RecoverAction::kFailed: return "failed";
  }
  return "unknown";
}

Result<std::vector<RecoverReport>> recover(Binder& binder, const JournalStore& journals) {
  auto all = journals.load_all();
  if (!all) return tl::unexpected(std::move(all.error()));
  std::vector<RecoverReport> reports;
  for (auto& journal : *all) {
    if (!is_unfinished(journal.state)) continue;
    RecoverReport report;
    report.journal_id = journal.id;
    report.journal_path = journals.display_path(journal.id);
    // Complete only a forward transaction that reached its target everywhere; anything
    // else (a crash mid-way, a rollback cut short) goes back to the original state.
    bool complete = journal.state == JournalState::kInProgress;
    for (const auto& f : journal.functions) {
      if (!complete) break;
      if (!f.moves) continue;
      auto reached = reached_target(f, journal.driver, binder);
      complete = reached && *reached;
    }
    if (complete) {
      journal.state = JournalState::kDone;
      journal.messages.push_back("completed by `isogroup recover`: every step had been carried out");
      if (auto saved = journals.save(journal); !saved) {
        report.action = RecoverAction::kFailed;
        report.message = fmt::format("could not close the journal: {}", saved.error().to_string());
      } else {
        report.action = RecoverAction::kCompleted;
        report.message = fmt::format("{} was complete; journal closed", to_string(journal.action));
      }
    } else {
      journal.messages.push_back("`isogroup recover`: returning every function to its original state");
      const bool restored = roll_back(journal, binder, journals);
      report.action = restored ? RecoverAction::kRolledBack : RecoverAction::kFailed;
      report.message = restored ? "every function is back on its original driver and driver_override"
                                : journal.messages.back();
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace isogroup
