// Helpers shared by the grouping tests.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "isogroup/grouping/group_set.h"

namespace isogroup::testing {

inline Policy test_policy(Platform platform = Platform::kIntelVtd, KernelVersion kernel = {6, 8, 0}) {
  Policy p;
  p.kernel = kernel;
  p.kernel_from_input = true;
  p.platform = platform;
  p.platform_from_input = true;
  return p;
}

// The kernel id of the group each function is in (nullopt = none), by address.
inline std::map<std::string, std::optional<int>> ids_by_address(const Topology& t, const GroupSet& set) {
  std::map<std::string, std::optional<int>> out;
  for (FunctionId f = 0; f < t.functions().size(); ++f) {
    const Group* g = set.group_of(f);
    out[t.function(f).address.to_short_string()] = g ? std::optional<int>(g->id) : std::nullopt;
  }
  return out;
}

// The partition as sets of addresses (ids ignored).
inline std::set<std::set<std::string>> partition(const Topology& t, const GroupSet& set) {
  std::set<std::set<std::string>> out;
  for (const auto& g : set.groups) {
    std::set<std::string> members;
    for (FunctionId f : g.members) members.insert(t.function(f).address.to_short_string());
    out.insert(std::move(members));
  }
  return out;
}

inline std::optional<int> id_of(const Topology& t, const GroupSet& set, const std::string& address) {
  auto bdf = Bdf::parse(address);
  if (!bdf) return std::nullopt;
  auto f = t.find(*bdf);
  if (!f) return std::nullopt;
  const Group* g = set.group_of(*f);
  return g ? std::optional<int>(g->id) : std::nullopt;
}

inline bool same_group(const Topology& t, const GroupSet& set, const std::string& a, const std::string& b) {
  auto x = id_of(t, set, a);
  auto y = id_of(t, set, b);
  return x && y && *x == *y;
}

}  // namespace isogroup::testing
