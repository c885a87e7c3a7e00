// DMA mapping through Container: IOVA choice, overlap, failures, RAII unmapping.
#include "isogroup/vfio/container.h"

#include <cerrno>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes/fake_vfio.h"
#include "isogroup/vfio/group.h"

namespace isogroup::vfio {
namespace {

using ::isogroup::testing::FakeVfio;
using ::isogroup::testing::FakeVfioGroup;
using ::isogroup::testing::HostPages;
using ::isogroup::testing::fake_pci_function;
using ::testing::HasSubstr;
using Mappings = std::map<std::uint64_t, std::uint64_t>;

class ContainerDmaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake->add_group(FakeVfioGroup{3, false, {}, {fake_pci_function("0000:02:00.0", 0x10de, 0x1eb8)}});
    // The VT-d picture: everything below 4 GiB except the interrupt window 0xfee00000.
    fake->set_iova_ranges(std::vector<IovaRange>{{0x0, 0xfedfffff}, {0xfef00000, 0xffffffff}});
  }
  // Opens container + group 3 and sets the IOMMU.
  void attach() {
    auto c = Container::open(fake);
    ASSERT_TRUE(c) << c.error().to_string();
    auto g = Group::open(fake, GroupId{3});
    ASSERT_TRUE(g) << g.error().to_string();
    ASSERT_TRUE((*g)->set_container(*c));
    auto status = (*c)->set_iommu();
    ASSERT_TRUE(status) << status.error().to_string();
    container = *c;
    group = *g;
  }
  std::shared_ptr<FakeVfio> fake = std::make_shared<FakeVfio>();
  std::shared_ptr<Container> container;
  std::shared_ptr<Group> group;
};

TEST_F(ContainerDmaTest, ReadsTheIommusRangesAndSmallestPage) {
  fake->set_page_sizes(0x40201000);
  ASSERT_NO_FATAL_FAILURE(attach());
  ASSERT_NE(container->iova_allocator(), nullptr);
  EXPECT_EQ(container->iova_allocator()->page_size(), 0x1000u);
  EXPECT_EQ(container->iova_allocator()->valid_ranges(),
            (std::vector<IovaRange>{{0x0, 0xfedfffff}, {0xfef00000, 0xffffffff}}));
}

TEST_F(ContainerDmaTest, AllocatesInsideTheReportedRangesUntilFullThenReuses) {
  fake->set_iova_ranges(std::vector<IovaRange>{{0x200000, 0x203fff}});
  ASSERT_NO_FATAL_FAILURE(attach());
  HostPages pages(2);
  auto a = container->map_dma(pages.span());
  auto b = container->map_dma(pages.span());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->iova(), 0x200000u);
  EXPECT_EQ(b->iova(), 0x202000u);
  auto full = container->map_dma(pages.span());
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().errno_, ENOSPC);
  ASSERT_TRUE(a->unmap());
  auto again = container->map_dma(pages.span());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->iova(), 0x200000u);
  EXPECT_EQ(fake->mappings(container->fd()), (Mappings{{0x200000, 0x2000}, {0x202000, 0x2000}}));
}

TEST_F(ContainerDmaTest, FallsBackToAConservativeRangeWhenNoneIsReported) {
  fake->set_iova_ranges(std::nullopt);
  ASSERT_NO_FATAL_FAILURE(attach());
  ASSERT_TRUE(container->iommu_info());
  EXPECT_FALSE(container->iommu_info()->iova_ranges);  // unknown stays unknown
  HostPages pages(1);
  auto mapping = container->map_dma(pages.span());
  ASSERT_TRUE(mapping);
  EXPECT_EQ(mapping->iova(), ContainerOptions{}.fallback_iova_range.start);
}

TEST_F(ContainerDmaTest, OverlappingFixedMapIsRefusedAndLeavesTheFirstIntact) {
  ASSERT_NO_FATAL_FAILURE(attach());
  HostPages two(2), one(1);
  auto first = container->map_dma_at(0x100000, two.span());
  ASSERT_TRUE(first) << first.error().to_string();
  auto overlap = container->map_dma_at(0x101000, one.span());
  ASSERT_FALSE(overlap);
  EXPECT_EQ(overlap.error().errno_, EEXIST);
  EXPECT_THAT(overlap.error().hint_, HasSubstr("already mapped"));
  // An automatic IOVA steers clear of it.
  auto automatic = container->map_dma(one.span());
  ASSERT_TRUE(automatic);
  EXPECT_TRUE(automatic->iova() + 0x1000 <= 0x100000 || automatic->iova() >= 0x102000);
  EXPECT_EQ(fake->mappings(container->fd()).at(0x100000), 0x2000u);
}

