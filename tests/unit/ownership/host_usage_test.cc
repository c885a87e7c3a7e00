// find_host_usage on fake trees: a small desktop with a GPU, an NVMe disk, a SATA
// controller and a two-port NIC, and what the host does with each.
#include "isogroup/ownership/host_usage.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fakes/fake_host_state.h"
#include "fakes/fake_sysfs.h"
#include "fakes/snapshot_builder.h"
#include "isogroup/sources/read.h"

namespace isogroup {
namespace {

using testing::FakeHostState;
using testing::FakeSysfs;
using Opt = testing::FakeFunctionOptions;

class HostUsageTest : public ::testing::Test {
 protected:
  HostUsageTest() : host_(fake_) {
    fake_.add_function("0000:00:00.0", "root", testing::fake_config(0x8086, 0x3e30, 0x060000));
    fake_.add_function("0000:00:02.0", "root", testing::fake_config(0x8086, 0x3e92, 0x030000),
                       Opt().with_driver("i915").in_group(0).with_boot_vga(true));
    fake_.add_function("0000:00:17.0", "root", testing::fake_config(0x8086, 0xa352, 0x010601),
                       Opt().with_driver("ahci").in_group(5));
    fake_.add_function("0000:00:1c.0", "root", testing::parts::root_port(0, 2, 2, false).bytes(),
                       Opt().with_driver("pcieport").in_group(7));
    fake_.add_function("0000:02:00.0", "0000:00:1c.0", testing::fake_config(0x8086, 0x1521, 0x020000),
                       Opt().with_driver("igb").in_group(7));
    fake_.add_function("0000:02:00.1", "0000:00:1c.0", testing::fake_config(0x8086, 0x1521, 0x020000),
                       Opt().with_driver("igb").in_group(7));
    fake_.add_function("0000:00:1d.0", "root", testing::parts::root_port(0, 1, 1).bytes(),
                       Opt().with_driver("pcieport").in_group(8));
    fake_.add_function("0000:01:00.0", "0000:00:1d.0", testing::fake_config(0x144d, 0xa808, 0x010802),
                       Opt().with_driver("nvme").in_group(9));
  }

  const Topology& topology() {
    if (!topology_) {
      auto snapshot = read_sysfs(fake_.path());
      EXPECT_TRUE(snapshot) << snapshot.error().to_string();
      auto t = Topology::build(std::move(*snapshot));
      EXPECT_TRUE(t) << t.error().to_string();
      topology_ = std::move(*t);
    }
    return *topology_;
  }

  FunctionId id(std::string_view address) {
    const auto f = topology().find(*Bdf::parse(address));
    EXPECT_TRUE(f) << address;
    return f.value_or(kNoFunction);
  }

  HostUsageReport scan(std::initializer_list<std::string_view> addresses) {
    std::vector<FunctionId> ids;
    for (const auto a : addresses) ids.push_back(id(a));
    auto root = RootDir::open(fake_.path());
    EXPECT_TRUE(root);
    auto report = scan_host_usage(*root, topology(), ids);
    EXPECT_TRUE(report) << report.error().to_string();
    return report ? *report : HostUsageReport{};
  }

  static std::vector<HostUsage> with_check(const HostUsageReport& r, std::string_view check) {
    std::vector<HostUsage> out;
    std::copy_if(r.findings.begin(), r.findings.end(), std::back_inserter(out),
                 [&](const HostUsage& u) { return u.check == check; });
    return out;
  }

  static bool mentions(const std::string& text, std::string_view word) {
    return text.find(word) != std::string::npos;
  }

