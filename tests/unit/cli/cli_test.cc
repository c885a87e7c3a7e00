// The CLI end to end, in process: argument handling, exit statuses and the JSON contract.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "cli.h"
#include "cli_run.h"
#include "fakes/test_data.h"

namespace isogroup {
namespace {

using testing::CliRun;

CliRun run(std::vector<std::string> args) { return testing::run_cli(std::move(args)); }

std::string corpus(std::string_view stem) {
  for (const auto& path : testing::linuxhw_corpus()) {
    if (path.filename().string().find(stem) != std::string::npos) return path.string();
  }
  ADD_FAILURE() << "no corpus file " << stem;
  return {};
}

// The kernel's groups as the file states them, read with a regex independent of our parser.
std::map<int, std::set<std::string>> groups_in_file(const std::string& path) {
  std::ifstream in(path);
  std::string line, current;
  std::map<int, std::set<std::string>> groups;
  const std::regex header(R"(^([0-9a-f]{4,8}:)?([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) )");
  const std::regex group(R"(^\s+IOMMU group: (\d+))");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, header)) {
      current = (m[1].matched ? m[1].str() : std::string("0000:")) + m[2].str();
    } else if (std::regex_search(line, m, group)) {
      groups[std::stoi(m[1].str())].insert(current);
    }
  }
  return groups;
}

TEST(Cli, ListJsonCarriesTheKernelGroupsOfARealMachine) {
  const std::string file = corpus("ThinkPad-T480");
  const CliRun r = run({"list", "--from", file, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "isogroup-list");
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["computed"], false);
  const auto expected = groups_in_file(file);
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(j["groups"].size(), expected.size());
  for (const auto& g : j["groups"]) {
    const int id = g["id"];
    std::set<std::string> devices(g["devices"].begin(), g["devices"].end());
    EXPECT_EQ(devices, expected.at(id)) << "group " << id;
    EXPECT_TRUE(std::is_sorted(g["devices"].begin(), g["devices"].end()));
  }
}

TEST(Cli, ListTextShowsDriversAndViability) {
  const CliRun r = run({"list", "--from", corpus("ThinkPad-T480")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("group 1"), std::string::npos);
  EXPECT_NE(r.out.find("i915"), std::string::npos);  // 00:02.0's driver in the file
  EXPECT_NE(r.out.find("not viable"), std::string::npos);
}

TEST(Cli, MissingInputIsAnErrorWithAHint) {
  const CliRun r = run({"list", "--from", "/nonexistent/isogroup-input"});
  EXPECT_EQ(r.status, cli::kExitError);
  EXPECT_NE(r.err.find("/nonexistent/isogroup-input"), std::string::npos);
  EXPECT_NE(r.err.find("hint:"), std::string::npos);
}

TEST(Cli, BadAddressForExplainIsAnError) {
  const CliRun r = run({"explain", "zz:00.0", "--from", corpus("ThinkPad-T480")});
  EXPECT_EQ(r.status, cli::kExitError);
  EXPECT_NE(r.err.find("not a PCI address"), std::string::npos);
}

TEST(Cli, ComputedJsonContract) {
  const CliRun r = run({"list", "--from", corpus("ThinkPad-T480"), "--computed", "--json", "--kernel", "5.10"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["computed"], true);
  ASSERT_TRUE(j["groups"].is_array());
  ASSERT_FALSE(j["groups"].empty());
  std::set<std::string> seen;
  for (const auto& g : j["groups"]) {
    ASSERT_TRUE(g["id"].is_number_integer());
    ASSERT_TRUE(g["reasons"].is_array());
    ASSERT_FALSE(g["devices"].empty());
    EXPECT_TRUE(std::is_sorted(g["devices"].begin(), g["devices"].end()));
    for (const auto& d : g["devices"]) EXPECT_TRUE(seen.insert(d).second) << d << " in two groups";
  }
}

TEST(Cli, ExplainShowsThePathToTheRoot) {
  const CliRun r = run({"explain", "00:1c.0", "--from", corpus("ThinkPad-T480"), "--kernel", "5.10"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("path to the root bus"), std::string::npos);
  EXPECT_NE(r.out.find("0000:00:1c.0"), std::string::npos);
}

}  // namespace
}  // namespace isogroup
