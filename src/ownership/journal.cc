#include "isogroup/ownership/journal.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace isogroup {
namespace {

using nlohmann::json;

constexpr std::string_view kSchema = "isogroup-journal";
constexpr int kSchemaVersion = 1;

constexpr std::array<std::pair<JournalState, std::string_view>, 6> kStates{{
    {JournalState::kInProgress, "in-progress"},
    {JournalState::kDone, "done"},
    {JournalState::kRollingBack, "rolling-back"},
    {JournalState::kRolledBack, "rolled-back"},
    {JournalState::kRollbackFailed, "rollback-failed"},
    {JournalState::kReleased, "released"},
}};

constexpr std::array<std::pair<StepStatus, std::string_view>, 3> kStatuses{{
    {StepStatus::kPending, "pending"},
    {StepStatus::kDone, "done"},
    {StepStatus::kFailed, "failed"},
}};

json state_json(const BindingState& s) {
  return json{{"driver", s.driver}, {"driver_override", s.driver_override}};
}

BindingState state_from(const json& j) {
  return {j.at("driver").get<std::string>(), j.at("driver_override").get<std::string>()};
}

Bdf bdf_from(const json& j) {
  auto bdf = Bdf::parse(j.get<std::string>());
  if (!bdf) throw json::other_error::create(501, "bad PCI address " + j.get<std::string>(), nullptr);
  return *bdf;
}

}  // namespace

std::string_view to_string(JournalState state) {
  for (const auto& [value, name] : kStates) {
    if (value == state) return name;
  }
  return "unknown";
}

Result<JournalState> parse_journal_state(std::string_view text) {
  for (const auto& [value, name] : kStates) {
    if (name == text) return value;
  }
  return make_error(Errc::kInvalidInput, fmt::format("unknown journal state '{}'", text));
}

bool is_unfinished(JournalState state) {
  return state == JournalState::kInProgress || state == JournalState::kRollingBack ||
         state == JournalState::kRollbackFailed;
}

std::string_view to_string(StepStatus status) {
  for (const auto& [value, name] : kStatuses) {
    if (value == status) return name;
  }
  return "unknown";
}

std::string journal_to_json(const Journal& journal) {
  json j;
  j["schema"] = kSchema;
  j["schema_version"] = kSchemaVersion;
  j["id"] = journal.id;
  j["action"] = to_string(journal.action);
  j["group"] = journal.group ? json(*journal.group) : json(nullptr);
  j["driver"] = journal.driver;
  j["state"] = to_string(journal.state);
  j["started"] = journal.started;
  json functions = json::array();
  for (const auto& f : journal.functions) {
    functions.push_back({{"address", f.address.to_string()},
                         {"original", state_json(f.original)},
                         {"target", state_json(f.target)},
                         {"moves", f.moves},
                         {"kernel_chooses", f.kernel_chooses}});
  }
  j["functions"] = std::move(functions);
  json steps = json::array();
  for (const auto& s : journal.steps) {
    steps.push_back({{"function", s.function.to_string()},
                     {"op", s.op},
                     {"value", s.value},
                     {"rollback", s.rollback},
                     {"status", to_string(s.status)},
                     {"detail", s.detail}});
  }
  j["steps"] = std::move(steps);
  j["messages"] = journal.messages;
  return j.dump(2) + "\n";
}

