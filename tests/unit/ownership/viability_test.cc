#include "isogroup/ownership/viability.h"

#include <gtest/gtest.h>

#include "fakes/snapshot_builder.h"

namespace isogroup {
namespace {

using testing::SnapshotBuilder;
namespace parts = testing::parts;

constexpr KernelVersion kModern{6, 1, 0};
constexpr KernelVersion kLegacy{5, 10, 0};

// A root port 00:1c.0 with a two-function endpoint behind it.
SnapshotBuilder machine(std::string port_driver, std::string fn0_driver, std::string fn1_driver) {
  SnapshotBuilder b;
  b.add("00:1c.0", parts::root_port(0, 1, 1, /*has_acs=*/false))
      .add("01:00.0", parts::pcie_endpoint(0x10de, 0x1b80, /*multifunction=*/true))
      .add("01:00.1", parts::pcie_endpoint(0x10de, 0x10f0, /*multifunction=*/true))
      .driver("00:1c.0", std::move(port_driver))
      .driver("01:00.0", std::move(fn0_driver))
      .driver("01:00.1", std::move(fn1_driver));
  return b;
}

std::vector<FunctionId> all(const Topology& t) {
  std::vector<FunctionId> ids(t.functions().size());
  for (FunctionId f = 0; f < ids.size(); ++f) ids[f] = f;
  return ids;
}

TEST(ClassifyDriver, KnowsTheDmaNeutralDrivers) {
  EXPECT_EQ(classify_driver(std::string("vfio-pci")), DriverRole::kVfio);
  EXPECT_EQ(classify_driver(std::string("mlx5_vfio_pci")), DriverRole::kVfio);
  EXPECT_EQ(classify_driver(std::string("nvgrace_gpu_vfio_pci")), DriverRole::kVfio);
  EXPECT_EQ(classify_driver(std::string("pci-stub")), DriverRole::kStub);
  EXPECT_EQ(classify_driver(std::string("pcieport")), DriverRole::kPortService);
  EXPECT_EQ(classify_driver(std::string("nvme")), DriverRole::kKernelDma);
  EXPECT_EQ(classify_driver(std::string("vfio")), DriverRole::kKernelDma);  // not a PCI driver name
  EXPECT_EQ(classify_driver(std::string("")), DriverRole::kNone);
  EXPECT_EQ(classify_driver(std::nullopt), DriverRole::kUnknown);
}

TEST(GroupViability, GpuAndAudioOnVfioBehindPcieportIsViable) {
  const Topology t = machine("pcieport", "vfio-pci", "vfio-pci").topology();
  const auto v = group_viability(t, all(t), kModern);
  EXPECT_EQ(v.viable, Tristate::kTrue);
  EXPECT_TRUE(v.blockers.empty());
}

TEST(GroupViability, ForgottenAudioFunctionBlocksAndIsNamed) {
  const Topology t = machine("pcieport", "vfio-pci", "snd_hda_intel").topology();
  const auto v = group_viability(t, all(t), kModern);
  EXPECT_EQ(v.viable, Tristate::kFalse);
  ASSERT_EQ(v.blockers.size(), 1u);
  EXPECT_EQ(t.function(v.blockers[0].function).address.to_short_string(), "01:00.1");
  EXPECT_NE(v.blockers[0].why.find("snd_hda_intel"), std::string::npos);
}

TEST(GroupViability, BridgeWithAnotherDriverBlocksSince519ButNotBefore) {
  // shpchp on a bridge: fine for the pre-5.19 allow-list (any bridge), not for the
  // ownership model (shpchp is not driver_managed_dma).
  const Topology t = machine("shpchp", "vfio-pci", "").topology();
  EXPECT_EQ(group_viability(t, all(t), kModern).viable, Tristate::kFalse);
  EXPECT_EQ(group_viability(t, all(t), kLegacy).viable, Tristate::kTrue);
}

TEST(GroupViability, PcieportOnEndpointIsImpossibleButUnboundIsFine) {
  const Topology t = machine("pcieport", "", "").topology();
  EXPECT_EQ(group_viability(t, all(t), kModern).viable, Tristate::kTrue);
  EXPECT_EQ(group_viability(t, all(t), kLegacy).viable, Tristate::kTrue);
}

TEST(GroupViability, UnknownDriverMakesItUnknownNotViable) {
  SnapshotBuilder b;
  b.add("00:1c.0", parts::root_port(0, 1, 1)).add("01:00.0", parts::pcie_endpoint());
  b.driver("00:1c.0", "pcieport");  // 01:00.0 has no driver fact at all
  const Topology t = b.topology();
  const auto v = group_viability(t, all(t), kModern);
  EXPECT_EQ(v.viable, Tristate::kUnknown);
  ASSERT_EQ(v.blockers.size(), 1u);
}

TEST(GroupViability, KnownBlockerWinsOverUnknown) {
  SnapshotBuilder b;
  b.add("00:1c.0", parts::root_port(0, 1, 1)).add("01:00.0", parts::pcie_endpoint());
  b.driver("00:1c.0", "nvme_fake_port_driver");
  const Topology t = b.topology();
  EXPECT_EQ(group_viability(t, all(t), kModern).viable, Tristate::kFalse);
}

}  // namespace
}  // namespace isogroup
