#include "isogroup/vfio/iova_allocator.h"

#include <cerrno>
#include <set>

#include <gtest/gtest.h>

namespace isogroup::vfio {
namespace {

constexpr std::uint64_t kPage = 0x1000;

TEST(IovaAllocator, RoundsSizesUpToWholePagesAndAlignsEveryIova) {
  IovaAllocator allocator({{0x10000, 0x1ffff}}, kPage);
  auto a = allocator.allocate(1);
  auto b = allocator.allocate(kPage + 1);
  auto c = allocator.allocate(kPage);
  ASSERT_TRUE(a && b && c);
  for (std::uint64_t iova : {*a, *b, *c}) EXPECT_EQ(iova % kPage, 0u) << std::hex << iova;
  // 1 byte took one page, kPage+1 bytes took two: the three never overlap.
  EXPECT_EQ(*a, 0x10000u);
  EXPECT_EQ(*b, 0x11000u);
  EXPECT_EQ(*c, 0x13000u);
}

TEST(IovaAllocator, TrimsUnalignedRangesToTheWholePagesInside) {
  // 0x10800-0x137ff holds whole pages 0x11000-0x12fff only.
  IovaAllocator allocator({{0x10800, 0x137ff}}, kPage);
  ASSERT_EQ(allocator.valid_ranges().size(), 1u);
  EXPECT_EQ(allocator.valid_ranges()[0], (IovaRange{0x11000, 0x12fff}));
  EXPECT_EQ(allocator.free_bytes(), 2 * kPage);
  // A range with no whole page inside is dropped.
  IovaAllocator empty({{0x10001, 0x10fff}}, kPage);
  EXPECT_TRUE(empty.valid_ranges().empty());
  EXPECT_FALSE(empty.allocate(1));
}

TEST(IovaAllocator, NeverAllocatesInTheHoleBetweenRanges) {
  // Like x86's MSI window 0xfee00000-0xfeefffff, which type1 reports as a hole.
  IovaAllocator allocator({{0xfef00000, 0xffffffff}, {0, 0xfedfffff}}, kPage);
  const std::uint64_t hole_start = 0xfee00000, hole_last = 0xfeefffff;
  // Fill the low range exactly; the next piece must skip the hole.
  auto low = allocator.allocate(0xfee00000);
  ASSERT_TRUE(low);
  EXPECT_EQ(*low, 0u);
  auto high = allocator.allocate(0x100000);
  ASSERT_TRUE(high);
  EXPECT_EQ(*high, 0xfef00000u);
  EXPECT_TRUE(*high + 0x100000 - 1 < hole_start || *high > hole_last);
  // A request larger than any single range fails even though the total would fit.
  IovaAllocator split({{0x0, 0x1fff}, {0x10000, 0x11fff}}, kPage);
  EXPECT_EQ(split.free_bytes(), 4 * kPage);
  auto too_big = split.allocate(3 * kPage);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().errno_, ENOSPC);
}

TEST(IovaAllocator, ReportsExhaustionWithAHint) {
  IovaAllocator allocator({{0x0, 0x3fff}}, kPage);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(allocator.allocate(kPage)) << i;
  auto none = allocator.allocate(kPage);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().errno_, ENOSPC);
  EXPECT_FALSE(none.error().hint_.empty());
}

TEST(IovaAllocator, ReusesReleasedSpaceAndMergesNeighbours) {
  IovaAllocator allocator({{0x0, 0x3fff}}, kPage);
  std::vector<std::uint64_t> got;
  for (int i = 0; i < 4; ++i) got.push_back(*allocator.allocate(kPage));
  allocator.release(got[1], kPage);
  EXPECT_EQ(*allocator.allocate(kPage), got[1]);
  // Free pages 1 and 2 separately; only merged do they hold a two-page request.
  allocator.release(got[1], kPage);
  allocator.release(got[2], kPage);
  auto two = allocator.allocate(2 * kPage);
  ASSERT_TRUE(two);
  EXPECT_EQ(*two, got[1]);
  EXPECT_EQ(allocator.free_bytes(), 0u);
}

TEST(IovaAllocator, ReserveRefusesOverlapsUnalignedAndOutsideRanges) {
  IovaAllocator allocator({{0x10000, 0x1ffff}}, kPage);
  ASSERT_TRUE(allocator.reserve(0x12000, 2 * kPage));
  auto overlap = allocator.reserve(0x13000, kPage);
  ASSERT_FALSE(overlap);
  EXPECT_EQ(overlap.error().errno_, EEXIST);
  auto unaligned = allocator.reserve(0x14800, kPage);
  ASSERT_FALSE(unaligned);
  EXPECT_EQ(unaligned.error().errno_, EINVAL);
  auto outside = allocator.reserve(0x1f000, 2 * kPage);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().errno_, EINVAL);
  // allocate() skips what reserve() took.
  std::set<std::uint64_t> seen;
  while (auto iova = allocator.allocate(kPage)) seen.insert(*iova);
  EXPECT_EQ(seen.count(0x12000), 0u);
  EXPECT_EQ(seen.count(0x13000), 0u);
  EXPECT_EQ(seen.size(), 14u);  // 16 pages less the 2 reserved
}

TEST(IovaAllocator, HandlesARangeThatEndsAtTheTopOfTheAddressSpace) {
  IovaAllocator allocator({{0xffffffffffffe000, UINT64_MAX}}, kPage);
  EXPECT_EQ(allocator.free_bytes(), 2 * kPage);
  auto a = allocator.allocate(2 * kPage);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 0xffffffffffffe000u);
  allocator.release(*a, 2 * kPage);
  EXPECT_EQ(allocator.free_bytes(), 2 * kPage);
  EXPECT_FALSE(allocator.allocate(UINT64_MAX));  // rounding up would overflow
}

TEST(IovaAllocator, UsesTheLargerPageSizeItIsGiven) {
  constexpr std::uint64_t k2M = 0x200000;
  IovaAllocator allocator({{0x100000, 0x7fffff}}, k2M);
  auto a = allocator.allocate(1);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a % k2M, 0u);
  EXPECT_EQ(*a, 0x200000u);  // 0x100000 is not 2 MiB-aligned
}

}  // namespace
}  // namespace isogroup::vfio
