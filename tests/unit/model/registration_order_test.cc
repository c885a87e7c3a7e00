// Registration order (reference §3.5): pci_bus_add_devices() per root bus, root buses in
// firmware order, VFs after every boot-time function. Every expectation below is derived
// by hand from that rule, not taken from the code's output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"
#include "model_test_util.h"

namespace isogroup::testing {
namespace {

using ::testing::ElementsAre;

TEST(RegistrationOrder, BusFirstThenEachBridgeDepthFirst) {
  // 00:01.0 RP [01-04] -> 01:00.0 USP [02-04] -> 02:00.0 DSP [03-03], 02:01.0 DSP [04-04];
  // 00:02.0 RP [05-05]. Input order is scrambled on purpose.
  SnapshotBuilder b;
  b.add("05:00.0", parts::pcie_endpoint())
      .add("04:00.0", parts::pcie_endpoint())
      .add("00:02.0", parts::root_port(0x00, 0x05, 0x05))
      .add("02:01.0", parts::downstream_port(0x02, 0x04, 0x04))
      .add("00:1f.2", parts::rc_endpoint())
      .add("03:00.0", parts::pcie_endpoint())
      .add("01:00.0", parts::upstream_port(0x01, 0x02, 0x04))
      .add("02:00.0", parts::downstream_port(0x02, 0x03, 0x03))
      .add("00:01.0", parts::root_port(0x00, 0x01, 0x04))
      .add("00:1f.0", parts::rc_endpoint(0x8086, 0x2918, true))
      .add("00:00.0", parts::host_bridge());
  const Topology t = b.topology();
  // Bus 00 whole; then 00:01.0's subtree: bus 01, bus 02 (both DSPs), bus 03 below the
  // first DSP, bus 04 below the second; only then 00:02.0's bus 05. A breadth-first walk
  // would put 05:00.0 before 02:00.0.
  EXPECT_THAT(registration(t),
              ElementsAre("00:00.0", "00:01.0", "00:02.0", "00:1f.0", "00:1f.2", "01:00.0",
                          "02:00.0", "02:01.0", "03:00.0", "04:00.0", "05:00.0"));
}

TEST(RegistrationOrder, FollowsBridgeOrderNotBusNumbers) {
  // 00:1c.0 leads to bus 02 and 00:1c.4 to bus 01: bus 02 is visited first because its
  // bridge comes first on bus 00.
  SnapshotBuilder b;
  b.add("00:1c.0", parts::root_port(0x00, 0x02, 0x02))
      .add("00:1c.4", parts::root_port(0x00, 0x01, 0x01))
      .add("01:00.0", parts::pcie_endpoint())
      .add("02:00.0", parts::pcie_endpoint());
  EXPECT_THAT(registration(b.topology()),
              ElementsAre("00:1c.0", "00:1c.4", "02:00.0", "01:00.0"));
}

TEST(RegistrationOrder, PchExample) {
  // The shape of the reference's Intel PCH example: root ports 00:1c.x and the 00:1d/1e/1f
  // functions all come before anything on bus 01, 02, ...
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge())
      .add("00:1c.0", parts::root_port(0x00, 0x01, 0x01, false).multifunction())
      .add("00:1c.7", parts::root_port(0x00, 0x02, 0x02, false))
      .add("00:1d.0", parts::pci_endpoint(0x8086, 0x1c26))
      .add("00:1e.0", parts::pci_bridge(0x00, 0x03, 0x03))
      .add("00:1f.0", parts::pci_endpoint(0x8086, 0x1c44).multifunction())
      .add("00:1f.2", parts::pci_endpoint(0x8086, 0x1c02))
      .add("01:00.0", parts::pcie_endpoint())
      .add("02:00.0", parts::pcie_endpoint())
      .add("03:00.0", parts::pci_endpoint())
      .add("03:01.0", parts::pci_endpoint());
  EXPECT_THAT(registration(b.topology()),
              ElementsAre("00:00.0", "00:1c.0", "00:1c.7", "00:1d.0", "00:1e.0", "00:1f.0",
                          "00:1f.2", "01:00.0", "02:00.0", "03:00.0", "03:01.0"));
}

// QEMU q35 with pxb-pcie expanders created as bus_nr 0x60, then 0x40, then 0x80. The
// guest's ACPI namespace lists them in reverse order of creation, so the kernel registers
// bus 00, then 80, 40, 60 (checked against a real 6.1 kernel, reference §3.5).
SnapshotBuilder pxb_machine() {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge())
      .add("00:03.0", ConfigBuilder::endpoint(0x1b36, 0x000b, 0x060000))  // pxb-pcie 0x60
      .add("00:04.0", ConfigBuilder::endpoint(0x1b36, 0x000b, 0x060000))  // pxb-pcie 0x40
      .add("00:05.0", ConfigBuilder::endpoint(0x1b36, 0x000b, 0x060000))  // pxb-pcie 0x80
      .add("40:00.0", parts::root_port(0x40, 0x41, 0x41))
      .add("41:00.0", parts::pcie_endpoint())
      .add("60:00.0", parts::root_port(0x60, 0x61, 0x61))
      .add("61:00.0", parts::pcie_endpoint())
      .add("80:00.0", parts::root_port(0x80, 0x81, 0x81))
      .add("81:00.0", parts::pcie_endpoint());
  return b;
}

