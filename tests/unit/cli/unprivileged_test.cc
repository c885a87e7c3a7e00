// A capture by an unprivileged user holds 64 bytes of each config space: the PCIe
// capability and ACS are unknown, so `verify` must say "cannot decide" (exit 3), never
// report a wrong answer as a difference or a match. The same machine read as root matches.
#include <gtest/gtest.h>

#include "cli_run.h"
#include "fakes/fake_sysfs.h"
#include "fakes/snapshot_builder.h"

namespace isogroup {
namespace {

using testing::ConfigBuilder;
namespace parts = testing::parts;

// Two ACS root ports, each with an endpoint: the kernel gives all four their own group.
void build_machine(testing::FakeSysfs& sysfs, std::size_t config_bytes) {
  const auto bytes = [&](const ConfigBuilder& b) { return ConfigBuilder(b).truncate(config_bytes).bytes(); };
  sysfs.set_release("6.1.0-23-amd64").add_iommu_unit("dmar0").add_root_bus(0, 0, "PNP0A08:00");
  sysfs.add_function("0000:00:00.0", "root", bytes(parts::host_bridge()),
                     testing::FakeFunctionOptions{}.in_group(0).with_driver(""));
  sysfs.add_function("0000:00:1c.0", "root", bytes(parts::root_port(0, 1, 1)),
                     testing::FakeFunctionOptions{}.in_group(1).with_driver("pcieport"));
  sysfs.add_function("0000:00:1d.0", "root", bytes(parts::root_port(0, 2, 2)),
                     testing::FakeFunctionOptions{}.in_group(2).with_driver("pcieport"));
  sysfs.add_function("0000:01:00.0", "0000:00:1c.0", bytes(parts::pcie_endpoint()),
                     testing::FakeFunctionOptions{}.in_group(3).with_driver("e1000e"));
  sysfs.add_function("0000:02:00.0", "0000:00:1d.0", bytes(parts::pcie_endpoint(0x8086, 0x1533)),
                     testing::FakeFunctionOptions{}.in_group(4).with_driver("igb"));
}

TEST(Unprivileged, SixtyFourByteCaptureCannotDecide) {
  testing::FakeSysfs sysfs;
  build_machine(sysfs, 64);
  const auto r = testing::run_cli({"verify", "--sysfs", sysfs.path().string()});
  EXPECT_EQ(r.status, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("cannot decide"), std::string::npos) << r.out;
}

TEST(Unprivileged, TheSameMachineReadAsRootMatches) {
  testing::FakeSysfs sysfs;
  build_machine(sysfs, 4096);
  const auto r = testing::run_cli({"verify", "--sysfs", sysfs.path().string()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

TEST(Unprivileged, ListSaysTheConfigSpaceWasLimited) {
  testing::FakeSysfs sysfs;
  build_machine(sysfs, 64);
  const auto r = testing::run_cli({"list", "--computed", "--sysfs", sysfs.path().string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("cannot be placed with certainty"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace isogroup
