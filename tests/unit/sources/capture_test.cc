// capture: a fake machine copied into a directory and a tar archive reads back as the
// same facts as reading the fake machine directly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fakes/fake_sysfs.h"
#include "isogroup/sources/read.h"

namespace isogroup {
namespace {

using ::testing::HasSubstr;
using testing::FakeSysfs;
using testing::fake_config;
using Opt = testing::FakeFunctionOptions;

// Two root buses (discovery order not ascending), a port with a switch-less NVMe, an
// SR-IOV NIC with two VFs, a VGA function, platform group member, kernel log.
void rich_machine(FakeSysfs& fake) {
  fake.add_root_bus(0, 0x00, "PNP0A08:00");
  fake.add_root_bus(0, 0x80, "PNP0A08:02");
  fake.add_root_bus(0, 0x40, "PNP0A08:01");
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000), Opt().in_group(0));
  fake.add_function("0000:00:02.0", "root", fake_config(0x1234, 0x1111, 0x030000, 256),
                    Opt().in_group(1).with_boot_vga(true).with_driver("bochs-drm"));
  fake.add_function("0000:00:1c.0", "root", fake_config(0x8086, 0xa110, 0x060400, 4096, 0x81),
                    Opt().with_driver("pcieport").in_group(2).with_reset_method("pm"));
  fake.add_function("0000:02:00.0", "0000:00:1c.0", fake_config(0x144d, 0xa808, 0x010802),
                    Opt().with_driver("vfio-pci").in_group(3).with_driver_override("vfio-pci").on_numa_node(1));
  fake.add_function("0000:80:01.0", "root", fake_config(0x8086, 0x1234, 0x060400, 4096, 0x01),
                    Opt().with_driver("pcieport").in_group(4));
  fake.add_function("0000:81:00.0", "0000:80:01.0", fake_config(0x8086, 0x1572, 0x020000),
                    Opt().with_driver("i40e").in_group(5).with_reset_method("flr bus"));
  fake.add_function("0000:81:02.0", "0000:80:01.0", fake_config(0x8086, 0x154c, 0x020000),
                    Opt().vf_of("0000:81:00.0").in_group(6));
  fake.add_function("0000:81:02.1", "0000:80:01.0", fake_config(0x8086, 0x154c, 0x020000),
                    Opt().vf_of("0000:81:00.0").in_group(7));
  fake.add_group_member(0, "INTC1000:00");
  fake.set_group_type(3, "DMA-FQ");
  fake.write_file("sys/kernel/iommu_groups/3/reserved_regions", "0x00000000fee00000 0x00000000feefffff msi\n");
  fake.add_iommu_unit("dmar0");
  fake.add_iommu_unit("dmar1");
  fake.set_cmdline("intel_iommu=on iommu=pt");
  fake.set_release("6.1.0-18-amd64");
  fake.write_file("sys/firmware/acpi/tables/DMAR", "DMAR....");
  fake.write_file("dev/kmsg",
                  "6,1,1,-;DMAR: IOMMU enabled\n6,2,2,-;usb 1-1: new device\n"
                  "6,3,3,-;pci 0000:00:02.0: Adding to iommu group 1\n");
}

