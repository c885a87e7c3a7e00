// Text and JSON for plans (schema "isogroup-plan", version 1; docs/ownership.md).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "isogroup/ownership/plan.h"

namespace isogroup {
namespace {

std::string driver_text(const std::string& driver) { return driver.empty() ? "no driver" : driver; }

nlohmann::json finding_json(const PlanFinding& f) {
  return {{"check", f.check.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.check)},
          {"function", f.function ? nlohmann::json(f.function->to_string()) : nlohmann::json(nullptr)},
          {"what", f.what},
          {"way_out", f.way_out}};
}

}  // namespace

std::string render_plan_text(const AssignPlan& plan, const Topology& topology) {
  (void)topology;
  std::string out;
  const std::string group = plan.group ? fmt::format("group {}", *plan.group) : std::string("no IOMMU group");
  out += fmt::format("{} {} ({}){}\n", to_string(plan.action), plan.target.to_string(), group,
                     plan.action == PlanAction::kAssign ? fmt::format(" to {}", plan.driver) : std::string());
  for (const auto& f : plan.functions) {
    if (f.moves) {
      out += fmt::format("  {}  {} -> {}   {}\n", f.address.to_string(), driver_text(f.from.driver),
                         f.kernel_chooses ? std::string("(kernel chooses)") : driver_text(f.to.driver), f.why);
    } else {
      out += fmt::format("  {}  stays on {}   {}\n", f.address.to_string(), driver_text(f.from.driver), f.why);
    }
  }
  if (plan.journal) out += fmt::format("original drivers from journal {}\n", *plan.journal);
  for (const auto& w : plan.warnings) out += fmt::format("warning: {}\n", w);
  if (plan.refused()) {
    out += "REFUSED:\n";
    for (const auto& r : plan.refusals) {
      out += fmt::format("  {}{}\n", r.what, r.check.empty() ? std::string() : fmt::format(" [check {}]", r.check));
      out += fmt::format("    way out: {}{}\n", r.way_out,
                         r.check.empty() ? std::string()
                                         : fmt::format(" (or --force {}, if you are sure)", r.check));
    }
  } else {
    out += fmt::format("{} of {} functions change driver\n", plan.moving(), plan.functions.size());
  }
  return out;
}

std::string render_plan_json(const AssignPlan& plan, const Topology& topology) {
  (void)topology;
  using nlohmann::json;
  json j;
  j["schema"] = "isogroup-plan";
  j["schema_version"] = 1;
  j["action"] = to_string(plan.action);
  j["target"] = plan.target.to_string();
  j["group"] = plan.group ? json(*plan.group) : json(nullptr);
  j["driver"] = plan.driver;
  j["noiommu"] = plan.noiommu;
  j["refused"] = plan.refused();
  json functions = json::array();
  for (const auto& f : plan.functions) {
    functions.push_back({{"address", f.address.to_string()},
                         {"from", {{"driver", f.from.driver}, {"driver_override", f.from.driver_override}}},
                         {"to", f.kernel_chooses ? json(nullptr)
                                                 : json{{"driver", f.to.driver},
                                                        {"driver_override", f.to.driver_override}}},
                         {"moves", f.moves},
                         {"kernel_chooses", f.kernel_chooses},
                         {"why", f.why}});
  }
  j["functions"] = std::move(functions);
  json refusals = json::array();
  for (const auto& r : plan.refusals) refusals.push_back(finding_json(r));
  j["refusals"] = std::move(refusals);
  json forced = json::array();
  for (const auto& r : plan.forced) forced.push_back(finding_json(r));
  j["forced"] = std::move(forced);
  j["warnings"] = plan.warnings;
  j["journal"] = plan.journal ? json(*plan.journal) : json(nullptr);
  return j.dump(2) + "\n";
}

}  // namespace isogroup
