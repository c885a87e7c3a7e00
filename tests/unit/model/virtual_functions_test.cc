// SR-IOV VFs: linked from the snapshot (sysfs physfn) or derived from the PF's SR-IOV
// capability (VF i at PF RID + offset + i * stride, PCIe r6.0 §9.3.3.9-10).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"
#include "model_test_util.h"

namespace isogroup::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(VirtualFunctions, DerivedOnThePfBus) {
  // offset 0x80, stride 2 from RID 0x0100: 01:10.0, 01:10.2, 01:10.4, 01:10.6.
  SnapshotBuilder b;
  b.kind(SourceKind::kLspciVerbose)
      .add("00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("01:00.0", parts::pcie_endpoint(0x8086, 0x1572).sriov(64, 4, 0x80, 2, 0x154c));
  for (const char* vf : {"01:10.6", "01:10.0", "01:10.4", "01:10.2"}) {
    b.add(vf, parts::pcie_endpoint(0x8086, 0x154c));
  }
  const Topology t = b.topology();
  const Function& pf = fn(t, "01:00.0");
  EXPECT_FALSE(pf.is_virtfn);
  EXPECT_THAT(short_names(t, pf.virtfns), ElementsAre("01:10.0", "01:10.2", "01:10.4", "01:10.6"));
  for (FunctionId vf : pf.virtfns) {
    EXPECT_TRUE(t.function(vf).is_virtfn);
    EXPECT_EQ(t.function(vf).physfn, id_of(t, "01:00.0"));
    EXPECT_EQ(t.function(vf).bus, pf.bus);  // same bus object as the PF
  }
}

TEST(VirtualFunctions, DerivedAcrossBusNumbersOntoAVirtualBus) {
  // PF 01:00.1 (RID 0x0101), offset 0xff, stride 1: RIDs 0x0200-0x0202 = 02:00.0-02:00.2.
  // Bus 02 has no bridge; it is the VF bus the kernel adds below the PF's bus.
  SnapshotBuilder b;
  b.kind(SourceKind::kLspciVerbose)
      .add("00:01.0", parts::root_port(0x00, 0x01, 0x02))
      .add("01:00.0", parts::pcie_endpoint(0x15b3, 0x1017, true))
      .add("01:00.1", parts::pcie_endpoint(0x15b3, 0x1017).sriov(8, 3, 0xff, 1, 0x1018))
      .add("02:00.0", parts::pcie_endpoint(0x15b3, 0x1018))
      .add("02:00.1", parts::pcie_endpoint(0x15b3, 0x1018))
      .add("02:00.2", parts::pcie_endpoint(0x15b3, 0x1018));
  const Topology t = b.topology();
  EXPECT_THAT(short_names(t, fn(t, "01:00.1").virtfns), ElementsAre("02:00.0", "02:00.1", "02:00.2"));
  const Bus& vf_bus = bus_of(t, "02:00.0");
  EXPECT_FALSE(vf_bus.is_root);
  EXPECT_EQ(vf_bus.self, kNoFunction);
  EXPECT_EQ(vf_bus.parent, fn(t, "01:00.1").bus);
  const Bus& pf_bus = bus_of(t, "01:00.1");
  ASSERT_EQ(pf_bus.children.size(), 1u);
  EXPECT_EQ(pf_bus.children[0], fn(t, "02:00.0").bus);
  EXPECT_THAT(registration(t), ElementsAre("00:01.0", "01:00.0", "01:00.1", "02:00.0", "02:00.1",
                                           "02:00.2"));
}

TEST(VirtualFunctions, SameLayoutWithoutVfsEnabledIsInconsistent) {
  // NumVFs 0: nothing explains functions on bus 02 inside 00:01.0's range.
  SnapshotBuilder b;
  b.add("00:01.0", parts::root_port(0x00, 0x01, 0x02))
      .add("01:00.0", parts::pcie_endpoint().sriov(8, 0, 0x100, 1, 0x1018))
      .add("02:00.0", parts::pcie_endpoint(0x15b3, 0x1018));
  auto t = Topology::build(b.build());
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code_, Errc::kInconsistent);
  EXPECT_THAT(t.error().message_, HasSubstr("0000:02:00.0 is on bus 02"));
}