void expect_same_facts(const Snapshot& a, const Snapshot& b) {
  ASSERT_EQ(a.functions.size(), b.functions.size());
  for (std::size_t i = 0; i < a.functions.size(); ++i) {
    const auto& x = a.functions[i];
    const auto& y = b.functions[i];
    SCOPED_TRACE(x.address.to_string());
    EXPECT_EQ(x.address, y.address);
    EXPECT_EQ(x.config.known_prefix(), y.config.known_prefix());
    EXPECT_TRUE(std::equal(x.config.raw().begin(), x.config.raw().end(), y.config.raw().begin()));
    EXPECT_EQ(x.vendor_id, y.vendor_id);
    EXPECT_EQ(x.device_id, y.device_id);
    EXPECT_EQ(x.class_code, y.class_code);
    EXPECT_EQ(x.driver, y.driver);
    EXPECT_EQ(x.iommu_group, y.iommu_group);
    EXPECT_EQ(x.physfn, y.physfn);
    EXPECT_EQ(x.virtfns, y.virtfns);
    EXPECT_EQ(x.driver_override, y.driver_override);
    EXPECT_EQ(x.boot_vga, y.boot_vga);
    EXPECT_EQ(x.numa_node, y.numa_node);
    EXPECT_EQ(x.reset_methods, y.reset_methods);
    EXPECT_EQ(x.sysfs_parent, y.sysfs_parent);
    EXPECT_EQ(x.on_root_bus, y.on_root_bus);
  }
  EXPECT_EQ(a.has_kernel_groups, b.has_kernel_groups);
  ASSERT_EQ(a.kernel_groups.size(), b.kernel_groups.size());
  for (std::size_t i = 0; i < a.kernel_groups.size(); ++i) {
    EXPECT_EQ(a.kernel_groups[i].id, b.kernel_groups[i].id);
    EXPECT_EQ(a.kernel_groups[i].devices, b.kernel_groups[i].devices);
    EXPECT_EQ(a.kernel_groups[i].other_devices, b.kernel_groups[i].other_devices);
    EXPECT_EQ(a.kernel_groups[i].type, b.kernel_groups[i].type);
    EXPECT_EQ(a.kernel_groups[i].name, b.kernel_groups[i].name);
    EXPECT_EQ(a.kernel_groups[i].reserved_regions, b.kernel_groups[i].reserved_regions);
  }
  EXPECT_EQ(a.kernel_release, b.kernel_release);
  EXPECT_EQ(a.cmdline, b.cmdline);
  EXPECT_EQ(a.dmesg, b.dmesg);
  EXPECT_EQ(a.iommu_units, b.iommu_units);
  EXPECT_EQ(a.iommu_active, b.iommu_active);
  ASSERT_EQ(a.root_buses.size(), b.root_buses.size());
  for (std::size_t i = 0; i < a.root_buses.size(); ++i) {
    EXPECT_EQ(a.root_buses[i].bus, b.root_buses[i].bus);
    EXPECT_EQ(a.root_buses[i].firmware_node, b.root_buses[i].firmware_node);
  }
  EXPECT_EQ(a.firmware_tables, b.firmware_tables);
  EXPECT_EQ(a.privileged, b.privileged);
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override { rich_machine(machine_); }
  FakeSysfs machine_;
  FakeSysfs scratch_;  // where captures are written
};

TEST_F(CaptureTest, DirectoryReadsBackAsTheMachine) {
  auto direct = read_sysfs(machine_.path());
  ASSERT_TRUE(direct) << direct.error().to_string();
  ASSERT_EQ(direct->functions.size(), 8u);  // the fixture itself is what we think it is
  ASSERT_EQ(direct->dmesg.size(), 2u);

  const auto out = scratch_.path() / "snap";
  auto result = capture(machine_.path(), out);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_EQ(result->functions, 8u);
  EXPECT_TRUE(result->full_config);  // 256 bytes (00:02.0) is a full conventional space
  auto snap = read_snapshot_dir(out);
  ASSERT_TRUE(snap) << snap.error().to_string();
  EXPECT_EQ(snap->kind, SourceKind::kSnapshotDir);
  expect_same_facts(*direct, *snap);
}

TEST_F(CaptureTest, TarReadsBackAsTheMachine) {
  auto direct = read_sysfs(machine_.path());
  ASSERT_TRUE(direct) << direct.error().to_string();
  const auto out = scratch_.path() / "snap.tar";
  auto result = capture(machine_.path(), out);
  ASSERT_TRUE(result) << result.error().to_string();
  auto snap = read_snapshot_tar(out);
  ASSERT_TRUE(snap) << snap.error().to_string();
  EXPECT_EQ(snap->kind, SourceKind::kSnapshotTar);
  EXPECT_EQ(snap->source, out.string());
  EXPECT_THAT(snap->functions[0].origin, HasSubstr(out.string() + ":sys/devices/pci0000:00/0000:00:00.0"));
  expect_same_facts(*direct, *snap);
}

