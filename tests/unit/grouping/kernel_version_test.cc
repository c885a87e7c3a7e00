#include "isogroup/grouping/kernel_version.h"

#include <gtest/gtest.h>

namespace isogroup {
namespace {

struct Case {
  const char* release;
  KernelVersion want;
};

TEST(KernelVersion, ParsesDistributionReleases) {
  const Case cases[] = {
      {"6.1.0-23-amd64", {6, 1, 0}},
      {"5.14.18-300.fc35.x86_64", {5, 14, 18}},
      {"4.18.0-305.10.2.el8_4.x86_64", {4, 18, 0}},
      {"6.8.12-2-pve", {6, 8, 12}},
      {"7.0", {7, 0, 0}},
      {"6.11.0-rc3", {6, 11, 0}},
      {"5.10.0-8-amd64\n", {5, 10, 0}},
  };
  for (const auto& c : cases) {
    const auto v = KernelVersion::parse(c.release);
    ASSERT_TRUE(v) << c.release << ": " << v.error().to_string();
    EXPECT_EQ(*v, c.want) << c.release;
  }
}

TEST(KernelVersion, RejectsWhatIsNotAVersion) {
  for (const char* bad : {"", "abc", "6", "6.", "6.x", "v6.1", "-6.1", "1234567.1"}) {
    const auto v = KernelVersion::parse(bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_EQ(v.error().code_, Errc::kInvalidInput);
    EXPECT_FALSE(v.error().hint_.empty());
  }
}

TEST(KernelVersion, OrdersNumericallyNotTextually) {
  EXPECT_LT(*KernelVersion::parse("6.9"), *KernelVersion::parse("6.11"));
  EXPECT_LT(*KernelVersion::parse("6.1.99"), *KernelVersion::parse("6.2.0"));
  EXPECT_EQ(KernelVersion::newest(), (KernelVersion{7, 0, 0}));
  EXPECT_EQ((KernelVersion{6, 1, 0}).to_string(), "6.1.0");
}

TEST(VersionRange, IsHalfOpen) {
  const VersionRange r{{6, 11, 0}, {7, 0, 0}};
  EXPECT_FALSE(r.contains({6, 10, 99}));
  EXPECT_TRUE(r.contains({6, 11, 0}));
  EXPECT_TRUE(r.contains({6, 19, 3}));
  EXPECT_FALSE(r.contains({7, 0, 0}));
  EXPECT_TRUE(VersionRange{}.contains({3, 10, 0}));
}

}  // namespace
}  // namespace isogroup
