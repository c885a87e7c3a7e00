// read_sysfs on fake trees laid out like a real /sys (tests/fakes/fake_sysfs.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "isogroup/sources/root_dir.h"
#include "fakes/fake_sysfs.h"
#include "isogroup/sources/read.h"

namespace isogroup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeFunctionOptions;
using testing::FakeSysfs;
using testing::fake_config;
using Opt = testing::FakeFunctionOptions;

Bdf bdf(std::string_view text) { return *Bdf::parse(text); }

const SnapshotFunction* find(const Snapshot& s, std::string_view address) {
  const auto it = std::find_if(s.functions.begin(), s.functions.end(),
                               [&](const SnapshotFunction& f) { return f.address == bdf(address); });
  return it == s.functions.end() ? nullptr : &*it;
}

bool any_note_contains(const Snapshot& s, std::string_view text) {
  return std::any_of(s.notes.begin(), s.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

// Host bridge, a root port with driver pcieport, an NVMe drive behind it.
void small_machine(FakeSysfs& fake) {
  fake.add_root_bus(0, 0, "PNP0A08:00");
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000), Opt().in_group(0));
  fake.add_function("0000:00:1c.0", "root", fake_config(0x8086, 0xa110, 0x060400, 4096, 0x81),
                    Opt().with_driver("pcieport").in_group(1));
  fake.add_function("0000:02:00.0", "0000:00:1c.0", fake_config(0x144d, 0xa808, 0x010802),
                    Opt().with_driver("nvme").in_group(2).with_driver_override("(null)").on_numa_node(0)
                        .with_reset_method("flr bus"));
  fake.set_cmdline("BOOT_IMAGE=/vmlinuz intel_iommu=on");
  fake.set_release("6.1.0-18-amd64");
  fake.add_iommu_unit("dmar0");
}

TEST(SysfsTest, ReadsFunctionsParentsDriversAndGroups) {
  FakeSysfs fake;
  small_machine(fake);
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();

  EXPECT_EQ(s->kind, SourceKind::kLiveSysfs);
  ASSERT_EQ(s->functions.size(), 3u);
  EXPECT_EQ(s->functions[0].address, bdf("00:00.0"));
  EXPECT_EQ(s->functions[2].address, bdf("02:00.0"));

  ASSERT_TRUE(find(*s, "00:00.0") && find(*s, "00:1c.0") && find(*s, "02:00.0"));
  const auto* host = find(*s, "00:00.0");
  EXPECT_EQ(host->driver, "");  // no driver link: no driver, which is known
  EXPECT_EQ(host->on_root_bus, true);
  EXPECT_FALSE(host->sysfs_parent);

  const auto* port = find(*s, "00:1c.0");
  EXPECT_EQ(port->driver, "pcieport");
  EXPECT_EQ(port->iommu_group, 1);
  EXPECT_EQ(port->class_code, 0x060400u);

  const auto* nvme = find(*s, "02:00.0");
  EXPECT_EQ(nvme->sysfs_parent, bdf("00:1c.0"));
  EXPECT_EQ(nvme->on_root_bus, false);
  EXPECT_EQ(nvme->driver, "nvme");
  EXPECT_EQ(nvme->iommu_group, 2);
  EXPECT_EQ(nvme->vendor_id, 0x144d);
  EXPECT_EQ(nvme->device_id, 0xa808);
  EXPECT_EQ(nvme->config.known_prefix(), 4096u);
  EXPECT_EQ(nvme->config.read16(0), 0x144d);
  EXPECT_EQ(nvme->driver_override, "");  // "(null)" is the kernel's way of saying none
  EXPECT_EQ(nvme->numa_node, 0);
  EXPECT_THAT(nvme->reset_methods, ElementsAre("flr", "bus"));
  EXPECT_FALSE(nvme->boot_vga);  // no boot_vga file: unknown
  EXPECT_THAT(nvme->origin, HasSubstr("sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0"));

  EXPECT_TRUE(s->has_kernel_groups);
  ASSERT_EQ(s->kernel_groups.size(), 3u);
  EXPECT_EQ(s->kernel_groups[2].id, 2);
  EXPECT_THAT(s->kernel_groups[2].devices, ElementsAre(bdf("02:00.0")));
  EXPECT_EQ(s->cmdline, "BOOT_IMAGE=/vmlinuz intel_iommu=on");
  EXPECT_EQ(s->kernel_release, "6.1.0-18-amd64");
  EXPECT_THAT(s->iommu_units, ElementsAre("dmar0"));
  EXPECT_EQ(s->iommu_active, Tristate::kTrue);
  EXPECT_EQ(s->privileged, Tristate::kTrue);
  ASSERT_EQ(s->root_buses.size(), 1u);
  EXPECT_EQ(s->root_buses[0].firmware_node, "PNP0A08:00");
}

