// The buffers are laid out with the uAPI structs themselves, as the kernel fills them
// (vfio_iommu_type1_info, then capabilities chained by absolute offset).
#include "isogroup/vfio/info_decode.h"

#include <linux/vfio.h>

#include <cstddef>
#include <cstring>

#include <gtest/gtest.h>

namespace isogroup::vfio {
namespace {

class Buffer {
 public:
  template <class T>
  std::size_t put(const T& value) {
    std::size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
    return at;
  }
  template <class T>
  void put_at(std::size_t at, const T& value) {
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
  }
  std::span<const std::byte> span() const { return bytes_; }
  std::span<const std::byte> first(std::size_t n) const { return span().first(n); }

 private:
  std::vector<std::byte> bytes_;
};

// The fixed part of vfio_iommu_type1_info_cap_iova_range (which ends in a flexible array,
// so it is not instantiated): header, nr_iovas, reserved.
std::size_t put_iova_range_cap(Buffer& b, std::uint32_t next, std::uint32_t nr_iovas) {
  using Cap = vfio_iommu_type1_info_cap_iova_range;
  vfio_info_cap_header header{};
  header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
  header.version = 1;
  header.next = next;
  std::size_t at = b.put(header);
  static_assert(offsetof(Cap, nr_iovas) == sizeof(vfio_info_cap_header));
  b.put(nr_iovas);
  b.put(std::uint32_t{0});
  static_assert(offsetof(Cap, iova_ranges) == sizeof(vfio_info_cap_header) + 8);
  return at;
}

vfio_iommu_type1_info head(std::uint32_t flags, std::uint64_t pgsizes, std::uint32_t cap_offset) {
  vfio_iommu_type1_info info{};
  info.argsz = sizeof(info);
  info.flags = flags;
  info.iova_pgsizes = pgsizes;
  info.cap_offset = cap_offset;
  return info;
}

// Two IOVA ranges around the x86 MSI window, as a VT-d host reports them.
Buffer iommu_info_with_ranges(std::uint32_t next_after_ranges = 0) {
  Buffer b;
  b.put(head(VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS, 0x40201000, sizeof(vfio_iommu_type1_info)));
  put_iova_range_cap(b, next_after_ranges, 2);
  b.put(vfio_iova_range{0x0, 0xfedfffff});
  b.put(vfio_iova_range{0xfef00000, 0x7fffffffff});
  return b;
}

TEST(DecodeIommuType1Info, ReadsPageSizesAndIovaRanges) {
  Buffer b = iommu_info_with_ranges();
  auto info = decode_iommu_type1_info(b.span());
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->page_sizes, 0x40201000u);
  ASSERT_TRUE(info->iova_ranges);
  EXPECT_EQ(*info->iova_ranges,
            (std::vector<IovaRange>{{0x0, 0xfedfffff}, {0xfef00000, 0x7fffffffff}}));
}

TEST(DecodeIommuType1Info, LeavesUnreportedFieldsUnknown) {
  Buffer b;
  b.put(head(0, 0xdead000, 0));  // no PGSIZES flag: the page-size field is not meaningful
  auto info = decode_iommu_type1_info(b.span());
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->page_sizes);
  EXPECT_FALSE(info->iova_ranges);
}

TEST(DecodeIommuType1Info, SkipsCapabilitiesItDoesNotKnow) {
  Buffer b;
  b.put(head(VFIO_IOMMU_INFO_CAPS, 0, sizeof(vfio_iommu_type1_info)));
  vfio_iommu_type1_info_dma_avail avail{};
  avail.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
  avail.header.version = 1;
  avail.avail = 65535;
  std::size_t at = b.put(avail);
  avail.header.next = static_cast<std::uint32_t>(put_iova_range_cap(b, 0, 1));
  b.put_at(at, avail);
  b.put(vfio_iova_range{0x1000, 0xffff});
  auto info = decode_iommu_type1_info(b.span());
  ASSERT_TRUE(info) << info.error().to_string();
  ASSERT_TRUE(info->iova_ranges);
  EXPECT_EQ(*info->iova_ranges, (std::vector<IovaRange>{{0x1000, 0xffff}}));
}

TEST(DecodeIommuType1Info, RefusesALoopingChain) {
  // The IOVA capability names itself as next.
  Buffer b = iommu_info_with_ranges(sizeof(vfio_iommu_type1_info));
  auto info = decode_iommu_type1_info(b.span());
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code_, Errc::kInvalidInput);
}

TEST(DecodeIommuType1Info, RefusesTruncatedAnswersAtEveryLength) {
  Buffer b = iommu_info_with_ranges();
  const std::size_t full = b.span().size();
  for (std::size_t n = 0; n < full; ++n) {
    auto info = decode_iommu_type1_info(b.first(n));
    EXPECT_FALSE(info) << "accepted " << n << " of " << full << " bytes";
  }
}

TEST(DecodeIommuType1Info, RefusesARangeThatEndsBeforeItStarts) {
  Buffer b;
  b.put(head(VFIO_IOMMU_INFO_CAPS, 0, sizeof(vfio_iommu_type1_info)));
  put_iova_range_cap(b, 0, 1);
  b.put(vfio_iova_range{0x2000, 0x1000});
  EXPECT_FALSE(decode_iommu_type1_info(b.span()));
}

TEST(DecodeHotResetInfo, ReadsEveryDependentDevice) {
  Buffer b;
  // vfio_pci_hot_reset_info's fixed part: argsz, flags, count.
  static_assert(offsetof(vfio_pci_hot_reset_info, devices) == 12);
  b.put(std::uint32_t{12 + 2 * sizeof(vfio_pci_dependent_device)});
  b.put(std::uint32_t{0});
  b.put(std::uint32_t{2});
  b.put(vfio_pci_dependent_device{12, 0, 0x01, 0x00});
  b.put(vfio_pci_dependent_device{13, 0, 0x01, 0x01});
  auto devices = decode_hot_reset_info(b.span());
  ASSERT_TRUE(devices) << devices.error().to_string();
  EXPECT_EQ(*devices, (std::vector<HotResetDependent>{{12, Bdf::make(0, 1, 0, 0)},
                                                      {13, Bdf::make(0, 1, 0, 1)}}));
  // One entry short: refused, not read past the end.
  EXPECT_FALSE(decode_hot_reset_info(b.first(b.span().size() - 1)));
}

}  // namespace
}  // namespace isogroup::vfio
