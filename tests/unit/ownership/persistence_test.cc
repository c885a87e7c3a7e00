// make_claim_rules: the udev rules `assign --persist` and `--owner` write, checked line by
// line against udev's rule syntax (udev(7): comma-separated KEY[{attr}]OP"value" pairs;
// Debian 12's udevadm 252 has no `verify` verb, so a small checker below does that).
#include "isogroup/ownership/persistence.h"

#include <gtest/gtest.h>

#include <set>

#include "fakes/fake_sysfs.h"
#include "fakes/snapshot_builder.h"

namespace isogroup {
namespace {

using testing::SnapshotBuilder;
namespace parts = testing::parts;

// --- a minimal udev rule checker -------------------------------------------------------

struct RulePair {
  std::string key, attr, op, value;
};

// Parses one rule line; returns an error message or "" and fills `pairs`.
std::string parse_udev_rule(std::string_view line, std::vector<RulePair>& pairs) {
  static const std::set<std::string> kMatchKeys = {"ACTION", "SUBSYSTEM", "KERNEL", "KERNELS",
                                                   "ATTR", "ATTRS", "DRIVER", "DRIVERS", "ENV"};
  static const std::set<std::string> kAssignKeys = {"ATTR", "RUN", "OWNER", "GROUP", "MODE", "ENV"};
  std::size_t i = 0;
  auto skip_blanks = [&] {
    while (i < line.size() && line[i] == ' ') ++i;
  };
  while (true) {
    skip_blanks();
    if (i >= line.size()) break;
    RulePair p;
    while (i < line.size() && ((line[i] >= 'A' && line[i] <= 'Z') || line[i] == '_')) p.key += line[i++];
    if (p.key.empty()) return "expected a key at column " + std::to_string(i);
    if (i < line.size() && line[i] == '{') {
      const auto close = line.find('}', i);
      if (close == std::string_view::npos) return "unclosed { after " + p.key;
      p.attr = std::string(line.substr(i + 1, close - i - 1));
      if (p.attr.empty()) return "empty {} after " + p.key;
      i = close + 1;
    }
    for (const std::string_view op : {"==", "!=", "+=", "-=", ":=", "="}) {
      if (line.substr(i).starts_with(op)) {
        p.op = op;
        i += op.size();
        break;
      }
    }
    if (p.op.empty()) return "expected an operator after " + p.key;
    if (i >= line.size() || line[i] != '"') return "expected a quoted value after " + p.key + p.op;
    const auto end = line.find('"', i + 1);
    if (end == std::string_view::npos) return "unterminated value of " + p.key;
    p.value = std::string(line.substr(i + 1, end - i - 1));
    i = end + 1;
    const bool match = p.op == "==" || p.op == "!=";
    if (match && !kMatchKeys.count(p.key)) return p.key + " is not a match key";
    if (!match && !kAssignKeys.count(p.key)) return p.key + " cannot be assigned";
    if (p.key == "RUN" && !(p.attr.empty() || p.attr == "builtin" || p.attr == "program")) {
      return "RUN{" + p.attr + "} is not a RUN type";
    }
    if ((p.key == "ATTR" || p.key == "ATTRS" || p.key == "ENV") && p.attr.empty()) return p.key + " needs {name}";
    pairs.push_back(std::move(p));
    skip_blanks();
    if (i >= line.size()) break;
    if (line[i] != ',') return "expected ',' at column " + std::to_string(i);
    ++i;
  }
  return pairs.empty() ? "empty rule" : "";
}

// Every non-comment line of TEXT is a valid rule with at least one match and one assignment.
void expect_valid_rules(const std::string& text) {
  std::size_t start = 0;
  int rules = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    ASSERT_NE(nl, std::string::npos) << "the file must end with a newline";
    const std::string_view line(text.data() + start, nl - start);
    start = nl + 1;
    if (line.empty() || line.front() == '#') continue;
    std::vector<RulePair> pairs;
    const std::string error = parse_udev_rule(line, pairs);
    ASSERT_EQ(error, "") << line;
    const bool has_match = std::any_of(pairs.begin(), pairs.end(), [](const RulePair& p) { return p.op == "==" || p.op == "!="; });
    const bool has_assign = std::any_of(pairs.begin(), pairs.end(), [](const RulePair& p) { return p.op != "==" && p.op != "!="; });
    EXPECT_TRUE(has_match && has_assign) << line;
    ++rules;
  }
  EXPECT_GT(rules, 0);
}

TEST(UdevRuleChecker, RejectsBrokenRules) {
  std::vector<RulePair> pairs;
  EXPECT_NE(parse_udev_rule(R"(KERNEL=="x" ATTR{a}="b")", pairs), "");
  pairs.clear();
  EXPECT_NE(parse_udev_rule(R"(KERNEL=="x", OWNER="a", RUN+="x" y")", pairs), "");
  pairs.clear();
  EXPECT_NE(parse_udev_rule(R"(KERNEL=="x", ATTR="b")", pairs), "");
  pairs.clear();
  EXPECT_NE(parse_udev_rule(R"(KERNEL=="x", LABEL=="y")", pairs), "");
  pairs.clear();
  EXPECT_EQ(parse_udev_rule(R"(ACTION=="add", ATTR{driver_override}="vfio-pci")", pairs), "");
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1].attr, "driver_override");
}

