// Parent links: from bridge bus numbers, and from sysfs parents when the source has them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"
#include "model_test_util.h"

namespace isogroup::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// 00:01.0 root port -> bus 01 [01-03]; 01:00.0 USP -> 02 [02-03]; 02:00.0 DSP -> 03;
// 00:02.0 root port -> bus 05, with nothing on it.
SnapshotBuilder switch_machine() {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge())
      .add("00:01.0", parts::root_port(0x00, 0x01, 0x03))
      .add("00:02.0", parts::root_port(0x00, 0x05, 0x05))
      .add("01:00.0", parts::upstream_port(0x01, 0x02, 0x03))
      .add("02:00.0", parts::downstream_port(0x02, 0x03, 0x03))
      .add("03:00.0", parts::pcie_endpoint());
  return b;
}

TEST(TopologyLinks, ParentsFromBridgeBusNumbers) {
  const Topology t = switch_machine().topology();
  ASSERT_EQ(t.functions().size(), 6u);

  const Bus& bus0 = bus_of(t, "00:00.0");
  EXPECT_TRUE(bus0.is_root);
  EXPECT_EQ(bus0.self, kNoFunction);
  EXPECT_EQ(bus0.parent, kNoBus);
  EXPECT_THAT(short_names(t, bus0.functions), ElementsAre("00:00.0", "00:01.0", "00:02.0"));

  const Bus& bus1 = bus_of(t, "01:00.0");
  EXPECT_FALSE(bus1.is_root);
  EXPECT_EQ(bus1.self, id_of(t, "00:01.0"));
  EXPECT_EQ(bus1.parent, fn(t, "00:01.0").bus);
  EXPECT_EQ(fn(t, "00:01.0").secondary, fn(t, "01:00.0").bus);

  const Bus& bus3 = bus_of(t, "03:00.0");
  EXPECT_EQ(bus3.self, id_of(t, "02:00.0"));
  EXPECT_EQ(t.bus(bus3.parent).self, id_of(t, "01:00.0"));

  // The endpoint's bus chain reaches the root in three steps: 03 -> 02 -> 01 -> 00.
  BusId b = fn(t, "03:00.0").bus;
  int steps = 0;
  while (!t.bus(b).is_root) {
    b = t.bus(b).parent;
    ++steps;
  }
  EXPECT_EQ(steps, 3);
  EXPECT_EQ(t.bus(b).address, (BusAddress{0, 0}));

  // Non-bridges lead nowhere; the empty bus behind 00:02.0 still exists.
  EXPECT_EQ(fn(t, "03:00.0").secondary, kNoBus);
  const BusId empty = fn(t, "00:02.0").secondary;
  ASSERT_NE(empty, kNoBus);
  EXPECT_EQ(t.bus(empty).address, (BusAddress{0, 5}));
  EXPECT_THAT(t.bus(empty).functions, IsEmpty());
  EXPECT_EQ(t.bus(empty).self, id_of(t, "00:02.0"));

  ASSERT_EQ(t.root_buses().size(), 1u);
  EXPECT_TRUE(t.root_order_known());  // one root bus: nothing to order
}

TEST(TopologyLinks, ChildrenInBridgeOrder) {
  SnapshotBuilder b;
  b.add("00:1c.4", parts::root_port(0x00, 0x01, 0x01))
      .add("00:1c.0", parts::root_port(0x00, 0x02, 0x02))
      .add("02:00.0", parts::pcie_endpoint())
      .add("01:00.0", parts::pcie_endpoint());
  const Topology t = b.topology();
  const Bus& root = bus_of(t, "00:1c.0");
  // Ascending devfn of the bridges (1c.0 before 1c.4), not ascending bus number.
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(t.bus(root.children[0]).address.bus, 0x02);
  EXPECT_EQ(t.bus(root.children[1]).address.bus, 0x01);
  EXPECT_THAT(short_names(t, root.functions), ElementsAre("00:1c.0", "00:1c.4"));
}

TEST(TopologyLinks, SeveralRootBusesFromBusNumbers) {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge())
      .add("00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("01:00.0", parts::pcie_endpoint())
      // Bus 40 is outside 00:01.0's range [01-01]: another host bridge's root bus.
      .add("40:00.0", parts::root_port(0x40, 0x41, 0x41))
      .add("41:00.0", parts::pcie_endpoint());
  const Topology t = b.topology();
  EXPECT_TRUE(bus_of(t, "40:00.0").is_root);
  EXPECT_FALSE(bus_of(t, "41:00.0").is_root);
  EXPECT_EQ(bus_of(t, "41:00.0").self, id_of(t, "40:00.0"));
  EXPECT_EQ(t.root_buses().size(), 2u);
}