  FakeSysfs fake_;
  FakeHostState host_;
  std::optional<Topology> topology_;
};

TEST_F(HostUsageTest, NothingInUseIsClear) {
  host_.add_disk("nvme0n1", "01:00.0", "nvme/nvme0", 259, 0, 2);
  host_.add_interface("enp2s0f0", "02:00.0");
  const auto r = scan({"01:00.0", "02:00.0", "02:00.1"});
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.unknown.empty());
  EXPECT_TRUE(r.clear());
}

TEST_F(HostUsageTest, MountedNvmePartitionIsReportedWithMountpoint) {
  host_.add_disk("nvme0n1", "01:00.0", "nvme/nvme0", 259, 0, 2).add_mount("/dev/nvme0n1p2", "/", 259, 2);
  const auto r = scan({"01:00.0"});
  const auto mounted = with_check(r, "mounted");
  ASSERT_EQ(mounted.size(), 1u);
  EXPECT_EQ(mounted[0].function, id("01:00.0"));
  EXPECT_TRUE(mentions(mounted[0].what, "nvme0n1p2")) << mounted[0].what;
  EXPECT_TRUE(mentions(mounted[0].what, "mounted on /")) << mounted[0].what;
  EXPECT_FALSE(mounted[0].way_out.empty());
}

TEST_F(HostUsageTest, MountedDiskOnAnotherFunctionIsNotReported) {
  host_.add_disk("nvme0n1", "01:00.0", "nvme/nvme0", 259, 0, 1)
      .add_disk("sda", "00:17.0", "ata1/host0/target0:0:0/0:0:0:0/block", 8, 0, 2)
      .add_mount("/dev/sda1", "/", 8, 1)
      .add_swap("/dev/sda2");
  EXPECT_TRUE(scan({"01:00.0"}).clear());
  // The same tree seen from the SATA controller: its disk is in use.
  const auto r = scan({"00:17.0"});
  ASSERT_EQ(with_check(r, "mounted").size(), 1u);
  ASSERT_EQ(with_check(r, "swap").size(), 1u);
  EXPECT_TRUE(mentions(with_check(r, "swap")[0].what, "sda2"));
}

TEST_F(HostUsageTest, MountMatchedBySourceWhenTheDeviceNumberIsAnonymous) {
  // btrfs shows an anonymous 0:N in mountinfo; the source names the partition.
  host_.add_disk("nvme0n1", "01:00.0", "nvme/nvme0", 259, 0, 2).add_mount("/dev/nvme0n1p2", "/home", 0, 33, "btrfs");
  const auto mounted = with_check(scan({"01:00.0"}), "mounted");
  ASSERT_EQ(mounted.size(), 1u);
  EXPECT_TRUE(mentions(mounted[0].what, "/home"));
}

TEST_F(HostUsageTest, FallsBackToProcMountsAndReportsUnknownWhenBothAreMissing) {
  host_.add_disk("nvme0n1", "01:00.0", "nvme/nvme0", 259, 0, 1).add_mount("/dev/nvme0n1p1", "/boot", 259, 1);
  fake_.remove("proc/self/mountinfo");
  EXPECT_EQ(with_check(scan({"01:00.0"}), "mounted").size(), 1u);
  fake_.remove("proc/mounts");
  const auto r = scan({"01:00.0"});
  EXPECT_TRUE(with_check(r, "mounted").empty());
  ASSERT_FALSE(r.unknown.empty());
  EXPECT_EQ(r.unknown[0].check, "mounted");
  EXPECT_TRUE(mentions(r.unknown[0].reason, "mounts")) << r.unknown[0].reason;
}

TEST_F(HostUsageTest, SwapPartitionIsReported) {
  host_.add_disk("nvme0n1", "01:00.0", "nvme/nvme0", 259, 0, 3).add_swap("/dev/nvme0n1p3");
  const auto swap = with_check(scan({"01:00.0"}), "swap");
  ASSERT_EQ(swap.size(), 1u);
  EXPECT_TRUE(mentions(swap[0].what, "nvme0n1p3"));
  EXPECT_TRUE(mentions(swap[0].way_out, "swapoff"));
}

TEST_F(HostUsageTest, LvmHolderIsFollowedToItsMount) {
  host_.add_disk("nvme0n1", "01:00.0", "nvme/nvme0", 259, 0, 3)
      .add_virtual_disk("dm-0", 254, 0, "vg-root")
      .add_holder("nvme0n1p3", "dm-0")
      .add_mount("/dev/mapper/vg-root", "/", 254, 0);
  const auto r = scan({"01:00.0"});
  const auto holder = with_check(r, "holder");
  ASSERT_EQ(holder.size(), 1u);
  EXPECT_TRUE(mentions(holder[0].what, "nvme0n1p3 (behind 0000:01:00.0) is held by dm-0 (vg-root)"))
      << holder[0].what;
  EXPECT_TRUE(mentions(holder[0].what, "mounted on /")) << holder[0].what;
  // The partition itself is not mounted: only the holder check fires.
  EXPECT_TRUE(with_check(r, "mounted").empty());
}

TEST_F(HostUsageTest, StackedHoldersAreFollowedAndAnIdleArrayIsStillReported) {
  host_.add_disk("nvme0n1", "01:00.0", "nvme/nvme0", 259, 0, 2)
      .add_virtual_disk("md0", 9, 0)
      .add_virtual_disk("dm-1", 254, 1, "vg-swap")
      .add_virtual_disk("md1", 9, 1)
      .add_holder("nvme0n1p1", "md0")
      .add_holder("md0", "dm-1")
      .add_holder("nvme0n1p2", "md1")
      .add_swap("/dev/dm-1");
  const auto holder = with_check(scan({"01:00.0"}), "holder");
  ASSERT_EQ(holder.size(), 2u);
  EXPECT_TRUE(mentions(holder[0].what, "md0, which is held by dm-1 (vg-swap), which is in use as swap"))
      << holder[0].what;
  EXPECT_TRUE(mentions(holder[1].what, "md1, which is active but not mounted")) << holder[1].what;
}

TEST_F(HostUsageTest, NvmeMultipathDiskIsTracedToItsController) {
  host_.add_multipath_disk("nvme0n1", "nvme-subsys0", "nvme0", "01:00.0", 259, 0)
      .add_mount("/dev/nvme0n1", "/srv", 259, 0);
  const auto mounted = with_check(scan({"01:00.0"}), "mounted");
  ASSERT_EQ(mounted.size(), 1u);
  EXPECT_TRUE(mentions(mounted[0].what, "/srv"));
  EXPECT_TRUE(scan({"02:00.0"}).clear());
}

TEST_F(HostUsageTest, DefaultRouteAndAddressOnTheNicPort) {
  host_.add_interface("enp2s0f0", "02:00.0")
      .add_interface("enp2s0f1", "02:00.1")
      .add_ipv4_route("enp2s0f0", "0.0.0.0/0", "192.168.1.1")
      .add_ipv4_route("enp2s0f0", "192.168.1.0/24");
  const auto r = scan({"02:00.0"});
  const auto route = with_check(r, "default-route");
  ASSERT_EQ(route.size(), 1u);
  EXPECT_TRUE(mentions(route[0].what, "enp2s0f0")) << route[0].what;
  EXPECT_TRUE(mentions(route[0].what, "via 192.168.1.1")) << route[0].what;
  const auto address = with_check(r, "address");
  ASSERT_EQ(address.size(), 1u);
  EXPECT_TRUE(mentions(address[0].what, "192.168.1.0/24")) << address[0].what;
  // The other port has no route of its own.
  EXPECT_TRUE(scan({"02:00.1"}).clear());
}

TEST_F(HostUsageTest, BridgeAboveTheNicCarriesTheRoute) {
  host_.add_interface("enp2s0f0", "02:00.0")
      .add_virtual_interface("vmbr0")
      .set_master("enp2s0f0", "vmbr0")
      .add_ipv4_route("vmbr0", "0.0.0.0/0", "10.0.0.1")
      .add_ipv4_route("vmbr0", "10.0.0.0/8");
  const auto route = with_check(scan({"02:00.0"}), "default-route");
  ASSERT_EQ(route.size(), 1u);
  EXPECT_TRUE(mentions(route[0].what, "through vmbr0")) << route[0].what;
  EXPECT_EQ(route[0].function, id("02:00.0"));
}

TEST_F(HostUsageTest, Ipv6GlobalAddressAndDefaultRouteCountLinkLocalDoesNot) {
  host_.add_interface("enp2s0f0", "02:00.0")
      .add_interface("enp2s0f1", "02:00.1")
      .add_ipv6_address("enp2s0f0", "fe80::1", 64, 0x20)
      .add_ipv6_address("enp2s0f1", "fe80::2", 64, 0x20)
      .add_ipv6_address("enp2s0f1", "2001:db8::5", 64)
      .add_ipv6_route("enp2s0f1", "::/0", "fe80::1", 0x0003)
      // The kernel's unreachable default on lo is a reject route.
      .add_ipv6_route("lo", "::/0", "::", 0x00200200);
  EXPECT_TRUE(scan({"02:00.0"}).clear());
  const auto r = scan({"02:00.1"});
  ASSERT_EQ(with_check(r, "address").size(), 1u);
  EXPECT_TRUE(mentions(with_check(r, "address")[0].what, "2001:db8::5/64"));
  ASSERT_EQ(with_check(r, "default-route").size(), 1u);
  EXPECT_TRUE(mentions(with_check(r, "default-route")[0].what, "IPv6 via fe80::1"));
}

TEST_F(HostUsageTest, MissingRouteTableIsUnknownOnlyWhenAnInterfaceIsBehindTheGroup) {
  fake_.remove("proc/net/route");
  EXPECT_TRUE(scan({"01:00.0"}).clear());  // no interface: the routes do not matter
  host_.add_interface("enp2s0f0", "02:00.0");
  const auto r = scan({"02:00.0"});
  ASSERT_EQ(r.unknown.size(), 2u);
  EXPECT_EQ(r.unknown[0].check, "default-route");
  EXPECT_EQ(r.unknown[1].check, "address");
}

TEST_F(HostUsageTest, BootVgaWithFirmwareFramebufferAndFbcon) {
  host_.add_framebuffer("fb0", "").add_vtconsole(0, "(S) dummy device", false).add_vtconsole(
      1, "(M) frame buffer device", true);
  const auto r = scan({"00:02.0"});
  const auto vga = with_check(r, "boot-vga");
  ASSERT_EQ(vga.size(), 1u);
  EXPECT_TRUE(mentions(vga[0].what, "firmware framebuffer (fb0)")) << vga[0].what;
  ASSERT_EQ(with_check(r, "console").size(), 1u);
  EXPECT_EQ(with_check(r, "console")[0].function, id("00:02.0"));
  // A function that is not VGA has no boot_vga file: nothing to report, nothing unknown.
  EXPECT_TRUE(scan({"00:17.0"}).clear());
}

TEST_F(HostUsageTest, ConsoleOnlyWhenFbconIsBound) {
  host_.add_framebuffer("fb0", "02:00.0").add_vtconsole(1, "(M) frame buffer device", false);
  EXPECT_TRUE(scan({"02:00.0"}).clear());
  host_.add_vtconsole(2, "(M) frame buffer device", true);
  const auto console = with_check(scan({"02:00.0"}), "console");
  ASSERT_EQ(console.size(), 1u);
  EXPECT_TRUE(mentions(console[0].what, "fb0"));
}

TEST_F(HostUsageTest, FunctionWithoutSysfsDirectoryMakesEveryCheckUnknown) {
  (void)topology();
  fake_.remove("sys/bus/pci/devices/0000:01:00.0");
  const auto r = scan({"01:00.0"});
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.unknown.size(), host_usage_checks().size());
}

TEST_F(HostUsageTest, FindHostUsageTurnsUnknownIntoAFindingThatOnlyForceCanPass) {
  host_.add_disk("nvme0n1", "01:00.0", "nvme/nvme0", 259, 0, 1);
  fake_.remove("proc/swaps");
  auto root = RootDir::open(fake_.path());
  ASSERT_TRUE(root);
  const std::vector<FunctionId> ids = {id("01:00.0")};
  auto all = find_host_usage(*root, topology(), ids);
  ASSERT_TRUE(all) << all.error().to_string();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].check, "swap");
  EXPECT_EQ((*all)[0].function, kNoFunction);
  EXPECT_TRUE(mentions((*all)[0].what, "could not check"));
  EXPECT_TRUE(mentions((*all)[0].way_out, "--force swap"));
}

TEST(HostUsageChecks, NamesAreTheDocumentedOnes) {
  const std::vector<std::string_view> expected = {"mounted", "swap", "holder", "default-route",
                                                  "address", "boot-vga", "console"};
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), host_usage_checks().begin(),
                         host_usage_checks().end()));
  EXPECT_TRUE(is_host_usage_check("default-route"));
  EXPECT_FALSE(is_host_usage_check("viability"));
}

}  // namespace
}  // namespace isogroup
