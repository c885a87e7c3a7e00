// The fake's own rules, driven through raw VfioSyscalls calls: the RAII tests rely on them.
#include "fakes/fake_vfio.h"

#include <fcntl.h>
#include <linux/vfio.h>

#include <cerrno>

#include <gtest/gtest.h>

namespace isogroup::testing {
namespace {

int err_of(const Status& s) { return s ? 0 : s.error().errno_; }
template <class T>
int err_of(const Result<T>& r) { return r ? 0 : r.error().errno_; }

class FakeVfioRules : public ::testing::Test {
 protected:
  void SetUp() override {
    fake.add_group({5, false, {}, {fake_pci_function("0000:01:00.0", 0x8086, 0x10d3)}});
  }
  int open_ok(const std::string& path) {
    auto fd = fake.open(path, O_RDWR);
    EXPECT_TRUE(fd) << path;
    return fd.value_or(-1);
  }
  FakeVfio fake;
};

TEST_F(FakeVfioRules, SetIommuNeedsAGroupInTheContainer) {
  int container = open_ok("/dev/vfio/vfio");
  EXPECT_EQ(err_of(fake.set_iommu(container, VFIO_TYPE1v2_IOMMU)), EINVAL);
  int group = open_ok("/dev/vfio/5");
  ASSERT_TRUE(fake.group_set_container(group, container));
  EXPECT_EQ(err_of(fake.set_iommu(container, VFIO_TYPE1v2_IOMMU)), 0);
  EXPECT_EQ(err_of(fake.set_iommu(container, VFIO_TYPE1v2_IOMMU)), EINVAL);  // once only
}

TEST_F(FakeVfioRules, GetDeviceFdNeedsTheIommuSet) {
  int container = open_ok("/dev/vfio/vfio");
  int group = open_ok("/dev/vfio/5");
  EXPECT_EQ(err_of(fake.group_get_device_fd(group, "0000:01:00.0")), EINVAL);
  ASSERT_TRUE(fake.group_set_container(group, container));
  EXPECT_EQ(err_of(fake.group_get_device_fd(group, "0000:01:00.0")), EINVAL);
  ASSERT_TRUE(fake.set_iommu(container, VFIO_TYPE1v2_IOMMU));
  EXPECT_EQ(err_of(fake.group_get_device_fd(group, "0000:02:00.0")), ENODEV);
  EXPECT_EQ(err_of(fake.group_get_device_fd(group, "0000:01:00.0")), 0);
}

TEST_F(FakeVfioRules, GroupNodeAdmitsOneOpener) {
  open_ok("/dev/vfio/5");
  EXPECT_EQ(err_of(fake.open("/dev/vfio/5", O_RDWR)), EBUSY);
  EXPECT_EQ(err_of(fake.open("/dev/vfio/6", O_RDWR)), ENOENT);
}

TEST_F(FakeVfioRules, NonViableGroupCannotJoinAContainer) {
  fake.set_blocking_functions(5, false, {"0000:01:00.1"});
  int container = open_ok("/dev/vfio/vfio");
  int group = open_ok("/dev/vfio/5");
  auto status = fake.group_get_status(group);
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->viable);
  EXPECT_EQ(err_of(fake.group_set_container(group, container)), EPERM);
}

TEST_F(FakeVfioRules, DmaMapsMustNotOverlapAndUnmapCannotCutOne) {
  int container = open_ok("/dev/vfio/vfio");
  int group = open_ok("/dev/vfio/5");
  ASSERT_TRUE(fake.group_set_container(group, container));
  ASSERT_TRUE(fake.set_iommu(container, VFIO_TYPE1v2_IOMMU));
  ASSERT_TRUE(fake.iommu_map_dma(container, {0x10000, 0x100000, 0x4000, true, true}));
  EXPECT_EQ(err_of(fake.iommu_map_dma(container, {0x20000, 0x103000, 0x2000, true, true})), EEXIST);
  EXPECT_EQ(err_of(fake.iommu_map_dma(container, {0x20000, 0x0ff000, 0x2000, true, true})), EEXIST);
  EXPECT_EQ(err_of(fake.iommu_map_dma(container, {0x20000, 0x104000, 0x1000, false, false})), EINVAL);
  EXPECT_EQ(err_of(fake.iommu_unmap_dma(container, 0x101000, 0x1000)), EINVAL);
  auto nothing = fake.iommu_unmap_dma(container, 0x200000, 0x1000);
  ASSERT_TRUE(nothing);
  EXPECT_EQ(*nothing, 0u);
  auto whole = fake.iommu_unmap_dma(container, 0x100000, 0x4000);
  ASSERT_TRUE(whole);
  EXPECT_EQ(*whole, 0x4000u);
  EXPECT_TRUE(fake.mappings(container).empty());
}

TEST_F(FakeVfioRules, RecordsClosingAGroupBeforeItsDevice) {
  int container = open_ok("/dev/vfio/vfio");
  int group = open_ok("/dev/vfio/5");
  ASSERT_TRUE(fake.group_set_container(group, container));
  ASSERT_TRUE(fake.set_iommu(container, VFIO_TYPE1v2_IOMMU));
  ASSERT_TRUE(fake.group_get_device_fd(group, "0000:01:00.0"));
  ASSERT_TRUE(fake.close(group));
  ASSERT_EQ(fake.violations().size(), 1u);
  EXPECT_NE(fake.violations()[0].find("0000:01:00.0"), std::string::npos);
  ASSERT_TRUE(fake.close(container));
  EXPECT_EQ(err_of(fake.close(container)), EBADF);
}

TEST_F(FakeVfioRules, LastGroupLeavingDropsTheIommuAndItsMappings) {
  int container = open_ok("/dev/vfio/vfio");
  int group = open_ok("/dev/vfio/5");
  ASSERT_TRUE(fake.group_set_container(group, container));
  ASSERT_TRUE(fake.set_iommu(container, VFIO_TYPE1v2_IOMMU));
  ASSERT_TRUE(fake.iommu_map_dma(container, {0x10000, 0x100000, 0x1000, true, true}));
  ASSERT_TRUE(fake.group_unset_container(group));
  EXPECT_TRUE(fake.mappings(container).empty());
  EXPECT_EQ(err_of(fake.iommu_map_dma(container, {0x10000, 0x100000, 0x1000, true, true})), EINVAL);
}

}  // namespace
}  // namespace isogroup::testing