TEST(SysfsTest, SixtyFourByteConfigMeansUnprivileged) {
  FakeSysfs fake;
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000, 4096));
  fake.add_function("0000:00:02.0", "root", fake_config(0x8086, 0x10d3, 0x020000, 64));
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->privileged, Tristate::kFalse);
  const auto* nic = find(*s, "00:02.0");
  ASSERT_TRUE(nic);
  EXPECT_EQ(nic->config.known_prefix(), 64u);
  EXPECT_FALSE(nic->config.read8(0x40));  // beyond what was read: unknown, not zero
  EXPECT_TRUE(any_note_contains(*s, "64 bytes"));
}

TEST(SysfsTest, NoConfigAtAllLeavesPrivilegeUnknown) {
  FakeSysfs fake;
  fake.add_function("0000:00:02.0", "root", {}, Opt().without_id_files().without_config());
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->functions.size(), 1u);
  EXPECT_TRUE(s->functions[0].config.empty());
  EXPECT_FALSE(s->functions[0].vendor_id);
  EXPECT_EQ(s->privileged, Tristate::kUnknown);
  EXPECT_TRUE(any_note_contains(*s, "0000:00:02.0: no config space"));
  EXPECT_TRUE(any_note_contains(*s, "0000:00:02.0: vendor unknown"));
}

TEST(SysfsTest, VirtualFunctionsInVirtfnNumberOrder) {
  FakeSysfs fake;
  fake.add_function("0000:00:01.0", "root", fake_config(0x8086, 0x1234, 0x060400, 4096, 0x01));
  fake.add_function("0000:01:00.0", "0000:00:01.0", fake_config(0x8086, 0x1572, 0x020000));
  // Twelve VFs so that virtfn10 and virtfn11 exist: they must follow virtfn9.
  std::vector<Bdf> vfs;
  for (int i = 0; i < 12; ++i) {
    const Bdf vf = Bdf::make(0, 1, static_cast<std::uint8_t>(2 + i / 8), static_cast<std::uint8_t>(i % 8));
    vfs.push_back(vf);
    fake.add_function(vf.to_string(), "0000:00:01.0", fake_config(0x8086, 0x154c, 0x020000),
                      Opt().vf_of("0000:01:00.0"));
  }
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_TRUE(find(*s, "01:00.0") && find(*s, "01:03.3"));
  EXPECT_EQ(find(*s, "01:00.0")->virtfns, vfs);
  EXPECT_EQ(find(*s, "01:03.3")->physfn, bdf("01:00.0"));
  EXPECT_EQ(find(*s, "01:03.3")->sysfs_parent, bdf("00:01.0"));
  EXPECT_FALSE(find(*s, "01:00.0")->physfn);
}

TEST(SysfsTest, RootBusesInFirmwareNamespaceOrder) {
  // Reference §3.5: QEMU lists pxb-pcie expander bridges created as 0x60, 0x40, 0x80 in
  // reverse order of creation, and the kernel registers bus 0, 0x80, 0x40, 0x60.
  FakeSysfs fake;
  fake.add_root_bus(0, 0x00, "PNP0A08:00");
  fake.add_root_bus(0, 0x80, "PNP0A08:01");
  fake.add_root_bus(0, 0x40, "PNP0A08:02");
  fake.add_root_bus(0, 0x60, "PNP0A08:03");
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  std::vector<int> order;
  for (const auto& rb : s->root_buses) order.push_back(rb.bus.bus);
  EXPECT_THAT(order, ElementsAre(0x00, 0x80, 0x40, 0x60));
}

