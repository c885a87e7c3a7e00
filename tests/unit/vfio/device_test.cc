// Device: config space through the config region, reset, hot-reset info, region info.
#include "isogroup/vfio/device.h"

#include <cerrno>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/fake_vfio.h"
#include "isogroup/vfio/session.h"

namespace isogroup::vfio {
namespace {

using ::isogroup::testing::FakeVfio;
using ::isogroup::testing::FakeVfioDevice;
using ::isogroup::testing::FakeVfioGroup;
using ::isogroup::testing::fake_pci_function;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeVfioDevice gpu = fake_pci_function("0000:01:00.0", 0x10de, 0x1eb8);
    gpu.hot_reset_dependents = std::vector<HotResetDependent>{{12, Bdf::make(0, 1, 0, 0)},
                                                              {12, Bdf::make(0, 1, 0, 1)}};
    FakeVfioDevice audio = fake_pci_function("0000:01:00.1", 0x10de, 0x10f8);
    audio.reset = false;  // no FLR
    FakeVfioDevice platform;
    platform.name = "0000:01:00.2";
    platform.pci = false;
    fake->add_group(FakeVfioGroup{12, false, {}, {gpu, audio, platform}});
  }
  Result<VfioSession> open(std::string_view bdf) { return open_device_session(12, bdf, fake); }
  std::shared_ptr<FakeVfio> fake = std::make_shared<FakeVfio>();
};

TEST_F(DeviceTest, ReadsAnyWindowOfConfigSpace) {
  auto s = open("0000:01:00.0");
  ASSERT_TRUE(s) << s.error().to_string();
  const auto& bytes = fake->config("0000:01:00.0");
  auto window = s->device.read_config(0x10, 8);
  ASSERT_TRUE(window);
  EXPECT_EQ(*window, std::vector<std::uint8_t>(bytes.begin() + 0x10, bytes.begin() + 0x18));
  auto tail = s->device.read_config(0xfc, 4);
  ASSERT_TRUE(tail);
  auto past = s->device.read_config(0xfc, 8);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code_, Errc::kInvalidInput);
}

TEST_F(DeviceTest, WritesConfigSpaceThroughTheDeviceFd) {
  auto s = open("0000:01:00.0");
  ASSERT_TRUE(s);
  const std::vector<std::uint8_t> data{0x11, 0x22, 0x33, 0x44};
  ASSERT_TRUE(s->device.write_config(0x40, data));
  const auto& bytes = fake->config("0000:01:00.0");
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + 0x40, bytes.begin() + 0x44), data);
  auto back = s->device.read_config(0x40, 4);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, data);
  EXPECT_FALSE(s->device.write_config(0xff, data));  // would run past 256 bytes
}

TEST_F(DeviceTest, ResetsOnlyWhenTheDeviceSupportsIt) {
  auto gpu = open("0000:01:00.0");
  ASSERT_TRUE(gpu);
  ASSERT_TRUE(gpu->device.reset());
  EXPECT_EQ(fake->reset_count("0000:01:00.0"), 1);
}

TEST_F(DeviceTest, ResetWithoutFlrPointsAtHotReset) {
  auto audio = open("0000:01:00.1");
  ASSERT_TRUE(audio);
  auto status = audio->device.reset();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code_, Errc::kUnsupported);
  EXPECT_THAT(status.error().hint_, HasSubstr("hot_reset_info"));
  EXPECT_EQ(fake->reset_count("0000:01:00.1"), 0);
}

TEST_F(DeviceTest, HotResetInfoListsTheDependentFunctions) {
  auto gpu = open("0000:01:00.0");
  ASSERT_TRUE(gpu);
  auto deps = gpu->device.hot_reset_info();
  ASSERT_TRUE(deps);
  EXPECT_THAT(*deps, ElementsAre(HotResetDependent{12, Bdf::make(0, 1, 0, 0)},
                                 HotResetDependent{12, Bdf::make(0, 1, 0, 1)}));
}

TEST_F(DeviceTest, HotResetUnavailableIsUnsupported) {
  auto audio = open("0000:01:00.1");
  ASSERT_TRUE(audio);
  auto deps = audio->device.hot_reset_info();
  ASSERT_FALSE(deps);
  EXPECT_EQ(deps.error().code_, Errc::kUnsupported);
  EXPECT_EQ(deps.error().errno_, ENODEV);
}

TEST_F(DeviceTest, RegionInfoOutOfRangeNamesTheRegionCount) {
  auto gpu = open("0000:01:00.0");
  ASSERT_TRUE(gpu);
  auto config = gpu->device.region_info(kPciConfigRegionIndex);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->size, 256u);
  EXPECT_TRUE(config->readable() && config->writable());
  auto bad = gpu->device.region_info(99);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().errno_, EINVAL);
  EXPECT_THAT(bad.error().hint_, HasSubstr("9 regions"));
}

TEST_F(DeviceTest, NonPciDeviceHasNoConfigSpace) {
  auto platform = open("0000:01:00.2");
  ASSERT_TRUE(platform);
  auto bytes = platform->device.read_config(0, 4);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code_, Errc::kUnsupported);
}

TEST_F(DeviceTest, UnknownOrMalformedAddressIsRefused) {
  auto other = open("0000:05:00.0");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code_, Errc::kNotFound);
  EXPECT_THAT(other.error().hint_, HasSubstr("/sys/kernel/iommu_groups/12/devices"));
  auto garbage = open("not-a-bdf");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code_, Errc::kInvalidInput);
  EXPECT_THAT(fake->violations(), ::testing::IsEmpty());
  EXPECT_EQ(fake->open_fd_count(), 0u);
}

TEST_F(DeviceTest, TwoDevicesOfOneGroupCloseBeforeTheGroup) {
  {
    auto s = open("0000:01:00.0");
    ASSERT_TRUE(s);
    auto second = s->group->open_device("0000:01:00.1");
    ASSERT_TRUE(second);
    s->group.reset();
    s->container.reset();
    // VfioSession destroys `device` last here, `second` first.
  }
  EXPECT_THAT(fake->close_log(),
              ElementsAre("device 0000:01:00.1", "device 0000:01:00.0", "group 12", "container"));
  EXPECT_THAT(fake->violations(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace isogroup::vfio
