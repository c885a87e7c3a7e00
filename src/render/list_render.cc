#include "isogroup/render/list_render.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace isogroup {
namespace {

std::string class_text(const Function& fn, const pci::PciIds* names) {
  const auto& code = fn.identity.class_code;
  if (!code) return "unknown class";
  if (names) {
    if (auto name = names->class_name(*code)) return std::string(*name);
  }
  return fmt::format("class {:04x}", *code >> 8);
}

std::string device_text(const Function& fn, const pci::PciIds* names) {
  const auto& vendor = fn.identity.vendor_id;
  const auto& device = fn.identity.device_id;
  if (names && vendor) {
    auto vendor_name = names->vendor(*vendor);
    auto device_name = device ? names->device(*vendor, *device) : std::nullopt;
    if (vendor_name && device_name) return fmt::format("{} {}", *vendor_name, *device_name);
    if (vendor_name) return std::string(*vendor_name);
  }
  return fn.name.value_or("");
}

std::string ids_text(const Function& fn) {
  const auto hex = [](const std::optional<std::uint16_t>& v) {
    return v ? fmt::format("{:04x}", *v) : std::string("????");
  };
  return hex(fn.identity.vendor_id) + ":" + hex(fn.identity.device_id);
}

std::string driver_text(const Function& fn) {
  if (!fn.driver) return "driver unknown";
  return fn.driver->empty() ? "no driver" : *fn.driver;
}

std::string viability_text(const GroupViability& v) {
  switch (v.viable) {
    case Tristate::kTrue: return "viable";
    case Tristate::kFalse: return "not viable";
    case Tristate::kUnknown: return "viability unknown";
  }
  return "";
}

std::string iommu_text(const ListModel& model) {
  const char* state = model.iommu == IommuState::kActive ? "active"
                      : model.iommu == IommuState::kOff  ? "off"
                                                         : "unknown";
  return model.iommu_detail.empty() ? state : fmt::format("{} ({})", state, model.iommu_detail);
}

void append_function(std::string& out, const ListModel& model, FunctionId f, const pci::PciIds* names) {
  const Function& fn = model.topology->function(f);
  out += fmt::format("  {}  {:<28} {} [{}]  ({})\n", fn.address.to_string(), class_text(fn, names),
                     device_text(fn, names), ids_text(fn), driver_text(fn));
  if (!model.computed) return;
  for (const Reason& reason : model.computed->membership[f].reasons) {
    out += fmt::format("      why: {}\n", reason.text.str());
    if (!reason.remedy.empty()) out += fmt::format("           to isolate: {}\n", reason.remedy.str());
  }
}

nlohmann::json reason_json(const Reason& reason) {
  nlohmann::json j{{"kind", std::string(to_string(reason.kind))}, {"text", reason.text.str()}};
  j["subject"] = reason.subject ? nlohmann::json(reason.subject->to_string()) : nlohmann::json(nullptr);
  if (!reason.remedy.empty()) j["remedy"] = reason.remedy.str();
  return j;
}

nlohmann::json tristate_json(Tristate t) {
  return t == Tristate::kUnknown ? nlohmann::json(nullptr) : nlohmann::json(t == Tristate::kTrue);
}

nlohmann::json function_json(const ListModel& model, FunctionId f, const pci::PciIds* names) {
  const Function& fn = model.topology->function(f);
  const auto opt_hex = [](const auto& v, int width) {
    return v ? nlohmann::json(fmt::format("{:0{}x}", *v, width)) : nlohmann::json(nullptr);
  };
  nlohmann::json j{
      {"address", fn.address.to_string()},
      {"vendor_id", opt_hex(fn.identity.vendor_id, 4)},
      {"device_id", opt_hex(fn.identity.device_id, 4)},
      {"class", opt_hex(fn.identity.class_code, 6)},
      {"class_name", class_text(fn, names)},
      {"name", device_text(fn, names)},
      {"driver", fn.driver ? nlohmann::json(*fn.driver) : nlohmann::json(nullptr)},
      {"kernel_group", fn.kernel_group ? nlohmann::json(*fn.kernel_group) : nlohmann::json(nullptr)},
  };
  if (model.computed) {
    nlohmann::json reasons = nlohmann::json::array();
    for (const Reason& r : model.computed->membership[f].reasons) reasons.push_back(reason_json(r));
    j["reasons"] = std::move(reasons);
    j["acs_enabled"] = tristate_json(model.computed->membership[f].acs_enabled);
  }
  return j;
}

}  // namespace