TEST(TopologyLinks, DomainsAreSeparate) {
  // Bus 01 of domain 0001 is not behind domain 0's bridge to bus 01.
  SnapshotBuilder b;
  b.add("0000:00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("0000:01:00.0", parts::pcie_endpoint())
      .add("0001:01:00.0", parts::pcie_endpoint())
      .add("10000:e0:06.0", parts::root_port(0xe0, 0xe1, 0xe1))
      .add("10000:e1:00.0", parts::pcie_endpoint());
  const Topology t = b.topology();
  EXPECT_FALSE(bus_of(t, "0000:01:00.0").is_root);
  EXPECT_TRUE(bus_of(t, "0001:01:00.0").is_root);
  EXPECT_TRUE(bus_of(t, "10000:e0:06.0").is_root);
  EXPECT_EQ(bus_of(t, "10000:e1:00.0").self, id_of(t, "10000:e0:06.0"));
}

TEST(TopologyLinks, ParentsFromSysfs) {
  // The bridges' bus numbers are unknown (the config bytes are gone), as with a damaged
  // or partial read; the sysfs parent links alone place every function.
  auto unknown_buses = [](ConfigBuilder c) {
    pci::ConfigSpace s = c.build();
    s.forget(0x18, 3);
    return s;
  };
  SnapshotBuilder b;
  b.kind(SourceKind::kLiveSysfs)
      .add("00:01.0", unknown_buses(parts::root_port(0, 1, 2)))
      .add("01:00.0", unknown_buses(parts::upstream_port(1, 2, 2)))
      .add("02:00.0", parts::pcie_endpoint())
      .on_root_bus("00:01.0")
      .sysfs_parent("01:00.0", "00:01.0")
      .sysfs_parent("02:00.0", "01:00.0");
  const Topology t = b.topology();
  EXPECT_FALSE(fn(t, "00:01.0").bridge_buses.has_value());
  EXPECT_TRUE(bus_of(t, "00:01.0").is_root);
  EXPECT_EQ(bus_of(t, "01:00.0").self, id_of(t, "00:01.0"));
  EXPECT_EQ(bus_of(t, "02:00.0").self, id_of(t, "01:00.0"));
  EXPECT_EQ(fn(t, "01:00.0").secondary, fn(t, "02:00.0").bus);
  EXPECT_TRUE(has_note_containing(t, "unknown bus numbers"));
}

TEST(TopologyLinks, SysfsRootOverridesAbsentBridge) {
  // Without sysfs, bus 40 inside 00:01.0's range [01-7f] with no bridge is an error; sysfs
  // saying it hangs off a host bridge is the kernel's own word.
  SnapshotBuilder b;
  b.kind(SourceKind::kLiveSysfs)
      .add("00:01.0", parts::root_port(0x00, 0x01, 0x7f))
      .add("40:00.0", parts::pcie_endpoint())
      .on_root_bus("00:01.0")
      .on_root_bus("40:00.0");
  const Topology t = b.topology();
  EXPECT_TRUE(bus_of(t, "40:00.0").is_root);
}

TEST(TopologyLinks, HostSideFactsAreCopied) {
  SnapshotBuilder b;
  b.add("00:02.0", parts::pcie_endpoint(0x8086, 0x3e92))
      .driver("00:02.0", "i915")
      .kernel_group("00:02.0", 7)
      .origin("00:02.0", "lspci.txt:12");
  b.function("00:02.0").name = "VGA compatible controller";
  b.function("00:02.0").boot_vga = true;
  b.function("00:02.0").driver_override = "";
  const Topology t = b.topology();
  const Function& f = fn(t, "00:02.0");
  EXPECT_EQ(f.driver, "i915");
  EXPECT_EQ(f.kernel_group, 7);
  EXPECT_EQ(f.name, "VGA compatible controller");
  EXPECT_EQ(f.boot_vga, true);
  EXPECT_EQ(f.driver_override, "");
  EXPECT_EQ(f.origin, "lspci.txt:12");
  EXPECT_EQ(f.identity.device_id, 0x3e92);
  EXPECT_EQ(t.config(id_of(t, "00:02.0")).read16(0x02), 0x3e92);
}

TEST(TopologyLinks, StatedIdsOverrideConfigAndVendorFfffIsSkipped) {
  SnapshotBuilder b;
  b.add("00:01.0", parts::pcie_endpoint(0x8086, 0x10d3))
      .add("00:02.0", parts::pcie_endpoint(0x8086, 0x10d3))
      .ids("00:01.0", 0x15b3, 0x1017)
      .ids("00:02.0", 0xffff, std::nullopt);
  const Topology t = b.topology();
  EXPECT_EQ(fn(t, "00:01.0").identity.vendor_id, 0x15b3);
  EXPECT_EQ(fn(t, "00:01.0").identity.device_id, 0x1017);
  EXPECT_FALSE(t.find(bdf("00:02.0")).has_value());
  EXPECT_EQ(t.functions().size(), 1u);
  EXPECT_TRUE(has_note_containing(t, "vendor ffff"));
}

}  // namespace
}  // namespace isogroup::testing
