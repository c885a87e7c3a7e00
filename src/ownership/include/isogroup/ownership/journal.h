// Journal: the record of one assign/release transaction, kept in /run/isogroup/ (a tmpfs:
// driver bindings do not survive a reboot, and neither should the record of them). One
// JSON file per transaction (schema "isogroup-journal", version 1; docs/ownership.md),
// rewritten durably (temporary file, fsync, rename) BEFORE each step with the step about
// to happen, and again after it was verified. Whatever happens, the original driver and
// driver_override of every function are on disk before the first change.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/bdf.h"
#include "isogroup/core/error.h"
#include "isogroup/ownership/plan.h"
#include "isogroup/sources/root_dir.h"

namespace isogroup {

// The transaction's state. Unfinished: kInProgress, kRollingBack, kRollbackFailed
// (`isogroup recover` looks at these). kDone for an assign is the live claim that
// `release` reads; it becomes kReleased when the group is released.
enum class JournalState { kInProgress, kDone, kRollingBack, kRolledBack, kRollbackFailed, kReleased };
std::string_view to_string(JournalState state);
Result<JournalState> parse_journal_state(std::string_view text);
bool is_unfinished(JournalState state);

enum class StepStatus { kPending, kDone, kFailed };
std::string_view to_string(StepStatus status);

struct JournalStep {
  Bdf function;
  std::string op;     // "write-override", "unbind", "drivers-probe"
  std::string value;  // the override written; "" otherwise
  bool rollback = false;
  StepStatus status = StepStatus::kPending;
  std::string detail;  // the error, or what was read back
};

struct JournalFunction {
  Bdf address;
  BindingState original;  // read from the kernel before the first step
  BindingState target;
  bool moves = false;
  bool kernel_chooses = false;  // release without a record: override cleared, kernel picks
};

struct Journal {
  std::string id;
  PlanAction action = PlanAction::kAssign;
  std::optional<int> group;
  std::string driver;
  JournalState state = JournalState::kInProgress;
  std::string started;  // UTC, ISO 8601
  std::vector<JournalFunction> functions;
  std::vector<JournalStep> steps;
  std::vector<std::string> messages;  // what happened, for people
};

std::string journal_to_json(const Journal& journal);
Result<Journal> journal_from_json(std::string_view text, std::string_view name);

class JournalStore {
 public:
  static constexpr std::string_view kDefaultDir = "run/isogroup";

  explicit JournalStore(const RootDir& root, std::string dir = std::string(kDefaultDir))
      : root_(root), dir_(std::move(dir)) {}

  // A fresh id: UTC time with nanoseconds, pid, action and group, so ids sort by time.
  std::string new_id(PlanAction action, const std::optional<int>& group) const;
  // Creates the directory when missing, then replaces the journal's file durably.
  Status save(const Journal& journal) const;
  Result<Journal> load(std::string_view id) const;
  // Every journal, oldest first; a missing directory is an empty list. Unreadable files
  // are errors: a journal that cannot be read must not be ignored.
  Result<std::vector<Journal>> load_all() const;
  // The newest completed assign of GROUP (or, for noiommu, of any of ADDRESSES).
  Result<std::optional<Journal>> find_claim(const std::optional<int>& group,
                                            const std::vector<Bdf>& addresses) const;
  // "/run/isogroup/<id>.json" as the user sees it.
  std::string display_path(std::string_view id) const;

 private:
  std::string file_of(std::string_view id) const;

  const RootDir& root_;
  std::string dir_;
};

}  // namespace isogroup
