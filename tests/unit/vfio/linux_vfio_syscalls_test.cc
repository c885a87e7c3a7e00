// LinuxVfioSyscalls without VFIO hardware: what it does with files that are not VFIO nodes.
// Its VFIO behaviour proper is checked in the QEMU guest.
#include "isogroup/vfio/syscalls.h"

#include <fcntl.h>
#include <linux/vfio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "isogroup/vfio/container.h"

namespace isogroup::vfio {
namespace {

using ::testing::HasSubstr;

TEST(LinuxVfioSyscalls, OpenOfAMissingNodeKeepsErrnoAndPath) {
  LinuxVfioSyscalls sys;
  auto fd = sys.open("/nonexistent/isogroup/vfio", O_RDWR);
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().errno_, ENOENT);
  EXPECT_EQ(fd.error().code_, Errc::kNotFound);
  EXPECT_THAT(fd.error().context_, HasSubstr("/nonexistent/isogroup/vfio"));
}

TEST(LinuxVfioSyscalls, VfioIoctlOnAnOrdinaryFileIsENOTTY) {
  LinuxVfioSyscalls sys;
  auto fd = sys.open("/dev/null", O_RDWR);
  ASSERT_TRUE(fd) << fd.error().to_string();
  auto version = sys.get_api_version(*fd);
  ASSERT_FALSE(version);
  EXPECT_EQ(version.error().errno_, ENOTTY);
  EXPECT_THAT(version.error().message_, HasSubstr("VFIO_GET_API_VERSION"));
  auto status = sys.group_get_status(*fd);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().errno_, ENOTTY);
  auto hot = sys.device_get_pci_hot_reset_info(*fd);
  ASSERT_FALSE(hot);
  EXPECT_EQ(hot.error().errno_, ENOTTY);
  ASSERT_TRUE(sys.close(*fd));
  EXPECT_EQ(sys.close(*fd).error().errno_, EBADF);
}

TEST(LinuxVfioSyscalls, PreadAndPwriteUseTheGivenOffset) {
  char path[] = "/tmp/isogroup-vfio-XXXXXX";
  int raw = ::mkstemp(path);
  ASSERT_GE(raw, 0);
  ::close(raw);
  LinuxVfioSyscalls sys;
  auto fd = sys.open(path, O_RDWR);
  ASSERT_TRUE(fd);
  const std::byte data[] = {std::byte{0xde}, std::byte{0xad}};
  auto put = sys.pwrite(*fd, data, 0x10);
  ASSERT_TRUE(put);
  EXPECT_EQ(*put, 2u);
  std::byte back[4] = {};
  auto got = sys.pread(*fd, back, 0x0f);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, 3u);  // the file ends at 0x12
  EXPECT_EQ(back[0], std::byte{0});
  EXPECT_EQ(back[1], std::byte{0xde});
  EXPECT_EQ(back[2], std::byte{0xad});
  ASSERT_TRUE(sys.close(*fd));
  ::unlink(path);
}

TEST(LinuxVfioSyscalls, ContainerOnANonVfioNodeFailsTheVersionCheck) {
  ContainerOptions options;
  options.path = "/dev/null";
  auto container = Container::open(make_linux_vfio_syscalls(), options);
  ASSERT_FALSE(container);
  EXPECT_EQ(container.error().errno_, ENOTTY);
  EXPECT_THAT(container.error().context_, HasSubstr("/dev/null"));
}

}  // namespace
}  // namespace isogroup::vfio