std::string render_list_text(const ListModel& model, const pci::PciIds* names) {
  const Snapshot& snapshot = model.topology->snapshot();
  std::string out;
  out += fmt::format("source: {} ({})\n", snapshot.source, to_string(snapshot.kind));
  out += fmt::format("kernel: {}\n", snapshot.kernel_release.value_or("not in the input"));
  out += fmt::format("IOMMU: {}\n", iommu_text(model));
  if (model.computed) {
    out += "groups: computed by isogroup for this policy\n";
    for (const auto& line : model.computed->policy.describe_lines()) out += fmt::format("  {}\n", line);
  } else {
    out += "groups: the kernel's, as the input shows them\n";
  }
  if (model.iommu == IommuState::kOff && model.groups.empty()) {
    out += "\nThe IOMMU is off, so the kernel formed no groups and VFIO cannot isolate any "
           "device.\nEnable VT-d / AMD-Vi in the firmware and boot with intel_iommu=on or "
           "amd_iommu=on.\n";
  }
  for (const ListedGroup& group : model.groups) {
    out += fmt::format("\ngroup {}  ({} function{}, {})\n", *group.id, group.members.size(),
                       group.members.size() == 1 ? "" : "s", viability_text(group.viability));
    for (const auto& blocker : group.viability.blockers) out += fmt::format("  ! {}\n", blocker.why);
    for (const FunctionId f : group.members) append_function(out, model, f, names);
  }
  if (!model.ungrouped.empty()) {
    out += fmt::format("\nin no group ({} function{})\n", model.ungrouped.size(),
                       model.ungrouped.size() == 1 ? "" : "s");
    for (const FunctionId f : model.ungrouped) append_function(out, model, f, names);
  }
  std::vector<std::string> notes = model.notes;
  if (model.computed) {
    notes.insert(notes.end(), model.computed->assumptions.begin(), model.computed->assumptions.end());
    if (!model.computed->undecided.empty()) {
      notes.push_back(fmt::format("{} function(s) cannot be placed with certainty: the input does "
                                  "not show the ACS registers on their path",
                                  model.computed->undecided.size()));
    }
  }
  if (!notes.empty()) {
    out += "\nnotes:\n";
    for (const auto& note : notes) out += fmt::format("  - {}\n", note);
  }
  return out;
}

std::string render_list_json(const ListModel& model, const pci::PciIds* names) {
  const Snapshot& snapshot = model.topology->snapshot();
  nlohmann::json j;
  j["schema"] = "isogroup-list";
  j["schema_version"] = kListSchemaVersion;
  j["source"] = {{"path", snapshot.source}, {"kind", std::string(to_string(snapshot.kind))}};
  j["kernel_release"] =
      snapshot.kernel_release ? nlohmann::json(*snapshot.kernel_release) : nlohmann::json(nullptr);
  j["iommu"] = {{"state", model.iommu == IommuState::kActive ? "active"
                          : model.iommu == IommuState::kOff  ? "off"
                                                             : "unknown"},
                {"detail", model.iommu_detail}};
  j["computed"] = model.computed != nullptr;
  if (model.computed) {
    j["policy"] = model.computed->policy.describe_lines();
    j["assumptions"] = model.computed->assumptions;
    nlohmann::json undecided = nlohmann::json::array();
    for (const FunctionId f : model.computed->undecided) {
      undecided.push_back(model.topology->function(f).address.to_string());
    }
    j["undecided"] = std::move(undecided);
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const ListedGroup& group : model.groups) {
    nlohmann::json devices = nlohmann::json::array();
    nlohmann::json functions = nlohmann::json::array();
    nlohmann::json reasons = nlohmann::json::array();
    for (const FunctionId f : group.members) {
      devices.push_back(model.topology->function(f).address.to_string());
      functions.push_back(function_json(model, f, names));
      if (model.computed) {
        for (const Reason& r : model.computed->membership[f].reasons) {
          nlohmann::json rj = reason_json(r);
          rj["function"] = model.topology->function(f).address.to_string();
          reasons.push_back(std::move(rj));
        }
      }
    }
    nlohmann::json blockers = nlohmann::json::array();
    for (const auto& b : group.viability.blockers) {
      blockers.push_back({{"function", model.topology->function(b.function).address.to_string()},
                          {"why", b.why}});
    }
    groups.push_back({{"id", *group.id},
                      {"devices", std::move(devices)},
                      {"viable", tristate_json(group.viability.viable)},
                      {"viability_rule", group.viability.rule},
                      {"blockers", std::move(blockers)},
                      {"reasons", std::move(reasons)},
                      {"functions", std::move(functions)}});
  }
  j["groups"] = std::move(groups);
  nlohmann::json ungrouped = nlohmann::json::array();
  for (const FunctionId f : model.ungrouped) ungrouped.push_back(function_json(model, f, names));
  j["ungrouped"] = std::move(ungrouped);
  j["notes"] = model.notes;
  return j.dump(2) + "\n";
}

}  // namespace isogroup