TEST_F(CaptureTest, SnapshotHasTheSysfsShape) {
  const auto out = scratch_.path() / "snap";
  ASSERT_TRUE(capture(machine_.path(), out));
  // The same relative links as the kernel's, so the reader needs no second code path.
  for (const char* link : {"sys/bus/pci/devices/0000:02:00.0", "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/iommu_group",
                           "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/driver",
                           "sys/devices/pci0000:80/0000:80:01.0/0000:81:02.0/physfn",
                           "sys/devices/pci0000:80/0000:80:01.0/0000:81:00.0/virtfn1",
                           "sys/kernel/iommu_groups/3/devices/0000:02:00.0", "sys/devices/pci0000:80/firmware_node"}) {
    SCOPED_TRACE(link);
    ASSERT_TRUE(std::filesystem::is_symlink(out / link));
    EXPECT_EQ(std::filesystem::read_symlink(out / link), std::filesystem::read_symlink(machine_.path() / link));
  }
  EXPECT_EQ(slurp(out / "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/config"),
            slurp(machine_.path() / "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/config"));
  EXPECT_TRUE(std::filesystem::is_directory(out / "sys/class/iommu/dmar1"));
  EXPECT_TRUE(std::filesystem::is_directory(out / "sys/bus/pci/drivers/vfio-pci"));
  EXPECT_EQ(slurp(out / "sys/firmware/acpi/tables/DMAR"), "DMAR....");
  EXPECT_EQ(slurp(out / "isogroup/dmesg.txt"),
            "DMAR: IOMMU enabled\npci 0000:00:02.0: Adding to iommu group 1\n");

  const auto manifest = nlohmann::json::parse(slurp(out / "isogroup/manifest.json"));
  EXPECT_EQ(manifest["format"], "isogroup-snapshot");
  EXPECT_EQ(manifest["format_version"], 1);
  EXPECT_EQ(manifest["uid"], ::geteuid());
  EXPECT_EQ(manifest["as_root"], ::geteuid() == 0);
  EXPECT_EQ(manifest["config_bytes"]["0000:00:02.0"], 256);
  EXPECT_EQ(manifest["config_bytes"]["0000:02:00.0"], 4096);
  EXPECT_EQ(manifest["config_bytes"].size(), 8u);
  EXPECT_TRUE(manifest["captured_at"].get<std::string>().ends_with("Z"));
}

TEST(CaptureUnprivilegedTest, SixtyFourBytesAreCapturedAndSaid) {
  FakeSysfs machine, scratch;
  machine.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000, 64));
  auto result = capture(machine.path(), scratch.path() / "snap.tar");
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_FALSE(result->full_config);
  EXPECT_THAT(result->notes, ::testing::Contains(HasSubstr("without privileges")));
  auto snap = read_snapshot_tar(scratch.path() / "snap.tar");
  ASSERT_TRUE(snap) << snap.error().to_string();
  EXPECT_EQ(snap->privileged, Tristate::kFalse);
  EXPECT_EQ(snap->functions[0].config.known_prefix(), 64u);
}

TEST_F(CaptureTest, NeverOverwrites) {
  ASSERT_TRUE(capture(machine_.path(), scratch_.path() / "snap.tar"));
  auto again = capture(machine_.path(), scratch_.path() / "snap.tar");
  ASSERT_FALSE(again);
  EXPECT_THAT(again.error().hint_, HasSubstr("already exists"));

  ASSERT_TRUE(capture(machine_.path(), scratch_.path() / "dir"));
  auto dir_again = capture(machine_.path(), scratch_.path() / "dir");
  ASSERT_FALSE(dir_again);
  EXPECT_EQ(dir_again.error().code_, Errc::kRefused);
}

TEST(CaptureErrorsTest, NotASysfsRoot) {
  FakeSysfs machine, scratch;
  machine.remove("sys");
  auto result = capture(machine.path(), scratch.path() / "snap");
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().hint_, HasSubstr("not a sysfs root"));
  EXPECT_FALSE(std::filesystem::exists(scratch.path() / "snap"));  // nothing half-written
}

}  // namespace
}  // namespace isogroup
