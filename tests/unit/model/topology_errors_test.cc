// Inputs that contradict themselves: each is an Error with the origin and a hint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"
#include "model_test_util.h"

namespace isogroup::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

Error build_error(const SnapshotBuilder& b) {
  auto t = Topology::build(b.build());
  EXPECT_FALSE(t.has_value()) << "the build should have failed";
  if (t) return Error{};
  EXPECT_EQ(t.error().code_, Errc::kInconsistent);
  EXPECT_FALSE(t.error().hint_.empty());
  return t.error();
}

TEST(TopologyErrors, DuplicateAddressNamesBothOrigins) {
  SnapshotBuilder b;
  b.add("00:02.0", parts::pcie_endpoint())
      .origin("00:02.0", "first.txt:3")
      .add("00:02.0", parts::pcie_endpoint());
  b.function("00:02.0");  // the builder's index keeps the first
  auto snapshot = b.build();
  snapshot.functions[1].origin = "second.txt:40";
  auto t = Topology::build(snapshot);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code_, Errc::kInconsistent);
  EXPECT_THAT(t.error().message_,
              AllOf(HasSubstr("0000:00:02.0"), HasSubstr("first.txt:3"), HasSubstr("second.txt:40")));
  EXPECT_EQ(t.error().context_, "second.txt:40");
}

TEST(TopologyErrors, SecondaryNotAboveOwnBus) {
  SnapshotBuilder b;
  b.add("02:00.0", parts::root_port(0x02, 0x02, 0x03)).origin("02:00.0", "dump.txt:7");
  const Error e = build_error(b);
  EXPECT_THAT(e.message_, AllOf(HasSubstr("0000:02:00.0"), HasSubstr("[02-03]")));
  EXPECT_EQ(e.context_, "dump.txt:7");
}

TEST(TopologyErrors, SubordinateBelowSecondary) {
  SnapshotBuilder b;
  b.add("00:01.0", parts::root_port(0x00, 0x05, 0x04));
  EXPECT_THAT(build_error(b).message_, HasSubstr("[05-04]"));
}

TEST(TopologyErrors, TwoBridgesLeadToOneBus) {
  SnapshotBuilder b;
  b.add("00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("00:02.0", parts::root_port(0x00, 0x01, 0x01));
  EXPECT_THAT(build_error(b).message_,
              AllOf(HasSubstr("0000:00:01.0"), HasSubstr("0000:00:02.0"), HasSubstr("both lead to bus 0000:01")));
}

TEST(TopologyErrors, OverlappingSiblingRanges) {
  SnapshotBuilder b;
  b.add("00:01.0", parts::root_port(0x00, 0x01, 0x04))
      .add("00:02.0", parts::root_port(0x00, 0x03, 0x05));
  EXPECT_THAT(build_error(b).message_,
              AllOf(HasSubstr("[01-04]"), HasSubstr("[03-05]"), HasSubstr("overlapping")));
}

TEST(TopologyErrors, BusInsideARangeWithoutABridge) {
  SnapshotBuilder b;
  b.add("00:01.0", parts::root_port(0x00, 0x01, 0x08))
      .add("05:00.0", parts::pcie_endpoint())
      .origin("05:00.0", "dump.txt:99");
  const Error e = build_error(b);
  EXPECT_EQ(e.message_,
            "function 0000:05:00.0 is on bus 05, which no bridge leads to but which lies inside "
            "bridge 0000:00:01.0's bus range [01-08] (at builder:00:01.0)");
  EXPECT_EQ(e.context_, "dump.txt:99");
}

TEST(TopologyErrors, BusLoopFromSysfsLinks) {
  // Two bridges with unreadable bus numbers, each placed below the other by sysfs.
  auto unknown_buses = [](ConfigBuilder c) {
    pci::ConfigSpace s = c.build();
    s.forget(0x18, 3);
    return s;
  };
  SnapshotBuilder b;
  b.kind(SourceKind::kLiveSysfs)
      .add("01:00.0", unknown_buses(parts::upstream_port(1, 2, 2)))
      .add("02:00.0", unknown_buses(parts::upstream_port(2, 1, 1)))
      .sysfs_parent("01:00.0", "02:00.0")
      .sysfs_parent("02:00.0", "01:00.0");
  EXPECT_THAT(build_error(b).message_, HasSubstr("bus loop"));
}

TEST(TopologyErrors, SysfsParentDisagreesWithBusNumbers) {
  SnapshotBuilder b;
  b.kind(SourceKind::kLiveSysfs)
      .add("00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("00:02.0", parts::root_port(0x00, 0x02, 0x02))
      .add("01:00.0", parts::pcie_endpoint())
      .on_root_bus("00:01.0")
      .on_root_bus("00:02.0")
      .sysfs_parent("01:00.0", "00:02.0");
  EXPECT_THAT(build_error(b).message_,
              AllOf(HasSubstr("below bridge 0000:00:02.0"), HasSubstr("0000:00:01.0")));
}

TEST(TopologyErrors, SysfsParentIsNotABridge) {
  SnapshotBuilder b;
  b.kind(SourceKind::kLiveSysfs)
      .add("00:02.0", parts::pcie_endpoint())
      .add("01:00.0", parts::pcie_endpoint())
      .sysfs_parent("01:00.0", "00:02.0");
  EXPECT_THAT(build_error(b).message_, HasSubstr("not a bridge"));
}

TEST(TopologyErrors, SysfsParentMissing) {
  SnapshotBuilder b;
  b.kind(SourceKind::kLiveSysfs).add("01:00.0", parts::pcie_endpoint()).sysfs_parent("01:00.0", "00:1c.0");
  EXPECT_THAT(build_error(b).message_, HasSubstr("but 0000:00:1c.0 is not in the input"));
}

TEST(TopologyErrors, SysfsDisagreesWithinOneBus) {
  SnapshotBuilder b;
  b.kind(SourceKind::kLiveSysfs)
      .add("00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("01:00.0", parts::pcie_endpoint())
      .add("01:00.1", parts::pcie_endpoint())
      .sysfs_parent("01:00.0", "00:01.0")
      .on_root_bus("01:00.1");
  EXPECT_THAT(build_error(b).message_, HasSubstr("share bus 0000:01"));
}

TEST(TopologyErrors, FirmwareListsABridgedBusAsRoot) {
  SnapshotBuilder b;
  b.add("00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("01:00.0", parts::pcie_endpoint())
      .root_bus_order({{0, 0}, {0, 1}});
  EXPECT_THAT(build_error(b).message_, HasSubstr("bridge 0000:00:01.0 leads to it"));
}

}  // namespace
}  // namespace isogroup::testing
