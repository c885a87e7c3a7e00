#include "isogroup/ownership/apply.h"

#include <fmt/format.h>

#include <functional>

#include "isogroup/ownership/viability.h"

namespace isogroup {
namespace {

std::string driver_text(std::string_view driver) {
  return driver.empty() ? std::string("no driver") : std::string(driver);
}

// Runs steps for one journal: each is saved as pending before it happens and as done or
// failed after its result was read back.
class Stepper {
 public:
  Stepper(Journal& journal, Binder& binder, const JournalStore& journals, bool rollback)
      : journal_(journal), binder_(binder), journals_(journals), rollback_(rollback) {}

  // CHECK returns "" when the kernel shows what the step meant to do, or what it shows.
  Status run(const Bdf& function, std::string op, std::string value, const std::function<Status()>& action,
             const std::function<Result<std::string>()>& check) {
    journal_.steps.push_back({function, op, value, rollback_, StepStatus::kPending, ""});
    const std::size_t index = journal_.steps.size() - 1;
    if (auto saved = journals_.save(journal_); !saved) {
      // Forward: no step without its record. Rollback: restoring matters more than the
      // record, which already holds the original state.
      if (!rollback_) {
        journal_.steps.pop_back();
        return tl::unexpected(std::move(saved.error()).with_context("journal"));
      }
      journal_.messages.push_back(fmt::format("journal not written before a rollback step: {}",
                                              saved.error().to_string()));
    }
    Status result = action();
    if (result) {
      auto seen = check();
      if (!seen) {
        result = tl::unexpected(std::move(seen.error()));
      } else if (!seen->empty()) {
        result = make_error(Errc::kIo, fmt::format("{} {}: {}", op, function.to_string(), *seen),
                            function.to_string());
      }
    }
    JournalStep& step = journal_.steps[index];
    step.status = result ? StepStatus::kDone : StepStatus::kFailed;
    step.detail = result ? std::string() : result.error().to_string();
    (void)journals_.save(journal_);  // the next step's save retries; a failure stops there
    return result;
  }

  Binder& binder() { return binder_; }