TEST(RegistrationOrder, RootBusesInFirmwareOrder) {
  SnapshotBuilder b = pxb_machine();
  b.root_bus({0, 0x00}, "PNP0A08:00")
      .root_bus({0, 0x80}, "PNP0A08:01")
      .root_bus({0, 0x40}, "PNP0A08:02")
      .root_bus({0, 0x60}, "PNP0A08:03");
  const Topology t = b.topology();
  EXPECT_TRUE(t.root_order_known());
  ASSERT_EQ(t.root_buses().size(), 4u);
  EXPECT_EQ(t.bus(t.root_buses()[1]).address.bus, 0x80);
  EXPECT_EQ(t.bus(t.root_buses()[2]).address.bus, 0x40);
  EXPECT_EQ(t.bus(t.root_buses()[3]).address.bus, 0x60);
  EXPECT_THAT(registration(t),
              ElementsAre("00:00.0", "00:03.0", "00:04.0", "00:05.0", "80:00.0", "81:00.0",
                          "40:00.0", "41:00.0", "60:00.0", "61:00.0"));
  EXPECT_FALSE(has_note_containing(t, "root bus order"));
}

TEST(RegistrationOrder, RootBusesAscendingWhenOrderUnknown) {
  const Topology t = pxb_machine().topology();
  EXPECT_FALSE(t.root_order_known());
  EXPECT_TRUE(has_note_containing(
      t, "root bus order assumed ascending: the input does not carry the host bridges' firmware order"));
  EXPECT_THAT(registration(t),
              ElementsAre("00:00.0", "00:03.0", "00:04.0", "00:05.0", "40:00.0", "41:00.0",
                          "60:00.0", "61:00.0", "80:00.0", "81:00.0"));
}

TEST(RegistrationOrder, IncompleteFirmwareListFallsBackToAscending) {
  SnapshotBuilder b = pxb_machine();
  b.root_bus_order({{0, 0x00}, {0, 0x80}, {0, 0x40}});  // 0x60 missing
  const Topology t = b.topology();
  EXPECT_FALSE(t.root_order_known());
  EXPECT_TRUE(has_note_containing(t, "not bus 0000:60"));
  EXPECT_EQ(t.bus(t.root_buses()[1]).address.bus, 0x40);
}

TEST(RegistrationOrder, FirmwareListsAnEmptyRootBus) {
  // A host bridge with nothing below it still has its root bus.
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge()).root_bus_order({{0, 0x00}, {0, 0x20}});
  const Topology t = b.topology();
  ASSERT_EQ(t.root_buses().size(), 2u);
  EXPECT_TRUE(t.root_order_known());
  EXPECT_TRUE(t.bus(t.root_buses()[1]).functions.empty());
}

TEST(RegistrationOrder, VirtualFunctionsComeLast) {
  // PF 02:00.0 (below the second root port) has two VFs; PF 01:00.0 (below the first)
  // has one. VFs follow every boot-time function, in PF registration order.
  SnapshotBuilder b;
  b.add("00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("00:02.0", parts::root_port(0x00, 0x02, 0x02))
      .add("02:00.0", parts::pcie_endpoint().sriov(8, 2, 0x10, 1, 0x10ed))
      .add("02:02.0", parts::pcie_endpoint(0x8086, 0x10ed))
      .add("02:02.1", parts::pcie_endpoint(0x8086, 0x10ed))
      .add("01:00.0", parts::pcie_endpoint().sriov(8, 1, 0x10, 1, 0x10ed))
      .add("01:02.0", parts::pcie_endpoint(0x8086, 0x10ed))
      .add("02:03.0", parts::pcie_endpoint());
  EXPECT_THAT(registration(b.topology()),
              ElementsAre("00:01.0", "00:02.0", "01:00.0", "02:00.0", "02:03.0", "01:02.0",
                          "02:02.0", "02:02.1"));
}

}  // namespace
}  // namespace isogroup::testing
