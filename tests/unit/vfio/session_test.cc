// The legacy-container lifecycle end to end against FakeVfio: open, viability, order rules,
// close order, noiommu.
#include "isogroup/vfio/session.h"

#include <cerrno>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/fake_vfio.h"

namespace isogroup::vfio {
namespace {

using ::isogroup::testing::FakeVfio;
using ::isogroup::testing::FakeVfioGroup;
using ::isogroup::testing::HostPages;
using ::isogroup::testing::fake_pci_function;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class VfioSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Group 7: a two-port NIC (Intel 82574L, 8086:10d3), both functions on vfio-pci.
    fake->add_group(FakeVfioGroup{7, false, {},
                                  {fake_pci_function("0000:01:00.0", 0x8086, 0x10d3),
                                   fake_pci_function("0000:01:00.1", 0x8086, 0x10d3)}});
  }
  std::shared_ptr<FakeVfio> fake = std::make_shared<FakeVfio>();
};

TEST_F(VfioSessionTest, HappyPathReadsConfigAndMapsDma) {
  {
    auto session = open_device_session(7, "01:00.0", fake);
    ASSERT_TRUE(session) << session.error().to_string() << " / " << session.error().hint_;
    EXPECT_EQ(session->device.name(), "0000:01:00.0");
    EXPECT_TRUE(session->device.info().is_pci());
    EXPECT_TRUE(session->container->iommu_set());

    // Vendor and device ID are little-endian at 0x00 and 0x02.
    auto id = read_config(session->device, 0, 4);
    ASSERT_TRUE(id) << id.error().to_string();
    EXPECT_THAT(*id, ElementsAre(0x86, 0x80, 0xd3, 0x10));
    auto all = read_config(session->device, 0, 256);
    ASSERT_TRUE(all);
    EXPECT_EQ(*all, fake->config("0000:01:00.0"));

    HostPages pages(4);
    auto mapping = session->container->map_dma(pages.span());
    ASSERT_TRUE(mapping) << mapping.error().to_string();
    EXPECT_EQ(mapping->size(), 4u * 4096);
    const int container_fd = session->container->fd();
    EXPECT_EQ(fake->mappings(container_fd),
              (std::map<std::uint64_t, std::uint64_t>{{mapping->iova(), 4 * 4096}}));
    ASSERT_TRUE(mapping->unmap());
    EXPECT_TRUE(fake->mappings(container_fd).empty());
  }
  EXPECT_THAT(fake->close_log(), ElementsAre("device 0000:01:00.0", "group 7", "container"));
  EXPECT_THAT(fake->violations(), ::testing::IsEmpty());
  EXPECT_EQ(fake->open_fd_count(), 0u);
}

TEST_F(VfioSessionTest, ClosesDeviceGroupContainerWhateverOrderHandlesDie) {
  auto container = Container::open(fake);
  ASSERT_TRUE(container);
  auto group = Group::open(fake, GroupId{7});
  ASSERT_TRUE(group);
  ASSERT_TRUE((*group)->set_container(*container));
  ASSERT_TRUE((*container)->set_iommu());
  auto device = (*group)->open_device("0000:01:00.1");
  ASSERT_TRUE(device);
  HostPages pages(1);
  auto mapping = (*container)->map_dma(pages.span());
  ASSERT_TRUE(mapping);

  // Drop the handles in the "wrong" order: container, group, device, mapping last.
  container->reset();
  EXPECT_TRUE(fake->close_log().empty());
  group->reset();
  EXPECT_TRUE(fake->close_log().empty());  // the device still holds the group
  { Device gone = std::move(*device); }
  EXPECT_THAT(fake->close_log(), ElementsAre("device 0000:01:00.1", "group 7"));
  // The last group left, so the kernel dropped the mapping: unmapping is a no-op, not an error.
  EXPECT_TRUE(mapping->unmap());
  EXPECT_THAT(fake->close_log(), ElementsAre("device 0000:01:00.1", "group 7", "container"));
  EXPECT_THAT(fake->violations(), ::testing::IsEmpty());
  EXPECT_EQ(fake->open_fd_count(), 0u);
}

TEST_F(VfioSessionTest, NonViableGroupNamesTheBlockersInTheHint) {
  fake->set_blocking_functions(7, false, {"0000:01:00.1"});
  SessionOptions options;
  options.blockers = {"0000:01:00.1: bound to e1000e, a kernel DMA driver"};
  auto session = open_device_session(7, "0000:01:00.0", fake, options);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().code_, Errc::kRefused);
  EXPECT_THAT(session.error().message_, HasSubstr("group 7 is not viable"));
  EXPECT_THAT(session.error().hint_, HasSubstr("0000:01:00.1: bound to e1000e"));
  EXPECT_EQ(fake->open_fd_count(), 0u);  // container and group node closed again

  auto bare = Group::open(fake, GroupId{7});
  ASSERT_FALSE(bare);
  EXPECT_THAT(bare.error().hint_, HasSubstr("vfio-pci"));
}

TEST_F(VfioSessionTest, SetContainerRefusedWhenADriverBindsAfterOpen) {
  auto container = Container::open(fake);
  auto group = Group::open(fake, GroupId{7});
  ASSERT_TRUE(container && group);
  fake->set_blocking_functions(7, false, {"0000:01:00.1"});
  auto status = (*group)->set_container(*container);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().errno_, EPERM);
  EXPECT_EQ(status.error().code_, Errc::kRefused);
  EXPECT_THAT(status.error().hint_, HasSubstr("not viable or already owned"));
  EXPECT_EQ((*container)->group_count(), 0u);
}