TEST(SysfsTest, FirmwareInstancesAreHex) {
  // ACPI instance numbers are printed in hex ("%02X"): 0A comes after 09.
  FakeSysfs fake;
  fake.add_root_bus(0, 0x10, "PNP0A08:0A");
  fake.add_root_bus(0, 0x20, "PNP0A08:09");
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->root_buses.size(), 2u);
  EXPECT_EQ(s->root_buses[0].bus.bus, 0x20);
  EXPECT_EQ(s->root_buses[1].bus.bus, 0x10);
}

TEST(SysfsTest, RootBusesWithoutFirmwareNodesAscendWithANote) {
  FakeSysfs fake;
  fake.add_root_bus(1, 0x00);
  fake.add_root_bus(0, 0x80, "PNP0A08:00");
  fake.add_root_bus(0, 0x00);
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->root_buses.size(), 3u);
  EXPECT_EQ(s->root_buses[0].bus, (BusAddress{0, 0x00}));
  EXPECT_EQ(s->root_buses[1].bus, (BusAddress{0, 0x80}));
  EXPECT_EQ(s->root_buses[2].bus, (BusAddress{1, 0x00}));
  EXPECT_TRUE(any_note_contains(*s, "ascending"));
}

TEST(SysfsTest, GroupsWithPlatformMembersAndType) {
  FakeSysfs fake;
  fake.add_function("0000:00:14.0", "root", fake_config(0x8086, 0xa36d, 0x0c0330), Opt().in_group(7));
  fake.add_group_member(7, "INTC1234:00");
  fake.set_group_type(7, "DMA-FQ");
  fake.write_file("sys/kernel/iommu_groups/7/reserved_regions",
                  "0x00000000fee00000 0x00000000feefffff msi\n");
  fake.no_iommu_units();
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->kernel_groups.size(), 1u);
  const auto& g = s->kernel_groups[0];
  EXPECT_EQ(g.id, 7);
  EXPECT_THAT(g.devices, ElementsAre(bdf("00:14.0")));
  EXPECT_THAT(g.other_devices, ElementsAre("INTC1234:00"));
  EXPECT_EQ(g.type, "DMA-FQ");
  EXPECT_FALSE(g.name);
  EXPECT_THAT(g.reserved_regions, ElementsAre("0x00000000fee00000 0x00000000feefffff msi"));
  EXPECT_EQ(s->iommu_active, Tristate::kFalse);  // the class exists and is empty
}

TEST(SysfsTest, MissingGroupAndClassDirectoriesAreUnknown) {
  FakeSysfs fake;
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000));
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_FALSE(s->has_kernel_groups);
  EXPECT_EQ(s->iommu_active, Tristate::kUnknown);
  EXPECT_FALSE(s->cmdline);
  EXPECT_FALSE(s->kernel_release);
  EXPECT_TRUE(any_note_contains(*s, "kernel command line unknown"));
}

TEST(SysfsTest, KernelLogKeepsOnlyGroupingLines) {
  FakeSysfs fake;
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000));
  // /dev/kmsg records: "prio,seq,usec,flags;text", dictionary lines start with a space.
  fake.write_file("dev/kmsg",
                  "6,1,100,-;DMAR: IOMMU enabled\n"
                  "6,2,200,-;ACPI: DSDT 0x000000000009FD44 000F53 (v02 FIRECK FCVMDSDT 00000000)\n"
                  "6,3,300,-;pci 0000:00:02.0: Adding to iommu group 1\n"
                  " SUBSYSTEM=pci\n"
                  "6,4,400,-;e1000e 0000:00:19.0: link up\n"
                  "6,5,500,-;vmd 0000:00:0e.0: Bound to PCI domain 10000\n");
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_THAT(s->dmesg, ElementsAre("DMAR: IOMMU enabled", "pci 0000:00:02.0: Adding to iommu group 1",
                                    "vmd 0000:00:0e.0: Bound to PCI domain 10000"));
}

