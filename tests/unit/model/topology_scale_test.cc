// A large generated tree builds, with bridges nested far deeper than any real machine.
#include <gtest/gtest.h>

#include <cstdint>

#include "fakes/snapshot_builder.h"
#include "model_test_util.h"

namespace isogroup::testing {
namespace {

// Per domain: on every bus b (0..254) a bridge b:00.0 leading to b+1, so the chain is
// 255 buses deep, and 248 endpoints b:01.0-b:1f.7 beside it. Two domains: 127,500
// functions. Built without SnapshotBuilder to keep one copy of the config spaces.
TEST(TopologyScale, HundredThousandFunctionsInADeepTree) {
  Snapshot s;
  s.kind = SourceKind::kSnapshotDir;
  s.source = "generated";
  const pci::ConfigSpace endpoint = parts::pcie_endpoint().build();
  constexpr std::uint32_t kDomains = 2;
  for (std::uint32_t domain = 0; domain < kDomains; ++domain) {
    for (unsigned bus = 0; bus < 256; ++bus) {
      for (unsigned devfn = 0; devfn < 256; ++devfn) {
        const bool bridge_slot = devfn == 0 && bus < 255;
        if (devfn < 8 && !bridge_slot) continue;
        SnapshotFunction f;
        f.address = Bdf{domain, static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(devfn)};
        f.origin = f.address.to_string();
        f.config = bridge_slot ? parts::downstream_port(static_cast<std::uint8_t>(bus),
                                                        static_cast<std::uint8_t>(bus + 1), 0xff)
                                     .build()
                               : endpoint;
        s.functions.push_back(std::move(f));
      }
    }
  }
  const std::size_t n = s.functions.size();
  ASSERT_GT(n, 100000u);
  auto t = Topology::build(std::move(s));
  ASSERT_TRUE(t.has_value()) << t.error().to_string();
  ASSERT_EQ(t->registration_order().size(), n);
  EXPECT_EQ(t->root_buses().size(), kDomains);

  // pci_bus_add_devices on a chain: each bus whole, then the next bus down, so the order
  // is plain address order here; domain 0 (the first root bus) before domain 1.
  const auto& order = t->registration_order();
  for (std::size_t i = 1; i < order.size(); ++i) {
    ASSERT_LT(t->function(order[i - 1]).address, t->function(order[i]).address) << i;
  }
  // The deepest bus is 255 bridges below its root.
  BusId b = t->function(*t->find(Bdf{1, 0xff, 0x08})).bus;
  int depth = 0;
  while (!t->bus(b).is_root) {
    b = t->bus(b).parent;
    ++depth;
  }
  EXPECT_EQ(depth, 255);
}

}  // namespace
}  // namespace isogroup::testing
