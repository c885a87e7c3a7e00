#include "isogroup/pci/config_space.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace isogroup::pci {
namespace {

std::vector<std::uint8_t> counting(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return bytes;
}

TEST(ConfigSpace, DefaultKnowsNothing) {
  const ConfigSpace config;
  EXPECT_TRUE(config.empty());
  EXPECT_EQ(config.known_prefix(), 0u);
  EXPECT_EQ(config.read8(0), std::nullopt);
  EXPECT_EQ(config.read32(0), std::nullopt);
}

TEST(ConfigSpace, FromBytesKnowsExactlyThePrefix) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{64}, std::size_t{256},
                        std::size_t{4096}}) {
    const auto bytes = counting(n);
    const ConfigSpace config = ConfigSpace::from_bytes(bytes);
    EXPECT_EQ(config.known_prefix(), n);
    EXPECT_EQ(config.empty(), n == 0);
    if (n > 0) {
      EXPECT_EQ(config.read8(n - 1), bytes[n - 1]);
    }
    if (n < ConfigSpace::kMaxSize) {
      EXPECT_EQ(config.read8(n), std::nullopt) << n;
    }
  }
}

TEST(ConfigSpace, FromBytesIgnoresBytesBeyond4096) {
  const ConfigSpace config = ConfigSpace::from_bytes(counting(5000));
  EXPECT_EQ(config.known_prefix(), ConfigSpace::kMaxSize);
  EXPECT_EQ(config.raw().size(), ConfigSpace::kMaxSize);
}

TEST(ConfigSpace, ReadsAreLittleEndian) {
  const std::vector<std::uint8_t> bytes{0x86, 0x80, 0x57, 0x0d};
  const ConfigSpace config = ConfigSpace::from_bytes(bytes);
  EXPECT_EQ(config.read16(0), 0x8086);
  EXPECT_EQ(config.read16(2), 0x0d57);
  EXPECT_EQ(config.read32(0), 0x0d578086u);
  EXPECT_EQ(config.read16(1), 0x5780);  // unaligned reads are allowed: the bytes are known
}

TEST(ConfigSpace, AReadTouchingOneUnknownByteIsUnknown) {
  const ConfigSpace config = ConfigSpace::from_bytes(counting(64));
  EXPECT_TRUE(config.read8(63).has_value());
  EXPECT_EQ(config.read16(63), std::nullopt);
  EXPECT_EQ(config.read32(62), std::nullopt);
  EXPECT_TRUE(config.read32(60).has_value());
}

TEST(ConfigSpace, ReadsBeyondTheSpaceAreUnknownNotCrashes) {
  const ConfigSpace config = ConfigSpace::from_bytes(counting(4096));
  EXPECT_TRUE(config.read32(4092).has_value());
  EXPECT_EQ(config.read32(4093), std::nullopt);
  EXPECT_EQ(config.read16(4095), std::nullopt);
  EXPECT_EQ(config.read8(4096), std::nullopt);
  constexpr auto kHuge = std::numeric_limits<std::size_t>::max();
  EXPECT_EQ(config.read8(kHuge), std::nullopt);
  EXPECT_EQ(config.read32(kHuge - 1), std::nullopt);  // offset + 4 wraps around
  EXPECT_FALSE(config.is_known(0, kHuge));
  EXPECT_FALSE(config.is_known(kHuge, 2));
}

TEST(ConfigSpace, SetMarksKnownAndKeepsTheRestUnknown) {
  ConfigSpace config;
  config.set16(0x00, 0x1af4);
  config.set32(0x100, 0x00010001);
  config.set8(0x0e, 0x80);
  EXPECT_EQ(config.read16(0x00), 0x1af4);
  EXPECT_EQ(config.read8(0x00), 0xf4);
  EXPECT_EQ(config.read32(0x100), 0x00010001u);
  EXPECT_EQ(config.read8(0x0e), 0x80);
  EXPECT_EQ(config.read16(0x02), std::nullopt);  // never set: unknown, not zero
  EXPECT_EQ(config.read16(0x0e), std::nullopt);
  EXPECT_EQ(config.known_prefix(), 2u);
  EXPECT_FALSE(config.empty());
}

TEST(ConfigSpace, SetOutOfRangeIsIgnored) {
  ConfigSpace config;
  config.set32(4094, 0xffffffff);
  config.set16(4095, 0xffff);
  config.set8(4096, 0xff);
  EXPECT_TRUE(config.empty());
  config.set8(4095, 0x12);
  EXPECT_EQ(config.read8(4095), 0x12);
}

TEST(ConfigSpace, ForgetMakesBytesUnknownAgain) {
  ConfigSpace config = ConfigSpace::from_bytes(counting(256));
  config.forget(0x40, 0x10);
  EXPECT_EQ(config.read8(0x40), std::nullopt);
  EXPECT_EQ(config.read8(0x4f), std::nullopt);
  EXPECT_TRUE(config.read8(0x50).has_value());
  EXPECT_TRUE(config.read8(0x3f).has_value());
  EXPECT_EQ(config.known_prefix(), 0x40u);
  config.forget(0xf0, std::numeric_limits<std::size_t>::max());  // clamps to the end
  EXPECT_EQ(config.read8(0xff), std::nullopt);
  EXPECT_TRUE(config.read8(0xef).has_value());
  config.forget(5000, 10);  // beyond the space: nothing to do
}

TEST(ConfigSpace, RawShowsUnknownBytesAsZero) {
  ConfigSpace config = ConfigSpace::from_bytes(counting(8));
  config.forget(0, 1);
  EXPECT_EQ(config.raw()[0], 0);
  EXPECT_EQ(config.raw()[1], counting(8)[1]);
}

}  // namespace
}  // namespace isogroup::pci