Result<Journal> journal_from_json(std::string_view text, std::string_view name) {
  // nlohmann reports malformed input by exception; none crosses this function.
  try {
    const json j = json::parse(text);
    if (j.at("schema") != kSchema || j.at("schema_version") != kSchemaVersion) {
      return make_error(Errc::kUnsupported, "not an isogroup journal of schema version 1", std::string(name),
                        "written by another isogroup version; inspect it by hand");
    }
    Journal out;
    out.id = j.at("id").get<std::string>();
    const std::string action = j.at("action").get<std::string>();
    if (action != "assign" && action != "release") {
      return make_error(Errc::kInvalidInput, fmt::format("unknown action '{}'", action), std::string(name));
    }
    out.action = action == "assign" ? PlanAction::kAssign : PlanAction::kRelease;
    if (!j.at("group").is_null()) out.group = j.at("group").get<int>();
    out.driver = j.at("driver").get<std::string>();
    auto state = parse_journal_state(j.at("state").get<std::string>());
    if (!state) return tl::unexpected(std::move(state.error()).with_context(std::string(name)));
    out.state = *state;
    out.started = j.at("started").get<std::string>();
    for (const auto& f : j.at("functions")) {
      out.functions.push_back({bdf_from(f.at("address")), state_from(f.at("original")),
                               state_from(f.at("target")), f.at("moves").get<bool>(),
                               f.at("kernel_chooses").get<bool>()});
    }
    for (const auto& s : j.at("steps")) {
      JournalStep step;
      step.function = bdf_from(s.at("function"));
      step.op = s.at("op").get<std::string>();
      step.value = s.at("value").get<std::string>();
      step.rollback = s.at("rollback").get<bool>();
      const std::string status = s.at("status").get<std::string>();
      const auto it = std::find_if(kStatuses.begin(), kStatuses.end(),
                                   [&](const auto& entry) { return entry.second == status; });
      if (it == kStatuses.end()) {
        return make_error(Errc::kInvalidInput, fmt::format("unknown step status '{}'", status), std::string(name));
      }
      step.status = it->first;
      step.detail = s.at("detail").get<std::string>();
      out.steps.push_back(std::move(step));
    }
    out.messages = j.at("messages").get<std::vector<std::string>>();
    return out;
  } catch (const json::exception& e) {
    return make_error(Errc::kInvalidInput, fmt::format("malformed journal: {}", e.what()), std::string(name),
                      "a journal cut short or edited by hand; inspect it and fix the bindings by hand");
  }
}

std::string JournalStore::new_id(PlanAction action, const std::optional<int>& group) const {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  tm utc{};
  ::gmtime_r(&now.tv_sec, &utc);
  char stamp[32];
  ::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &utc);
  return fmt::format("{}.{:09}-{}-{}-{}", stamp, now.tv_nsec, ::getpid(), to_string(action),
                     group ? fmt::format("group{}", *group) : std::string("noiommu"));
}

std::string JournalStore::file_of(std::string_view id) const { return fmt::format("{}/{}.json", dir_, id); }

std::string JournalStore::display_path(std::string_view id) const { return "/" + file_of(id); }

Status JournalStore::save(const Journal& journal) const {
  if (auto made = root_.make_directories(dir_); !made) return made;
  return root_.replace_file(file_of(journal.id), journal_to_json(journal));
}

Result<Journal> JournalStore::load(std::string_view id) const {
  auto text = root_.read_file(file_of(id));
  if (!text) return tl::unexpected(std::move(text.error()));
  return journal_from_json(*text, display_path(id));
}

Result<std::vector<Journal>> JournalStore::load_all() const {
  std::vector<Journal> out;
  if (!root_.is_directory(dir_)) return out;
  auto names = root_.list_dir(dir_);
  if (!names) return tl::unexpected(std::move(names.error()));
  for (const auto& name : *names) {
    // Temporary files of a save that was cut short start with a dot; the previous
    // version of their journal is still in place.
    if (name.starts_with('.') || !name.ends_with(".json")) continue;
    auto journal = load(std::string_view(name).substr(0, name.size() - 5));
    if (!journal) return tl::unexpected(std::move(journal.error()));
    out.push_back(std::move(*journal));
  }
  return out;
}

Result<std::optional<Journal>> JournalStore::find_claim(const std::optional<int>& group,
                                                        const std::vector<Bdf>& addresses) const {
  auto all = load_all();
  if (!all) return tl::unexpected(std::move(all.error()));
  std::optional<Journal> found;
  for (auto& journal : *all) {  // oldest first: the last match is the newest
    if (journal.action != PlanAction::kAssign || journal.state != JournalState::kDone) continue;
    bool matches = group && journal.group == group;
    if (!group) {
      for (const auto& f : journal.functions) {
        matches = matches || std::find(addresses.begin(), addresses.end(), f.address) != addresses.end();
      }
    }
    if (matches) found = std::move(journal);
  }
  return found;
}

}  // namespace isogroup