TEST_F(ContainerDmaTest, FixedMapInTheInterruptWindowIsRefusedBeforeTheKernel) {
  ASSERT_NO_FATAL_FAILURE(attach());
  HostPages one(1);
  auto in_hole = container->map_dma_at(0xfee00000, one.span());
  ASSERT_FALSE(in_hole);
  EXPECT_EQ(in_hole.error().errno_, EINVAL);
  EXPECT_TRUE(fake->mappings(container->fd()).empty());
}

TEST_F(ContainerDmaTest, RefusesMemoryThatIsNotWholePages) {
  ASSERT_NO_FATAL_FAILURE(attach());
  HostPages pages(2);
  auto odd = container->map_dma(pages.span().subspan(8, 4096));
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().code_, Errc::kInvalidInput);
  // The IOVA picked for the failed attempt is free again.
  auto good = container->map_dma(pages.span().first(4096));
  ASSERT_TRUE(good);
  EXPECT_EQ(good->iova(), 0x0u);
}

TEST_F(ContainerDmaTest, KernelRefusalReleasesTheIovaAndExplains) {
  ASSERT_NO_FATAL_FAILURE(attach());
  fake->inject_failure("VFIO_IOMMU_MAP_DMA", ENOMEM);
  HostPages pages(1);
  auto refused = container->map_dma(pages.span());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().errno_, ENOMEM);
  EXPECT_THAT(refused.error().hint_, HasSubstr("RLIMIT_MEMLOCK"));
  auto next = container->map_dma(pages.span());
  ASSERT_TRUE(next);
  EXPECT_EQ(next->iova(), 0x0u);
}

TEST_F(ContainerDmaTest, MappingUnmapsWhenDestroyed) {
  ASSERT_NO_FATAL_FAILURE(attach());
  HostPages pages(1);
  {
    auto mapping = container->map_dma(pages.span(), DmaAccess::kDeviceReads);
    ASSERT_TRUE(mapping);
    EXPECT_EQ(fake->mappings(container->fd()).size(), 1u);
    DmaMapping moved = std::move(*mapping);
    EXPECT_FALSE(mapping->mapped());
    EXPECT_TRUE(moved.mapped());
  }
  EXPECT_TRUE(fake->mappings(container->fd()).empty());
}

TEST_F(ContainerDmaTest, UnmapNoticesAMappingRemovedBehindItsBack) {
  ASSERT_NO_FATAL_FAILURE(attach());
  HostPages pages(1);
  auto mapping = container->map_dma(pages.span());
  ASSERT_TRUE(mapping);
  ASSERT_TRUE(fake->iommu_unmap_dma(container->fd(), mapping->iova(), mapping->size()));
  auto status = mapping->unmap();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code_, Errc::kInconsistent);
}

TEST_F(ContainerDmaTest, SetIommuWithoutInterruptRemappingExplains) {
  auto c = Container::open(fake);
  auto g = Group::open(fake, GroupId{3});
  ASSERT_TRUE(c && g);
  ASSERT_TRUE((*g)->set_container(*c));
  fake->inject_failure("VFIO_SET_IOMMU", EPERM);
  auto status = (*c)->set_iommu();
  ASSERT_FALSE(status);
  EXPECT_THAT(status.error().hint_, HasSubstr("allow_unsafe_interrupts"));
  EXPECT_FALSE((*c)->iommu_set());
}

TEST_F(ContainerDmaTest, SmallestReportedPageDecidesAlignment) {
  fake->set_page_sizes(0x40200000);  // 2 MiB and 1 GiB only
  ASSERT_NO_FATAL_FAILURE(attach());
  EXPECT_EQ(container->iova_allocator()->page_size(), 0x200000u);
  HostPages small(1);
  EXPECT_FALSE(container->map_dma(small.span()));
}

}  // namespace
}  // namespace isogroup::vfio
