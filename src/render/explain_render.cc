#include "isogroup/render/explain_render.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace isogroup {
namespace {

std::string role_text(const Function& fn) {
  if (fn.pcie.type) {
    std::string role(pci::to_string(*fn.pcie.type));
    if (is_true(fn.multifunction)) role += ", multifunction";
    return role;
  }
  if (fn.pcie.is_pcie == Tristate::kFalse) {
    return fn.is_bridge() ? "conventional PCI bridge" : "conventional PCI function";
  }
  return "PCIe capability unknown";
}

std::string name_text(const Function& fn, const pci::PciIds* names) {
  if (names && fn.identity.vendor_id && fn.identity.device_id) {
    auto vendor = names->vendor(*fn.identity.vendor_id);
    auto device = names->device(*fn.identity.vendor_id, *fn.identity.device_id);
    if (vendor && device) return fmt::format("{} {}", *vendor, *device);
  }
  return fn.name.value_or("");
}

std::string group_text(const GroupSet& groups, FunctionId f) {
  const Group* g = groups.group_of(f);
  return g ? fmt::format("group {}", g->id) : std::string("no group");
}

std::string members_text(const Topology& topology, const GroupSet& groups, FunctionId f) {
  const Group* g = groups.group_of(f);
  if (!g) return "";
  std::string out;
  for (const FunctionId m : g->members) {
    if (!out.empty()) out += ", ";
    out += topology.function(m).address.to_short_string();
  }
  return out;
}

void append_policy(std::string& out, const GroupSet& groups) {
  out += "this answer assumes:\n";
  for (const auto& line : groups.policy.describe_lines()) out += fmt::format("  - {}\n", line);
  for (const auto& line : groups.assumptions) out += fmt::format("  - {}\n", line);
}

std::string function_body(const Topology& topology, const GroupSet& groups, FunctionId f,
                          const pci::PciIds* names) {
  const Function& fn = topology.function(f);
  std::string out;
  out += fmt::format("{}  {}  ({})\n", fn.address.to_string(), name_text(fn, names), role_text(fn));
  out += fmt::format("  computed: {} [{}]", group_text(groups, f), members_text(topology, groups, f));
  if (fn.kernel_group) out += fmt::format("; the kernel's: group {}", *fn.kernel_group);
  out += "\n";
  const auto& reasons = groups.membership[f].reasons;
  if (!reasons.empty()) out += "  why:\n";
  for (const Reason& r : reasons) {
    out += fmt::format("    - {}\n", r.text.str());
    if (!r.remedy.empty()) out += fmt::format("      to split it off: {}\n", r.remedy.str());
  }
  if (std::find(groups.undecided.begin(), groups.undecided.end(), f) != groups.undecided.end()) {
    out += "  cannot decide: the input does not show the ACS registers this depends on\n";
  }
  return out;
}

}  // namespace

std::string render_explain_function(const Topology& topology, const GroupSet& groups,
                                    const AcsEvaluator& acs, FunctionId f, const pci::PciIds* names) {
  std::string out = function_body(topology, groups, f, names);
  out += "  path to the root bus (ACS needed: SV RR CR UF):\n";
  // The function itself, then every bridge above it (pci_acs_path_enabled walks bus->self).
  for (FunctionId hop = f; hop != kNoFunction;) {
    const Function& h = topology.function(hop);
    const AcsVerdict& v = acs.enabled(hop);
    const char* mark = v.enabled == Tristate::kTrue ? "ok " : v.enabled == Tristate::kFalse ? "NO " : "?? ";
    out += fmt::format("    {} {}  {}: {}\n", mark, h.address.to_short_string(), role_text(h), v.reason.text.str());
    // Up one bridge; virtual (SR-IOV) buses have none, so continue from their parent.
    BusId b = h.bus;
    while (b != kNoBus && !topology.bus(b).is_root && topology.bus(b).self == kNoFunction) {
      b = topology.bus(b).parent;
    }
    hop = (b == kNoBus || topology.bus(b).is_root) ? kNoFunction : topology.bus(b).self;
  }
  append_policy(out, groups);
  return out;
}

std::string render_explain_group(const Topology& topology, const GroupSet& groups, int group_id,
                                 const pci::PciIds* names) {
  const auto it = std::find_if(groups.groups.begin(), groups.groups.end(),
                               [&](const Group& g) { return g.id == group_id; });
  if (it == groups.groups.end()) return fmt::format("no computed group {}\n", group_id);
  std::string out = fmt::format("group {}: {} function{}\n", group_id, it->members.size(),
                                it->members.size() == 1 ? "" : "s");
  for (const FunctionId f : it->members) out += function_body(topology, groups, f, names);
  append_policy(out, groups);
  return out;
}

