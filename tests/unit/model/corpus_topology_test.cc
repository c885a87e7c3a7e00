// Every real machine in tests/data/linuxhw (lspci -vvnn text) builds into a Topology whose
// links agree with the bridges' bus numbers printed in the same text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fakes/test_data.h"
#include "isogroup/model/topology.h"
#include "isogroup/sources/read.h"

namespace isogroup::testing {
namespace {

TEST(CorpusTopology, EveryLinuxhwFileBuilds) {
  const auto files = linuxhw_corpus();
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const std::string text = read_test_file(std::filesystem::path("linuxhw") / path.filename());
    auto snapshot = parse_lspci_verbose(text, path.filename().string());
    if (!snapshot) {
      ADD_FAILURE() << "parse: " << snapshot.error().to_string();
      continue;
    }
    const std::size_t listed = snapshot->functions.size();
    auto t = Topology::build(std::move(*snapshot));
    if (!t) {
      ADD_FAILURE() << "build: " << t.error().to_string() << " (hint: " << t.error().hint_ << ")";
      continue;
    }
    EXPECT_GT(t->functions().size(), 0u);
    EXPECT_LE(t->functions().size(), listed);
    EXPECT_EQ(t->registration_order().size(), t->functions().size());
    EXPECT_FALSE(t->root_buses().empty());
    for (const Bus& bus : t->buses()) {
      if (bus.self == kNoFunction) continue;
      // The bridge above a bus is one whose printed secondary bus number is this bus.
      const Function& bridge = t->function(bus.self);
      ASSERT_TRUE(bridge.bridge_buses.has_value()) << bridge.address.to_string();
      EXPECT_EQ(bridge.bridge_buses->secondary, bus.address.bus) << bridge.address.to_string();
      EXPECT_EQ(bridge.address.domain, bus.address.domain);
    }
    // Functions the text shows behind a bridge are registered after that bridge.
    std::vector<std::size_t> position(t->functions().size());
    for (std::size_t i = 0; i < t->registration_order().size(); ++i) {
      position[t->registration_order()[i]] = i;
    }
    for (FunctionId id = 0; id < t->functions().size(); ++id) {
      const Bus& bus = t->bus(t->function(id).bus);
      if (bus.self != kNoFunction) {
        EXPECT_GT(position[id], position[bus.self]);
      }
    }
  }
}

TEST(CorpusTopology, VmdDomainIsASecondRootBus) {
  // The Z790-P text: 23 functions on bus 00, bridges to buses 01-06, and the VMD domain
  // 10000 with root bus e0 (06.0 -> e1, 17.0, 1d.0, 1d.4 -> e2). By §3.5, by hand: bus 00
  // whole first; the VMD tree last: e0's four functions, then e1:00.0, then e2:00.0.
  const std::string name = "Desktop_ASUSTek-Computer_PRIME-Z790-P_6.1.0-1-AMD64_A4FB531CC9.lspci-vv.txt";
  auto snapshot = parse_lspci_verbose(read_test_file(std::filesystem::path("linuxhw") / name), name);
  ASSERT_TRUE(snapshot.has_value()) << snapshot.error().to_string();
  auto t = Topology::build(std::move(*snapshot));
  ASSERT_TRUE(t.has_value()) << t.error().to_string();
  ASSERT_EQ(t->root_buses().size(), 2u);
  EXPECT_EQ(t->bus(t->root_buses()[0]).address, (BusAddress{0, 0}));
  EXPECT_EQ(t->bus(t->root_buses()[1]).address, (BusAddress{0x10000, 0xe0}));
  EXPECT_FALSE(t->root_order_known());

  std::vector<std::string> order;
  for (FunctionId id : t->registration_order()) order.push_back(t->function(id).address.to_string());
  ASSERT_EQ(order.size(), 31u);
  for (std::size_t i = 0; i < 23; ++i) EXPECT_EQ(order[i].substr(0, 8), "0000:00:") << order[i];
  const std::vector<std::string> vmd_tail(order.end() - 6, order.end());
  EXPECT_EQ(vmd_tail, (std::vector<std::string>{"10000:e0:06.0", "10000:e0:17.0", "10000:e0:1d.0",
                                                "10000:e0:1d.4", "10000:e1:00.0", "10000:e2:00.0"}));
}

}  // namespace
}  // namespace isogroup::testing