TEST(VirtualFunctions, LinkedFromTheSnapshot) {
  // sysfs physfn links need no SR-IOV capability bytes (an unprivileged 64-byte read).
  SnapshotBuilder b;
  b.add("00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("01:00.0", parts::pcie_endpoint().truncate(64))
      .add("01:00.4", parts::pcie_endpoint().truncate(64))
      .add("01:00.2", parts::pcie_endpoint().truncate(64))
      .physfn("01:00.2", "01:00.0")
      .physfn("01:00.4", "01:00.0");
  const Topology t = b.topology();
  EXPECT_THAT(short_names(t, fn(t, "01:00.0").virtfns), ElementsAre("01:00.2", "01:00.4"));
  EXPECT_TRUE(fn(t, "01:00.4").is_virtfn);
  EXPECT_EQ(fn(t, "01:00.4").physfn, id_of(t, "01:00.0"));
}

TEST(VirtualFunctions, SnapshotLinksWinOverTheCapability) {
  // The capability says VF 0 would be at 01:00.1, but sysfs links 01:00.2 only.
  SnapshotBuilder b;
  b.add("01:00.0", parts::pcie_endpoint().sriov(8, 1, 1, 1, 0x10ed))
      .add("01:00.1", parts::pcie_endpoint())
      .add("01:00.2", parts::pcie_endpoint())
      .physfn("01:00.2", "01:00.0");
  const Topology t = b.topology();
  EXPECT_FALSE(fn(t, "01:00.1").is_virtfn);
  EXPECT_TRUE(fn(t, "01:00.2").is_virtfn);
}

TEST(VirtualFunctions, MissingVfIsANote) {
  SnapshotBuilder b;
  b.add("01:00.0", parts::pcie_endpoint().sriov(8, 3, 0x80, 1, 0x10ed))
      .add("01:10.0", parts::pcie_endpoint());  // 01:10.1 and 01:10.2 are absent
  const Topology t = b.topology();
  EXPECT_THAT(short_names(t, fn(t, "01:00.0").virtfns), ElementsAre("01:10.0"));
  EXPECT_TRUE(has_note_containing(t, "VF 1 (0000:01:10.1) is not in the input"));
}

TEST(VirtualFunctions, UnknownOffsetIsANote) {
  pci::ConfigSpace config = parts::pcie_endpoint().sriov(8, 2, 0x80, 1, 0x10ed).build();
  const auto sriov = pci::decode_sriov(config);
  ASSERT_EQ(sriov.present, Tristate::kTrue);
  config.forget(sriov.offset + 0x14, 2);  // First VF Offset
  SnapshotBuilder b;
  b.add("01:00.0", config).add("01:10.0", parts::pcie_endpoint());
  const Topology t = b.topology();
  EXPECT_FALSE(fn(t, "01:10.0").is_virtfn);
  EXPECT_TRUE(has_note_containing(t, "offset or stride is unknown"));
}

TEST(VirtualFunctions, TwoPfsClaimingOneVfIsAnError) {
  SnapshotBuilder b;
  b.add("01:00.0", parts::pcie_endpoint().sriov(8, 1, 0x10, 1, 0x10ed))
      .add("01:01.0", parts::pcie_endpoint().sriov(8, 1, 0x08, 1, 0x10ed))
      .add("01:02.0", parts::pcie_endpoint());  // RID 0x110 = 0x100 + 0x10 = 0x108 + 0x08
  auto t = Topology::build(b.build());
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code_, Errc::kInconsistent);
  EXPECT_THAT(t.error().message_, HasSubstr("claimed as a virtual function by both"));
  EXPECT_FALSE(t.error().hint_.empty());
}

TEST(VirtualFunctions, PhysfnNotInInputIsAnError) {
  SnapshotBuilder b;
  b.add("01:00.2", parts::pcie_endpoint());
  b.function("01:00.2").physfn = bdf("01:00.0");
  auto t = Topology::build(b.build());
  ASSERT_FALSE(t.has_value());
  EXPECT_THAT(t.error().message_, HasSubstr("not in the input"));
  EXPECT_EQ(t.error().context_, "builder:01:00.2");
}

}  // namespace
}  // namespace isogroup::testing