std::string render_verify_text(const Topology& topology, const GroupSet& groups, const VerifyReport& report) {
  const auto list = [&](const std::vector<FunctionId>& fs) {
    std::string s;
    for (const FunctionId f : fs) {
      if (!s.empty()) s += ' ';
      s += topology.function(f).address.to_short_string();
    }
    return s;
  };
  std::string out = fmt::format("verify: {} ({} kernel groups, {} computed)\n", to_string(report.status),
                                report.kernel_groups, report.computed_groups);
  for (const auto& d : report.partition) {
    out += d.kernel_group ? fmt::format("\nthe kernel's group {}: {}\n", *d.kernel_group, list(d.functions))
                          : fmt::format("\nin no group for the kernel: {}\n", list(d.functions));
    for (const int g : d.computed_groups) {
      if (g < 0) {
        out += "  computed: some of them in no group\n";
        continue;
      }
      const Group& cg = groups.groups[static_cast<std::size_t>(g)];
      out += fmt::format("  computed group {}: {}\n", cg.id, list(cg.members));
    }
    for (const FunctionId f : d.functions) {
      for (const Reason& r : groups.membership[f].reasons) {
        out += fmt::format("    {}: {}\n", topology.function(f).address.to_short_string(), r.text.str());
      }
    }
    if (d.involves_undecided) out += "  (the input lacks ACS facts here: cannot decide)\n";
  }
  if (!report.numbering.empty()) out += "\nnumbering differences (kernel -> computed):\n";
  for (const auto& n : report.numbering) {
    out += fmt::format("  {} -> {}: {}\n", n.kernel_id, n.computed_id, list(n.functions));
  }
  if (!report.kernel_id_gaps.empty()) {
    std::string gaps;
    for (const int id : report.kernel_id_gaps) {
      if (!gaps.empty()) gaps += ", ";
      gaps += std::to_string(id);
    }
    out += fmt::format(
        "\nthe kernel's group numbers skip {}: those groups were freed after boot (their devices "
        "were removed), and groups created later were numbered past them; the input no longer "
        "shows the removed devices, so their numbers cannot be reproduced from it\n",
        gaps);
  }
  if (!groups.assumptions.empty()) {
    out += "\nassumptions:\n";
    for (const auto& a : groups.assumptions) out += fmt::format("  - {}\n", a);
  }
  return out;
}

std::string render_verify_json(const Topology& topology, const GroupSet& groups, const VerifyReport& report) {
  const auto list = [&](const std::vector<FunctionId>& fs) {
    nlohmann::json j = nlohmann::json::array();
    for (const FunctionId f : fs) j.push_back(topology.function(f).address.to_string());
    return j;
  };
  nlohmann::json j{{"schema", "isogroup-verify"},
                   {"schema_version", 1},
                   {"status", std::string(to_string(report.status))},
                   {"kernel_groups", report.kernel_groups},
                   {"computed_groups", report.computed_groups},
                   {"kernel_profile", groups.policy.kernel.to_string()},
                   {"platform", std::string(to_string(groups.policy.platform))},
                   {"policy", groups.policy.describe_lines()},
                   {"assumptions", groups.assumptions}};
  nlohmann::json partition = nlohmann::json::array();
  for (const auto& d : report.partition) {
    nlohmann::json computed = nlohmann::json::array();
    for (const int g : d.computed_groups) {
      computed.push_back(g < 0 ? nlohmann::json(nullptr)
                               : nlohmann::json(groups.groups[static_cast<std::size_t>(g)].id));
    }
    partition.push_back({{"kernel_group", d.kernel_group ? nlohmann::json(*d.kernel_group) : nlohmann::json(nullptr)},
                         {"devices", list(d.functions)},
                         {"computed_groups", std::move(computed)},
                         {"cannot_decide", d.involves_undecided}});
  }
  j["partition_differences"] = std::move(partition);
  nlohmann::json numbering = nlohmann::json::array();
  for (const auto& n : report.numbering) {
    numbering.push_back({{"kernel_id", n.kernel_id}, {"computed_id", n.computed_id}, {"devices", list(n.functions)}});
  }
  j["numbering_differences"] = std::move(numbering);
  j["kernel_id_gaps"] = report.kernel_id_gaps;
  return j.dump(2) + "\n";
}

}  // namespace isogroup