TEST(SysfsTest, NotASysfsRoot) {
  FakeSysfs fake;
  fake.remove("sys/bus");
  auto s = read_sysfs(fake.path());
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().hint_, HasSubstr("not a sysfs root"));
  EXPECT_THAT(s.error().context_, HasSubstr(fake.path().string()));
}

TEST(SysfsTest, RelativeLinkOutOfTheRootIsNotFollowed) {
  FakeSysfs outside;  // another temp tree next to ours: what an escaping link would reach
  outside.add_function("0000:05:00.0", "root", fake_config(0xbad0, 0xbad0, 0x020000));
  FakeSysfs fake;
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000));
  // sys/bus/pci/devices is four levels deep: the fifth ".." leaves the root.
  const std::string escape = "../../../../../" + outside.path().filename().string() +
                             "/sys/devices/pci0000:00/0000:05:00.0";
  fake.symlink("sys/bus/pci/devices/0000:05:00.0", escape);

  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  for (const auto& fn : s->functions) EXPECT_NE(fn.vendor_id, 0xbad0) << fn.origin;
  EXPECT_FALSE(find(*s, "05:00.0"));
  EXPECT_TRUE(any_note_contains(*s, "0000:05:00.0: skipped"));

  // Through RootDir the same link resolves inside the root: with nothing there, nothing is
  // read; with a decoy at the clamped place, the decoy is read, never the outside file.
  auto root = RootDir::open(fake.path());
  ASSERT_TRUE(root);
  EXPECT_FALSE(root->read_file("sys/bus/pci/devices/0000:05:00.0/config"));
  fake.write_file(outside.path().filename().string() + "/sys/devices/pci0000:00/0000:05:00.0/config",
                  "inside");
  auto config = root->read_file("sys/bus/pci/devices/0000:05:00.0/config");
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(*config, "inside");
}

TEST(SysfsTest, AbsoluteLinkStartsAtTheFakeRoot) {
  // An absolute link means the root's "/", not the host's: this reads the fake function
  // even on a machine that has its own /sys/devices/pci0000:00/0000:00:01.0.
  FakeSysfs fake;
  fake.add_function("0000:00:01.0", "root", fake_config(0x1234, 0x5678, 0x020000));
  fake.remove("sys/bus/pci/devices/0000:00:01.0");
  fake.symlink("sys/bus/pci/devices/0000:00:01.0", "/sys/devices/pci0000:00/0000:00:01.0");
  auto s = read_sysfs(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->functions.size(), 1u);
  EXPECT_EQ(s->functions[0].vendor_id, 0x1234);
  EXPECT_EQ(s->functions[0].config.read16(2), 0x5678);
}

TEST(RootDirTest, ReadsPastStSizeAndListsSorted) {
  FakeSysfs fake;
  fake.write_file("a/b", std::string(20000, 'x'));
  fake.write_file("a/a", "1");
  auto root = RootDir::open(fake.path());
  ASSERT_TRUE(root);
  auto text = root->read_file("a/b");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->size(), 20000u);
  EXPECT_FALSE(root->read_file("a/b", 100));  // over the cap: an error, not a truncation
  auto names = root->list_dir("a");
  ASSERT_TRUE(names);
  EXPECT_THAT(*names, ElementsAre("a", "b"));
  auto missing = root->read_file("a/c");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code_, Errc::kNotFound);
  EXPECT_THAT(missing.error().context_, HasSubstr("a/c"));
}

TEST(RootDirTest, ResolveInRootClampsAtTheRoot) {
  EXPECT_EQ(resolve_in_root("sys/bus/pci/devices", "../../../devices/pci0000:00/0000:00:1c.0"),
            "sys/devices/pci0000:00/0000:00:1c.0");
  EXPECT_EQ(resolve_in_root("sys/bus/pci/devices", "../../../../../../etc"), "etc");
  EXPECT_EQ(resolve_in_root("sys/bus", "/etc/./x/"), "etc/x");
  EXPECT_EQ(resolve_in_root("a", ".."), "");
}

}  // namespace
}  // namespace isogroup