// --- the rules -------------------------------------------------------------------------

// The per-function rule, as udev(7) and the driver_override ABI
// (Documentation/ABI/testing/sysfs-bus-pci) want it: set the override on add, load the
// driver, take the function from a driver that bound before udev ran, re-probe.
std::string claim_line(std::string_view match) {
  return std::string("ACTION==\"add\", SUBSYSTEM==\"pci\", ") + std::string(match) +
         ", ATTR{driver_override}=\"vfio-pci\", RUN{builtin}+=\"kmod load vfio-pci\", "
         "RUN+=\"/bin/sh -c '[ -e /sys/bus/pci/devices/$kernel/driver ] && "
         "[ ! -e /sys/bus/pci/drivers/vfio-pci/$kernel ] && "
         "echo $kernel > /sys/bus/pci/devices/$kernel/driver/unbind; "
         "echo $kernel > /sys/bus/pci/drivers_probe'\"";
}

std::vector<std::string> rule_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    std::string line = text.substr(start, nl - start);
    if (!line.empty() && line.front() != '#') out.push_back(std::move(line));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::vector<FunctionId> ids(const Topology& t, std::initializer_list<std::string_view> addresses) {
  std::vector<FunctionId> out;
  for (const auto a : addresses) {
    const auto f = t.find(*Bdf::parse(a));
    EXPECT_TRUE(f) << a;
    if (f) out.push_back(*f);
  }
  return out;
}

// GPU + audio behind a root port; without ACS on the port the port is in their group.
Topology gpu_behind_port(bool port_acs, bool third_function = false) {
  SnapshotBuilder b;
  b.add("00:1c.0", parts::root_port(0, 1, 1, port_acs))
      .add("01:00.0", parts::pcie_endpoint(0x10de, 0x1b80, true))
      .add("01:00.1", parts::pcie_endpoint(0x10de, 0x10f0, true));
  if (third_function) b.add("01:00.2", parts::pcie_endpoint(0x10de, 0x1ad8, true));
  return b.topology();
}

TEST(ClaimRules, OneRulePerEndpointAndTheSubtreeOfAMemberPort) {
  const Topology t = gpu_behind_port(/*port_acs=*/false);
  ClaimSpec spec;
  spec.name = "group-7";
  spec.group_id = 7;
  auto rules = make_claim_rules(t, ids(t, {"00:1c.0", "01:00.0", "01:00.1"}), spec);
  ASSERT_TRUE(rules) << rules.error().to_string();
  EXPECT_EQ(rules->file, "etc/udev/rules.d/70-isogroup-group-7.rules");
  const auto lines = rule_lines(rules->text);
  ASSERT_EQ(lines.size(), 3u) << rules->text;
  EXPECT_EQ(lines[0], claim_line("KERNEL==\"0000:01:00.0\""));
  EXPECT_EQ(lines[1], claim_line("KERNEL==\"0000:01:00.1\""));
  // The port keeps pcieport; functions that appear below it join group 7.
  EXPECT_EQ(lines[2], claim_line("KERNELS==\"0000:00:1c.0\", ATTR{class}!=\"0x0604*\""));
  ASSERT_TRUE(rules->subtree_bridge);
  EXPECT_EQ(rules->subtree_bridge->to_string(), "0000:00:1c.0");
  expect_valid_rules(rules->text);
}

TEST(ClaimRules, PortWithAcsIsNotClaimedAndHotAddIsNotCovered) {
  const Topology t = gpu_behind_port(/*port_acs=*/true);
  ClaimSpec spec;
  spec.name = "gpu";
  auto rules = make_claim_rules(t, ids(t, {"01:00.0", "01:00.1"}), spec);
  ASSERT_TRUE(rules);
  EXPECT_EQ(rule_lines(rules->text).size(), 2u);
  EXPECT_FALSE(rules->subtree_bridge);
  EXPECT_NE(rules->hot_add_note.find("not covered"), std::string::npos);
  EXPECT_NE(rules->text.find("# Hot-add not covered"), std::string::npos);
  expect_valid_rules(rules->text);
}

TEST(ClaimRules, NoSubtreeRuleWhenItWouldTakeAFunctionOutsideTheClaim) {
  const Topology t = gpu_behind_port(/*port_acs=*/false, /*third_function=*/true);
  ClaimSpec spec;
  spec.name = "partial";
  auto rules = make_claim_rules(t, ids(t, {"00:1c.0", "01:00.0", "01:00.1"}), spec);
  ASSERT_TRUE(rules);
  EXPECT_FALSE(rules->subtree_bridge);
  EXPECT_NE(rules->hot_add_note.find("0000:01:00.2"), std::string::npos) << rules->hot_add_note;
}

