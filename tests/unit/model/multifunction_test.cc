// pdev->multifunction (reference §1.3): function 0 keeps its header bit, every further
// function found by the slot scan is multifunction, VFs never are.
#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"
#include "model_test_util.h"

namespace isogroup::testing {
namespace {

TEST(Multifunction, FunctionZeroKeepsItsHeaderBit) {
  SnapshotBuilder b;
  b.add("00:1f.0", parts::pci_endpoint().multifunction())
      .add("00:1f.3", parts::pci_endpoint())
      .add("00:02.0", parts::pcie_endpoint());
  const Topology t = b.topology();
  EXPECT_EQ(fn(t, "00:1f.0").multifunction, Tristate::kTrue);
  EXPECT_EQ(fn(t, "00:02.0").multifunction, Tristate::kFalse);
}

TEST(Multifunction, LaterFunctionsAreMultifunctionWhateverTheirBit) {
  // The RCiEP slot 0f.0/0f.5/0f.6 checked on a 6.1 kernel: 5 and 6 have the bit clear.
  SnapshotBuilder b;
  b.add("00:0f.0", parts::rc_endpoint(0x8086, 0x2922, true))
      .add("00:0f.5", parts::rc_endpoint(0x8086, 0x2922, false))
      .add("00:0f.6", parts::rc_endpoint(0x8086, 0x2922, false));
  const Topology t = b.topology();
  EXPECT_EQ(fn(t, "00:0f.5").multifunction, Tristate::kTrue);
  EXPECT_EQ(fn(t, "00:0f.6").multifunction, Tristate::kTrue);
}

TEST(Multifunction, UnknownHeaderStaysUnknown) {
  pci::ConfigSpace config = parts::pcie_endpoint().build();
  config.forget(0x0e, 1);  // the Header Type byte was not read
  SnapshotBuilder b;
  b.add("00:03.0", config).add("00:03.1", config);
  const Topology t = b.topology();
  EXPECT_EQ(fn(t, "00:03.0").multifunction, Tristate::kUnknown);
  EXPECT_EQ(fn(t, "00:03.1").multifunction, Tristate::kTrue);  // slot-scan rule, bit or not
}

TEST(Multifunction, VirtualFunctionsAreNot) {
  // VFs at 01:00.1 and 01:00.2 have function numbers > 0 and the bit set in their bytes,
  // but pci_iov_add_virtfn() does not go through the slot scan.
  SnapshotBuilder b;
  b.add("00:01.0", parts::root_port(0x00, 0x01, 0x01))
      .add("01:00.0", parts::pcie_endpoint(0x8086, 0x1521, true).sriov(7, 2, 1, 1, 0x1520))
      .add("01:00.1", parts::pcie_endpoint(0x8086, 0x1520, true))
      .add("01:00.2", parts::pcie_endpoint(0x8086, 0x1520, true));
  const Topology t = b.topology();
  EXPECT_EQ(fn(t, "01:00.0").multifunction, Tristate::kTrue);
  EXPECT_TRUE(fn(t, "01:00.1").is_virtfn);
  EXPECT_EQ(fn(t, "01:00.1").multifunction, Tristate::kFalse);
  EXPECT_EQ(fn(t, "01:00.2").multifunction, Tristate::kFalse);
}

}  // namespace
}  // namespace isogroup::testing
