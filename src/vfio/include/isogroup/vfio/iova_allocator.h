// IovaAllocator: hands out IO virtual addresses for DMA maps inside the ranges the IOMMU
// accepts (VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE), page-aligned, first fit. A MAP_DMA outside
// those ranges fails with EINVAL in vfio_iommu_type1 (vfio_iommu_iova_dma_valid), so the
// allocator never proposes one.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/vfio/syscalls.h"

namespace isogroup::vfio {

class IovaAllocator {
 public:
  // page_size must be a power of two. Ranges may be unsorted and unaligned: only the
  // whole pages inside them are used.
  IovaAllocator(std::vector<IovaRange> valid_ranges, std::uint64_t page_size);

  // A free, page-aligned IOVA for `size` bytes (rounded up to whole pages), first fit.
  // ENOSPC error when no free stretch is large enough.
  [[nodiscard]] Result<std::uint64_t> allocate(std::uint64_t size);
  // Claims [iova, iova+size) for a caller-chosen address. EINVAL when it is unaligned or
  // outside the valid ranges, EEXIST when it overlaps an earlier claim.
  [[nodiscard]] Status reserve(std::uint64_t iova, std::uint64_t size);
  // Gives back what allocate/reserve returned (the same iova and size).
  void release(std::uint64_t iova, std::uint64_t size);

  std::uint64_t page_size() const { return page_size_; }
  const std::vector<IovaRange>& valid_ranges() const { return valid_; }
  std::uint64_t free_bytes() const;

 private:
  std::uint64_t round_up(std::uint64_t size) const;  // 0 when it would overflow
  void release_range(std::uint64_t start, std::uint64_t last);

  std::uint64_t page_size_;
  std::vector<IovaRange> valid_;  // page-trimmed, sorted
  // Free stretches: start -> last (inclusive), disjoint, not adjacent (merged on release).
  std::map<std::uint64_t, std::uint64_t> free_;
};

}  // namespace isogroup::vfio