 private:
  Journal& journal_;
  Binder& binder_;
  const JournalStore& journals_;
  bool rollback_;
};

std::function<Result<std::string>()> expect_override(Binder& binder, const Bdf& f, std::string want) {
  return [&binder, f, want]() -> Result<std::string> {
    auto seen = binder.read_driver_override(f);
    if (!seen) return tl::unexpected(std::move(seen.error()));
    if (*seen == want) return std::string();
    return fmt::format("driver_override reads '{}', expected '{}'", *seen, want);
  };
}

std::function<Result<std::string>()> expect_driver(Binder& binder, const Bdf& f, std::string want) {
  return [&binder, f, want]() -> Result<std::string> {
    auto seen = binder.read_driver(f);
    if (!seen) return tl::unexpected(std::move(seen.error()));
    if (*seen == want) return std::string();
    return fmt::format("bound to {}, expected {}", driver_text(*seen), driver_text(want));
  };
}

// Moves one function to TARGET. To reach a driver: override = that driver (only it may
// bind), unbind, drivers_probe, then the override the target asks for. To reach "no
// driver": unbind, then the override. With KERNEL_CHOOSES: override cleared, unbind, probe.
Status move_function(Stepper& stepper, const Bdf& f, const BindingState& target, bool kernel_chooses,
                     const std::string& freed_driver) {
  Binder& binder = stepper.binder();
  auto current_driver = binder.read_driver(f);
  if (!current_driver) return tl::unexpected(std::move(current_driver.error()));
  auto current_override = binder.read_driver_override(f);
  if (!current_override) return tl::unexpected(std::move(current_override.error()));

  auto write_override = [&](const std::string& value) -> Status {
    if (*current_override == value) return {};
    auto done = stepper.run(
        f, "write-override", value, [&] { return binder.write_driver_override(f, value); },
        expect_override(binder, f, value));
    if (done) *current_override = value;
    return done;
  };
  auto unbind = [&]() -> Status {
    if (current_driver->empty()) return {};
    auto done = stepper.run(f, "unbind", "", [&] { return binder.unbind(f); }, expect_driver(binder, f, ""));
    if (done) current_driver->clear();
    return done;
  };

  if (kernel_chooses) {
    if (auto s = write_override(""); !s) return s;
    if (*current_driver == freed_driver || classify_driver(*current_driver) == DriverRole::kVfio) {
      if (auto s = unbind(); !s) return s;
    }
    return stepper.run(f, "drivers-probe", "", [&] { return binder.drivers_probe(f); },
                       [&binder, f, freed_driver]() -> Result<std::string> {
                         auto seen = binder.read_driver(f);
                         if (!seen) return tl::unexpected(std::move(seen.error()));
                         if (*seen == freed_driver && !freed_driver.empty()) {
                           return fmt::format("still bound to {}", *seen);
                         }
                         return std::string();
                       });
  }
  if (target.driver.empty()) {
    if (auto s = unbind(); !s) return s;
    return write_override(target.driver_override);
  }
  if (*current_driver != target.driver) {
    if (auto s = write_override(target.driver); !s) return s;
    if (auto s = unbind(); !s) return s;
    auto probed = stepper.run(f, "drivers-probe", "", [&] { return binder.drivers_probe(f); },
                              expect_driver(binder, f, target.driver));
    if (!probed) return probed;
    *current_driver = target.driver;
  }
  return write_override(target.driver_override);
}

Result<BindingState> read_state(Binder& binder, const Bdf& f) {
  auto driver = binder.read_driver(f);
  if (!driver) return tl::unexpected(std::move(driver.error()));
  auto override_value = binder.read_driver_override(f);
  if (!override_value) return tl::unexpected(std::move(override_value.error()));
  return BindingState{*driver, *override_value};
}

std::string refusal_text(const AssignPlan& plan) {
  std::string out;
  for (const auto& r : plan.refusals) {
    if (!out.empty()) out += "; ";
    out += r.what;
  }
  return out;
}

}  // namespace

Result<bool> reached_target(const JournalFunction& function, const std::string& freed_driver, Binder& binder) {
  auto state = read_state(binder, function.address);
  if (!state) return tl::unexpected(std::move(state.error()));
  if (function.kernel_chooses) {
    return state->driver_override.empty() && (freed_driver.empty() || state->driver != freed_driver);
  }
  return *state == function.target;
}

bool roll_back(Journal& journal, Binder& binder, const JournalStore& journals) {
  journal.state = JournalState::kRollingBack;
  (void)journals.save(journal);
  Stepper stepper(journal, binder, journals, /*rollback=*/true);
  // Reverse order: the last function moved is the first put back.
  for (auto it = journal.functions.rbegin(); it != journal.functions.rend(); ++it) {
    if (!it->moves) continue;
    if (auto s = move_function(stepper, it->address, it->original, false, ""); !s) {
      journal.messages.push_back(fmt::format("rollback of {} failed: {}", it->address.to_string(),
                                             s.error().to_string()));
    }
  }
  bool restored = true;
  for (const auto& f : journal.functions) {
    auto state = read_state(binder, f.address);
    if (state && *state == f.original) continue;
    restored = false;
    journal.messages.push_back(fmt::format(
        "{} is not back: it should have {} with driver_override '{}', and shows {}", f.address.to_string(),
        driver_text(f.original.driver), f.original.driver_override,
        state ? fmt::format("{} with driver_override '{}'", driver_text(state->driver), state->driver_override)
              : state.error().to_string()));
  }
  journal.state = restored ? JournalState::kRolledBack : JournalState::kRollbackFailed;
  journal.messages.push_back(restored ? "rolled back: every function has its original driver and driver_override"
                                      : "rollback incomplete: run `isogroup recover` once the cause is fixed");
  (void)journals.save(journal);
  return restored;
}

Result<ApplyOutcome> apply_plan(const AssignPlan& plan, Binder& binder, const JournalStore& journals) {
  if (plan.refused()) {
    return make_error(Errc::kRefused, fmt::format("{} refused: {}", to_string(plan.action), refusal_text(plan)),
                      plan.target.to_string(), plan.refusals.front().way_out);
  }
  ApplyOutcome out;
  if (plan.moving() == 0) {
    out.log.push_back("nothing to change: every function already is where the plan puts it");
    return out;
  }
  // Every driver a function must reach has to be loaded, or the function would end up
  // without one (drivers_probe succeeds and binds nothing).
  for (const auto& f : plan.functions) {
    if (!f.moves || f.to.driver.empty() || binder.driver_available(f.to.driver)) continue;
    return make_error(Errc::kNotFound, fmt::format("driver {} is not loaded", f.to.driver), f.address.to_string(),
                      fmt::format("modprobe {}, then run the command again", f.to.driver));
  }

  Journal journal;
  journal.id = journals.new_id(plan.action, plan.group);
  journal.action = plan.action;
  journal.group = plan.group;
  journal.driver = plan.driver;
  {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    tm utc{};
    ::gmtime_r(&now.tv_sec, &utc);
    char stamp[32];
    ::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    journal.started = stamp;
  }
  for (const auto& f : plan.functions) {
    auto state = read_state(binder, f.address);
    if (!state) return tl::unexpected(std::move(state.error()));
    if (*state != f.from) {
      return make_error(Errc::kInconsistent,
                        fmt::format("{} changed since the plan was made: it has {} with driver_override '{}'",
                                    f.address.to_string(), driver_text(state->driver), state->driver_override),
                        f.address.to_string(), "make the plan again");
    }
    journal.functions.push_back({f.address, *state, f.to, f.moves, f.kernel_chooses});
  }
  journal.messages.push_back(fmt::format("{} {} begun", to_string(plan.action), plan.target.to_string()));
  out.journal_id = journal.id;
  out.journal_path = journals.display_path(journal.id);
  if (auto saved = journals.save(journal); !saved) {
    return tl::unexpected(std::move(saved.error()).with_hint(
        "the journal must be written before anything changes; nothing was changed"));
  }

  Stepper stepper(journal, binder, journals, /*rollback=*/false);
  for (const auto& f : plan.functions) {
    if (!f.moves) continue;
    if (auto moved = move_function(stepper, f.address, f.to, f.kernel_chooses, plan.driver); !moved) {
      journal.messages.push_back(fmt::format("failed at {}: {}", f.address.to_string(), moved.error().to_string()));
      const bool restored = roll_back(journal, binder, journals);
      Error e = std::move(moved.error());
      e.code_ = Errc::kIo;
      e.message_ = fmt::format("{} failed: {}", to_string(plan.action), e.message_);
      e.context_ = out.journal_path;
      e.hint_ = restored ? "rolled back: every function is back on the driver it had (see the journal)"
                         : "the rollback did not restore every function; the journal keeps the original "
                           "drivers: fix the cause, then run `isogroup recover`";
      return tl::unexpected(std::move(e));
    }
    if (f.kernel_chooses) {
      auto chosen = binder.read_driver(f.address);
      out.chosen.emplace_back(f.address, chosen ? *chosen : std::string("unknown"));
      out.log.push_back(fmt::format("{}: {} -> {} (chosen by the kernel)", f.address.to_string(),
                                    driver_text(f.from.driver), chosen ? driver_text(*chosen) : "unknown"));
    } else {
      out.log.push_back(fmt::format("{}: {} -> {}", f.address.to_string(), driver_text(f.from.driver),
                                    driver_text(f.to.driver)));
    }
  }
  if (plan.action == PlanAction::kAssign && plan.driver == "vfio-pci" && plan.group &&
      !binder.group_device_node_exists(*plan.group)) {
    out.log.push_back(fmt::format("warning: /dev/vfio/{} does not exist; is devtmpfs mounted on /dev?", *plan.group));
  }
  journal.state = JournalState::kDone;
  journal.messages.push_back(fmt::format("{} done", to_string(plan.action)));
  if (auto saved = journals.save(journal); !saved) {
    out.log.push_back(fmt::format("warning: the journal could not be closed ({}); `isogroup recover` will "
                                  "close it", saved.error().to_string()));
  }
  if (plan.action == PlanAction::kRelease && plan.journal) {
    if (auto claim = journals.load(*plan.journal)) {
      claim->state = JournalState::kReleased;
      claim->messages.push_back(fmt::format("released by {}", journal.id));
      (void)journals.save(*claim);
    }
  }
  return out;
}

}  // namespace isogroup
