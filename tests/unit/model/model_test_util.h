// Small helpers shared by the model/ tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "isogroup/model/topology.h"

namespace isogroup::testing {

inline Bdf bdf(std::string_view text) {
  auto parsed = Bdf::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(Bdf{});
}

// The function at `address`; fails the test (and returns function 0's id) if absent.
inline FunctionId id_of(const Topology& t, std::string_view address) {
  auto id = t.find(bdf(address));
  EXPECT_TRUE(id.has_value()) << address << " is not in the topology";
  return id.value_or(0);
}

inline const Function& fn(const Topology& t, std::string_view address) {
  return t.function(id_of(t, address));
}

inline const Bus& bus_of(const Topology& t, std::string_view address) {
  return t.bus(fn(t, address).bus);
}

inline std::vector<std::string> short_names(const Topology& t, const std::vector<FunctionId>& ids) {
  std::vector<std::string> names;
  for (FunctionId id : ids) names.push_back(t.function(id).address.to_short_string());
  return names;
}

inline std::vector<std::string> registration(const Topology& t) {
  return short_names(t, t.registration_order());
}

inline bool has_note_containing(const Topology& t, std::string_view text) {
  for (const auto& note : t.notes()) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace isogroup::testing