TEST(ClaimRules, RootBusFunctionsHaveNoCommonBridge) {
  SnapshotBuilder b;
  b.add("00:1f.0", parts::rc_endpoint(0x8086, 0x2918, true)).add("00:1f.3", parts::rc_endpoint(0x8086, 0x2930, true));
  const Topology t = b.topology();
  ClaimSpec spec;
  spec.name = "lpc";
  spec.driver = "pci-stub";
  auto rules = make_claim_rules(t, ids(t, {"00:1f.0", "00:1f.3"}), spec);
  ASSERT_TRUE(rules);
  EXPECT_FALSE(rules->subtree_bridge);
  const auto lines = rule_lines(rules->text);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("ATTR{driver_override}=\"pci-stub\""), std::string::npos);
  EXPECT_NE(lines[0].find("/sys/bus/pci/drivers/pci-stub/$kernel"), std::string::npos);
  expect_valid_rules(rules->text);
}

TEST(ClaimRules, OwnerRuleForTheGroupNode) {
  const Topology t = gpu_behind_port(true);
  const auto members = ids(t, {"01:00.0", "01:00.1"});
  ClaimSpec spec;
  spec.name = "vm1";
  spec.group_id = 12;
  spec.owner = "alice:kvm";
  auto rules = make_claim_rules(t, members, spec);
  ASSERT_TRUE(rules);
  auto lines = rule_lines(rules->text);
  EXPECT_EQ(lines.back(), R"(SUBSYSTEM=="vfio", KERNEL=="12", OWNER="alice", GROUP="kvm", MODE="0660")");
  expect_valid_rules(rules->text);

  spec.owner = "alice";
  rules = make_claim_rules(t, members, spec);
  ASSERT_TRUE(rules);
  EXPECT_EQ(rule_lines(rules->text).back(), R"(SUBSYSTEM=="vfio", KERNEL=="12", OWNER="alice", MODE="0600")");

  spec.owner = ":kvm";
  spec.noiommu = true;
  rules = make_claim_rules(t, members, spec);
  ASSERT_TRUE(rules);
  EXPECT_EQ(rule_lines(rules->text).back(), R"(SUBSYSTEM=="vfio", KERNEL=="noiommu-12", GROUP="kvm", MODE="0660")");
  EXPECT_NE(rules->text.find("CAP_SYS_RAWIO"), std::string::npos);
}

TEST(ClaimRules, RefusesTextThatCouldEscapeItsQuotes) {
  const Topology t = gpu_behind_port(true);
  const auto members = ids(t, {"01:00.0"});
  ClaimSpec spec;
  spec.name = "ok";
  spec.group_id = 3;
  spec.owner = "alice\", RUN+=\"/bin/sh -c evil";
  EXPECT_FALSE(make_claim_rules(t, members, spec));
  spec.owner = "alice:";
  EXPECT_FALSE(make_claim_rules(t, members, spec));
  spec.owner = ":";
  EXPECT_FALSE(make_claim_rules(t, members, spec));
  spec.owner = "alice";
  spec.group_id = -1;
  EXPECT_FALSE(make_claim_rules(t, members, spec));
  spec.owner.reset();
  spec.name = "../../etc/passwd";
  EXPECT_FALSE(make_claim_rules(t, members, spec));
  spec.name = "ok";
  spec.driver = "vfio-pci\"";
  EXPECT_FALSE(make_claim_rules(t, members, spec));
  spec.driver = "vfio-pci";
  auto fine = make_claim_rules(t, members, spec);
  ASSERT_TRUE(fine) << fine.error().to_string();
  EXPECT_EQ(rule_lines(fine->text).size(), 1u);
}

}  // namespace
}  // namespace isogroup

namespace isogroup {
namespace {

TEST(ClaimRulesFile, InstallWritesTheRulesUnderTheRootAndRemoveTakesThemAway) {
  const Topology t = gpu_behind_port(/*port_acs=*/false);
  testing::FakeSysfs root;  // an empty tree: etc/udev/rules.d does not exist yet
  auto dir = RootDir::open(root.path());
  ASSERT_TRUE(dir) << dir.error().to_string();
  ClaimSpec spec;
  spec.name = "group-7";
  spec.group_id = 7;
  spec.owner = "alice";
  const auto members = ids(t, {"00:1c.0", "01:00.0", "01:00.1"});

  auto installed = install_claim_rules(*dir, t, members, spec);
  ASSERT_TRUE(installed) << installed.error().to_string();
  auto text = dir->read_file(installed->file);
  ASSERT_TRUE(text) << text.error().to_string();
  EXPECT_EQ(*text, installed->text);
  EXPECT_NE(text->find("SUBSYSTEM==\"vfio\", KERNEL==\"7\", OWNER=\"alice\""), std::string::npos) << *text;
  expect_valid_rules(*text);

  auto removed = remove_claim_rules(*dir, t, members, spec);
  ASSERT_TRUE(removed) << removed.error().to_string();
  ASSERT_TRUE(removed->has_value());
  EXPECT_EQ(**removed, installed->file);
  EXPECT_FALSE(dir->exists(installed->file));
  // A second release finds nothing to remove.
  auto again = remove_claim_rules(*dir, t, members, spec);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->has_value());
}

}  // namespace
}  // namespace isogroup