TEST_F(VfioSessionTest, SecondOpenOfTheGroupNodeIsBusy) {
  auto first = Group::open(fake, GroupId{7});
  ASSERT_TRUE(first);
  auto second = Group::open(fake, GroupId{7});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().errno_, EBUSY);
  EXPECT_THAT(second.error().hint_, HasSubstr("another process holds /dev/vfio/7"));
  first->reset();
  EXPECT_TRUE(Group::open(fake, GroupId{7}));  // free again once closed
}

TEST_F(VfioSessionTest, MissingGroupNodeSaysWhy) {
  auto group = Group::open(fake, GroupId{9});
  ASSERT_FALSE(group);
  EXPECT_EQ(group.error().code_, Errc::kNotFound);
  EXPECT_THAT(group.error().hint_, HasSubstr("/dev/vfio/9 does not exist"));
}

TEST_F(VfioSessionTest, WrongOrderIsRefusedWithTheRightNextStep) {
  auto container = Container::open(fake);
  auto group = Group::open(fake, GroupId{7});
  ASSERT_TRUE(container && group);

  auto early_iommu = (*container)->set_iommu();
  ASSERT_FALSE(early_iommu);
  EXPECT_EQ(early_iommu.error().errno_, EINVAL);
  EXPECT_THAT(early_iommu.error().hint_, HasSubstr("after a group joined"));

  HostPages pages(1);
  auto early_map = (*container)->map_dma(pages.span());
  ASSERT_FALSE(early_map);
  EXPECT_THAT(early_map.error().hint_, HasSubstr("set_iommu"));

  ASSERT_TRUE((*group)->set_container(*container));
  auto early_device = (*group)->open_device("0000:01:00.0");
  ASSERT_FALSE(early_device);
  EXPECT_THAT(early_device.error().hint_, HasSubstr("set_iommu"));

  auto twice = (*group)->set_container(*container);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code_, Errc::kInvalidInput);

  ASSERT_TRUE((*container)->set_iommu());
  EXPECT_TRUE((*group)->open_device("0000:01:00.0"));
}

TEST_F(VfioSessionTest, UnsetContainerWaitsForDevicesToClose) {
  {
    auto session = open_device_session(7, "0000:01:00.0", fake);
    ASSERT_TRUE(session);
    auto busy = session->group->unset_container();
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().errno_, EBUSY);
    EXPECT_THAT(busy.error().hint_, HasSubstr("close the group's devices"));
    EXPECT_TRUE(session->group->container());  // still in the container
  }
  EXPECT_THAT(fake->close_log(), ElementsAre("device 0000:01:00.0", "group 7", "container"));
  EXPECT_THAT(fake->violations(), ::testing::IsEmpty());
}

TEST_F(VfioSessionTest, ContainerOpenFailuresCarryHints) {
  fake->set_vfio_loaded(false);
  auto missing = Container::open(fake);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code_, Errc::kNotFound);
  EXPECT_THAT(missing.error().hint_, HasSubstr("vfio module"));
  fake->set_vfio_loaded(true);

  fake->set_api_version(1);
  auto version = Container::open(fake);
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().code_, Errc::kUnsupported);
  fake->set_api_version(0);

  fake->set_type1v2_supported(false);
  auto no_type1 = Container::open(fake);
  ASSERT_FALSE(no_type1);
  EXPECT_EQ(no_type1.error().code_, Errc::kUnsupported);
  EXPECT_THAT(no_type1.error().hint_, HasSubstr("intel_iommu=on"));
  EXPECT_EQ(fake->open_fd_count(), 0u);
}

class NoIommuSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake->set_noiommu_enabled(true);
    fake->add_group(FakeVfioGroup{0, true, {}, {fake_pci_function("0000:00:03.0", 0x1af4, 0x1041)}});
  }
  std::shared_ptr<FakeVfio> fake = std::make_shared<FakeVfio>();
};

TEST_F(NoIommuSessionTest, OpensNoiommuNodeWithTheNoiommuType) {
  SessionOptions options;
  options.noiommu = true;
  auto session = open_device_session(0, "00:03.0", fake, options);
  ASSERT_TRUE(session) << session.error().to_string();
  EXPECT_EQ(session->group->path(), "/dev/vfio/noiommu-0");
  EXPECT_EQ(session->container->iommu_type(), IommuType::kNoIommu);
  auto id = read_config(session->device, 0, 4);
  ASSERT_TRUE(id);
  EXPECT_THAT(*id, ElementsAre(0xf4, 0x1a, 0x41, 0x10));
  // No IOMMU, nothing to program.
  HostPages pages(1);
  auto map = session->container->map_dma(pages.span());
  ASSERT_FALSE(map);
  EXPECT_THAT(map.error().message_, HasSubstr("noiommu"));
}

TEST_F(NoIommuSessionTest, NeedsCapSysRawio) {
  fake->set_cap_sys_rawio(false);
  SessionOptions options;
  options.noiommu = true;
  auto session = open_device_session(0, "00:03.0", fake, options);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().errno_, EPERM);
  EXPECT_THAT(session.error().hint_, HasSubstr("CAP_SYS_RAWIO"));
}

TEST_F(NoIommuSessionTest, RefusedWhenTheModeIsOff) {
  fake->set_noiommu_enabled(false);
  SessionOptions options;
  options.noiommu = true;
  auto session = open_device_session(0, "00:03.0", fake, options);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().code_, Errc::kUnsupported);
  EXPECT_THAT(session.error().hint_, HasSubstr("enable_unsafe_noiommu_mode"));
}

TEST_F(NoIommuSessionTest, TheIommuNodeNameDoesNotReachTheNoiommuGroup) {
  auto session = open_device_session(0, "00:03.0", fake);  // /dev/vfio/0, not noiommu-0
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().code_, Errc::kNotFound);
}

}  // namespace
}  // namespace isogroup::vfio
