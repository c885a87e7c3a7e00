#include "isogroup/ownership/persistence.h"

#include <algorithm>

#include <fmt/format.h>

namespace isogroup {
namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Everything below goes verbatim into a file that udev executes as root: only plain
// identifiers, so no value can close a quote and add a RUN key.
bool valid_claim_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool valid_driver(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

// The portable user/group name set (POSIX and shadow-utils' default NAME_REGEX).
bool valid_account(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  if (s.back() == '$') s.remove_suffix(1);
  if (s.empty() || !(s.front() == '_' || (s.front() >= 'a' && s.front() <= 'z') || (s.front() >= 'A' && s.front() <= 'Z'))) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

// The bridges above F, nearest first; a bridge that is itself a member is its own first
// entry, so a group made of a port and the functions below it has that port in common.
std::vector<FunctionId> upstream_bridges(const Topology& topology, FunctionId f) {
  std::vector<FunctionId> chain;
  if (topology.function(f).is_bridge()) chain.push_back(f);
  BusId bus = topology.function(f).bus;
  for (std::size_t steps = 0; bus != kNoBus && steps <= topology.buses().size(); ++steps) {
    const Bus& b = topology.bus(bus);
    if (b.self != kNoFunction) chain.push_back(b.self);
    bus = b.parent;
  }
  return chain;
}

void functions_below(const Topology& topology, BusId bus, std::vector<FunctionId>& out, std::size_t depth) {
  if (bus == kNoBus || depth > topology.buses().size()) return;
  const Bus& b = topology.bus(bus);
  out.insert(out.end(), b.functions.begin(), b.functions.end());
  for (const BusId child : b.children) functions_below(topology, child, out, depth + 1);
}

bool contains(std::span<const FunctionId> set, FunctionId f) { return std::find(set.begin(), set.end(), f) != set.end(); }

// The nearest bridge that is above (or is) every member.
std::optional<FunctionId> common_bridge(const Topology& topology, std::span<const FunctionId> members) {
  if (members.empty()) return std::nullopt;
  const auto first = upstream_bridges(topology, members.front());
  for (const FunctionId candidate : first) {
    bool everywhere = true;
    for (const FunctionId m : members.subspan(1)) {
      const auto chain = upstream_bridges(topology, m);
      if (std::find(chain.begin(), chain.end(), candidate) == chain.end()) {
        everywhere = false;
        break;
      }
    }
    if (everywhere) return candidate;
  }
  return std::nullopt;
}

// What the rule does once driver_override is set: load the driver, take the function from
// a built-in host driver that bound before udev ran, and ask the PCI core to probe again
// (a driver_override write does not trigger a probe). Only single quotes inside: the value
// sits in udev's double quotes.
std::string claim_actions(std::string_view driver) {
  return fmt::format(
      "ATTR{{driver_override}}=\"{0}\", RUN{{builtin}}+=\"kmod load {0}\", "
      "RUN+=\"/bin/sh -c '[ -e /sys/bus/pci/devices/$kernel/driver ] && "
      "[ ! -e /sys/bus/pci/drivers/{0}/$kernel ] && "
      "echo $kernel > /sys/bus/pci/devices/$kernel/driver/unbind; "
      "echo $kernel > /sys/bus/pci/drivers_probe'\"",
      driver);
}

}  // namespace

Result<ClaimRules> make_claim_rules(const Topology& topology, std::span<const FunctionId> members,
                                    const ClaimSpec& spec) {
  if (!valid_claim_name(spec.name)) {
    return make_error(Errc::kInvalidInput, fmt::format("bad claim name \"{}\"", spec.name), "--persist",
                      "use letters, digits, '_', '.' and '-' only");
  }
  if (!valid_driver(spec.driver)) {
    return make_error(Errc::kInvalidInput, fmt::format("bad driver name \"{}\"", spec.driver), "--driver",
                      "give a driver name such as vfio-pci or pci-stub");
  }
  std::optional<std::string> user, group;
  if (spec.owner) {
    const auto colon = spec.owner->find(':');
    const std::string u = spec.owner->substr(0, colon);
    const std::string g = colon == std::string::npos ? std::string() : spec.owner->substr(colon + 1);
    if (!u.empty()) user = u;
    if (!g.empty()) group = g;
    if ((!user && !group) || (user && !valid_account(*user)) || (group && !valid_account(*group)) ||
        (colon != std::string::npos && g.empty())) {
      return make_error(Errc::kInvalidInput, fmt::format("bad owner \"{}\"", *spec.owner), "--owner",
                        "give USER, USER:GROUP or :GROUP with plain account names");
    }
    if (spec.group_id < 0) {
      return make_error(Errc::kInvalidInput, "an owner for /dev/vfio/N needs the group number", "--owner",
                        "the group has no IOMMU group number yet; assign it first");
    }
  }
  for (const FunctionId m : members) {
    if (m >= topology.functions().size()) {
      return make_error(Errc::kInternal, fmt::format("function id {} is not in the topology", m),
                        "make_claim_rules");
    }
  }

  ClaimRules rules;
  rules.file = fmt::format("etc/udev/rules.d/70-isogroup-{}.rules", spec.name);
  std::string& t = rules.text;
  const std::string group_text = spec.group_id >= 0 ? fmt::format("IOMMU group {}", spec.group_id)
                                                    : std::string("a group without an IOMMU group number");
  t += fmt::format("# isogroup claim \"{}\": {} for {}.\n", spec.name, group_text, spec.driver);
  t += "# Written by `isogroup assign --persist`; `isogroup release` removes it. The rules act on\n";
  t += "# the next add event (boot, hot-plug); what they cover: docs/safety.md.\n";
  t += "#\n# Each function: driver_override is set before 80-drivers.rules loads a host driver's module.\n";
  for (const FunctionId m : members) {
    const Function& fn = topology.function(m);
    if (fn.is_bridge()) {  // vfio-pci never binds a bridge: it keeps its port driver
      t += fmt::format("# {} is a bridge: it keeps its port driver.\n", fn.address.to_string());
      continue;
    }
    t += fmt::format("ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"{}\", {}\n", fn.address.to_string(),
                     claim_actions(spec.driver));
  }

  // Hot-add. The kernel puts every function below a bridge without ACS isolation into
  // that bridge's group (pci_device_group's upstream walk, reference §3.2). So when the
  // group's common bridge is itself a member, a function that appears below it joins this
  // group, and claiming that subtree is exact.
  const auto bridge = common_bridge(topology, members);
  if (!bridge) {
    rules.hot_add_note = "not covered: the members have no bridge in common (functions on a root bus)";
  } else if (!contains(members, *bridge)) {
    rules.hot_add_note = fmt::format(
        "not covered: the bridge above the group ({}) is not in it, so a function added below it "
        "may get a group of its own",
        topology.function(*bridge).address.to_string());
  } else {
    std::vector<FunctionId> below;
    functions_below(topology, topology.function(*bridge).secondary, below, 0);
    const auto stranger = std::find_if(below.begin(), below.end(), [&](FunctionId f) {
      return !contains(members, f) && !topology.function(f).is_bridge();
    });
    if (stranger != below.end()) {
      rules.hot_add_note = fmt::format(
          "not covered: {} is below {} but not in the claim, and a subtree rule would take it",
          topology.function(*stranger).address.to_string(), topology.function(*bridge).address.to_string());
    } else {
      rules.subtree_bridge = topology.function(*bridge).address;
      rules.hot_add_note = fmt::format(
          "covered: a function hot-added below {} joins this group (the bridge has no ACS "
          "isolation) and is claimed too",
          rules.subtree_bridge->to_string());
      t += fmt::format(
          "#\n# Hot-add: {}. Bridges (class 0x0604) keep their port driver.\n"
          "ACTION==\"add\", SUBSYSTEM==\"pci\", KERNELS==\"{}\", ATTR{{class}}!=\"0x0604*\", {}\n",
          rules.hot_add_note, rules.subtree_bridge->to_string(), claim_actions(spec.driver));
    }
  }
  if (!rules.subtree_bridge) t += fmt::format("#\n# Hot-add {}.\n", rules.hot_add_note);

  if (user || group) {
    const std::string node = spec.noiommu ? fmt::format("noiommu-{}", spec.group_id)
                                          : fmt::format("{}", spec.group_id);
    t += fmt::format("#\n# /dev/vfio/{} gets its owner here, on every add event (a chmod would not last).\n",
                     node);
    if (spec.noiommu) {
      t += "# A noiommu group's number is chosen at bind time, and opening it needs CAP_SYS_RAWIO.\n";
    }
    t += fmt::format("SUBSYSTEM==\"vfio\", KERNEL==\"{}\"", node);
    if (user) t += fmt::format(", OWNER=\"{}\"", *user);
    if (group) t += fmt::format(", GROUP=\"{}\"", *group);
    t += fmt::format(", MODE=\"{}\"\n", group ? "0660" : "0600");
  }
  return rules;
}

Result<ClaimRules> install_claim_rules(const RootDir& root, const Topology& topology,
                                       std::span<const FunctionId> members, const ClaimSpec& spec) {
  auto rules = make_claim_rules(topology, members, spec);
  if (!rules) return rules;
  if (auto made = root.make_directories(std::string(parent_path(rules->file)), 0755); !made) {
    return tl::unexpected(made.error());
  }
  if (auto written = root.replace_file(rules->file, rules->text, 0644); !written) {
    return tl::unexpected(written.error());
  }
  return rules;
}

Result<std::optional<std::string>> remove_claim_rules(const RootDir& root, const Topology& topology,
                                                      std::span<const FunctionId> members,
                                                      const ClaimSpec& spec) {
  auto rules = make_claim_rules(topology, members, spec);
  if (!rules) return tl::unexpected(rules.error());
  if (!root.exists(rules->file)) return std::optional<std::string>{};
  if (auto removed = root.remove_file(rules->file); !removed) return tl::unexpected(removed.error());
  return std::optional<std::string>{rules->file};
}

}  // namespace isogroup
