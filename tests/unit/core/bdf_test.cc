#include "isogroup/core/bdf.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

namespace isogroup {
namespace {

TEST(BdfParse, FullForm) {
  const auto bdf = Bdf::parse("0000:00:1c.4");
  ASSERT_TRUE(bdf) << bdf.error().to_string();
  EXPECT_EQ(bdf->domain, 0u);
  EXPECT_EQ(bdf->bus, 0x00);
  EXPECT_EQ(bdf->device(), 0x1c);
  EXPECT_EQ(bdf->function(), 4);
  EXPECT_EQ(bdf->devfn, 0x1c << 3 | 4);
}

TEST(BdfParse, ShortFormMeansDomainZero) {
  const auto bdf = Bdf::parse("3b:00.1");
  ASSERT_TRUE(bdf) << bdf.error().to_string();
  EXPECT_EQ(*bdf, Bdf::make(0, 0x3b, 0, 1));
}

TEST(BdfParse, VmdDomainHasFiveDigits) {
  // Intel VMD puts its child buses in domains 0x10000 and up.
  const auto bdf = Bdf::parse("10000:e0:06.0");
  ASSERT_TRUE(bdf) << bdf.error().to_string();
  EXPECT_EQ(bdf->domain, 0x10000u);
  EXPECT_EQ(bdf->bus, 0xe0);
  EXPECT_EQ(bdf->device(), 6);
  EXPECT_EQ(bdf->function(), 0);
}

TEST(BdfParse, UpperCaseHexAndLargestValues) {
  const auto bdf = Bdf::parse("FFFFFFFF:FF:1F.7");
  ASSERT_TRUE(bdf) << bdf.error().to_string();
  EXPECT_EQ(*bdf, Bdf::make(0xffffffffu, 0xff, 0x1f, 7));
}

class BdfParseRejects : public ::testing::TestWithParam<const char*> {};

TEST_P(BdfParseRejects, Malformed) {
  const auto bdf = Bdf::parse(GetParam());
  ASSERT_FALSE(bdf) << "accepted '" << GetParam() << "' as " << bdf->to_string();
  EXPECT_EQ(bdf.error().code_, Errc::kInvalidInput);
  EXPECT_NE(bdf.error().message_.find(GetParam()), std::string::npos);
  EXPECT_FALSE(bdf.error().hint_.empty());
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, BdfParseRejects,
    ::testing::Values("", ":", "00", "00:1f", "0000:00:1f", "00:20.0" /* device > 0x1f */,
                      "00:1f.8" /* function > 7 */, "0000:100:00.0" /* bus > 0xff */,
                      "000:00:00.0" /* domain under four digits */, "123456789:00:00.0",
                      "0000:00:00.0:", "0000::00.0", "00:.0", "00:00.", "g0:00.0", "0x0:00.0",
                      "-1:00.0", "+0:00.0", " 00:00.0", "00:00.0 ", "00:00.0\n", "00:1c.4.5",
                      "00.1c:4", "0000:00:00:00.0"));

TEST(BdfFormat, ToStringAlwaysHasDomain) {
  EXPECT_EQ(Bdf::make(0, 0, 0x1c, 4).to_string(), "0000:00:1c.4");
  EXPECT_EQ(Bdf::make(0x10000, 0xe0, 6, 0).to_string(), "10000:e0:06.0");
  EXPECT_EQ(Bdf::make(0x1, 0xab, 0x1f, 7).to_string(), "0001:ab:1f.7");
}

TEST(BdfFormat, ShortStringDropsOnlyDomainZero) {
  EXPECT_EQ(Bdf::make(0, 0x3b, 0, 1).to_short_string(), "3b:00.1");
  EXPECT_EQ(Bdf::make(0x10000, 0xe0, 6, 0).to_short_string(), "10000:e0:06.0");
}

TEST(BdfFormat, RoundTrips) {
  for (const char* text : {"0000:00:00.0", "0000:ff:1f.7", "10000:e0:06.0", "abcd:12:03.5"}) {
    const auto bdf = Bdf::parse(text);
    ASSERT_TRUE(bdf) << text;
    EXPECT_EQ(bdf->to_string(), text);
    const auto again = Bdf::parse(bdf->to_short_string());
    ASSERT_TRUE(again) << text;
    EXPECT_EQ(*again, *bdf) << text;
  }
}

TEST(Bdf, MakeMasksOutOfRangeParts) {
  // device is five bits and function three: make() keeps them from spilling into each other.
  const Bdf bdf = Bdf::make(0, 1, 0x3f, 0xf);
  EXPECT_EQ(bdf.device(), 0x1f);
  EXPECT_EQ(bdf.function(), 7);
}

TEST(Bdf, OrderIsDomainThenBusThenDevfn) {
  EXPECT_LT(Bdf::make(0, 0xff, 0x1f, 7), Bdf::make(1, 0, 0, 0));
  EXPECT_LT(Bdf::make(0, 1, 0x1f, 7), Bdf::make(0, 2, 0, 0));
  EXPECT_LT(Bdf::make(0, 1, 2, 7), Bdf::make(0, 1, 3, 0));
}

TEST(Bdf, HashSeparatesDomainsAboveSixteenBits) {
  std::unordered_set<Bdf> set{Bdf::make(0, 0, 0, 0), Bdf::make(0x10000, 0, 0, 0),
                              Bdf::make(1, 0, 0, 0)};
  EXPECT_EQ(set.size(), 3u);
}

TEST(BusAddress, Format) {
  EXPECT_EQ((BusAddress{0, 3}).to_string(), "0000:03");
  EXPECT_EQ((BusAddress{0x10000, 0xe0}).to_string(), "10000:e0");
}

}  // namespace
}  // namespace isogroup
