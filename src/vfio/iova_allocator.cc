#include "isogroup/vfio/iova_allocator.h"

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace isogroup::vfio {

IovaAllocator::IovaAllocator(std::vector<IovaRange> valid_ranges, std::uint64_t page_size)
    : page_size_(page_size) {
  const std::uint64_t mask = page_size_ - 1;
  for (const IovaRange& range : valid_ranges) {
    if (range.last < range.start) continue;
    // First page that starts inside the range, last page that ends inside it.
    std::uint64_t start = range.start & ~mask;
    if (start < range.start) {
      if (start > UINT64_MAX - page_size_) continue;
      start += page_size_;
    }
    // The byte before the page that holds range.last, unless that page is whole.
    const std::uint64_t last_page = range.last & ~mask;
    std::uint64_t last = range.last;
    if ((range.last & mask) != mask) {
      if (last_page == 0) continue;
      last = last_page - 1;
    }
    if (last < start) continue;
    valid_.push_back(IovaRange{start, last});
  }
  std::sort(valid_.begin(), valid_.end(),
            [](const IovaRange& a, const IovaRange& b) { return a.start < b.start; });
  // The kernel reports disjoint ranges; merge overlaps anyway so free stretches stay disjoint.
  std::vector<IovaRange> merged;
  for (const IovaRange& range : valid_) {
    if (!merged.empty() && (merged.back().last == UINT64_MAX || range.start <= merged.back().last + 1)) {
      merged.back().last = std::max(merged.back().last, range.last);
    } else {
      merged.push_back(range);
    }
  }
  valid_ = std::move(merged);
  for (const IovaRange& range : valid_) release_range(range.start, range.last);
}

std::uint64_t IovaAllocator::round_up(std::uint64_t size) const {
  if (size > UINT64_MAX - (page_size_ - 1)) return 0;
  return (size + page_size_ - 1) & ~(page_size_ - 1);
}

Result<std::uint64_t> IovaAllocator::allocate(std::uint64_t size) {
  const std::uint64_t need = round_up(size);
  if (need == 0) {
    return make_errno_error(EINVAL, fmt::format("cannot allocate an IOVA range of {:#x} bytes", size));
  }
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const auto [start, last] = *it;
    if (last - start < need - 1) continue;
    free_.erase(it);
    if (last - start > need - 1) free_.emplace(start + need, last);
    return start;
  }
  return make_errno_error(ENOSPC,
                          fmt::format("no free IOVA range of {:#x} bytes ({:#x} bytes free in "
                                      "pieces)",
                                      need, free_bytes()),
                          {}, "unmap DMA mappings that are no longer needed, or map less");
}

Status IovaAllocator::reserve(std::uint64_t iova, std::uint64_t size) {
  const std::uint64_t need = round_up(size);
  if (need == 0 || (iova & (page_size_ - 1)) != 0 || iova > UINT64_MAX - (need - 1)) {
    return make_errno_error(EINVAL,
                            fmt::format("IOVA {:#x} size {:#x} is not page-aligned ({:#x})", iova,
                                        size, page_size_));
  }
  const std::uint64_t last = iova + (need - 1);
  bool inside_valid = std::any_of(valid_.begin(), valid_.end(), [&](const IovaRange& r) {
    return r.start <= iova && last <= r.last;
  });
  if (!inside_valid) {
    return make_errno_error(EINVAL,
                            fmt::format("IOVA {:#x}-{:#x} is outside the IOMMU's valid ranges",
                                        iova, last),
                            {}, "let the container choose the IOVA (map_dma without an address)");
  }
  auto it = free_.upper_bound(iova);
  if (it == free_.begin() || std::prev(it)->second < last) {
    return make_errno_error(EEXIST,
                            fmt::format("IOVA {:#x}-{:#x} overlaps an existing DMA mapping", iova,
                                        last));
  }
  --it;
  const auto [start, free_last] = *it;
  free_.erase(it);
  if (start < iova) free_.emplace(start, iova - 1);
  if (last < free_last) free_.emplace(last + 1, free_last);
  return {};
}

void IovaAllocator::release(std::uint64_t iova, std::uint64_t size) {
  const std::uint64_t need = round_up(size);
  if (need == 0 || iova > UINT64_MAX - (need - 1)) return;
  release_range(iova, iova + (need - 1));
}

void IovaAllocator::release_range(std::uint64_t start, std::uint64_t last) {
  // Merge with the neighbours so first fit sees one stretch again.
  auto next = free_.upper_bound(start);
  if (next != free_.end() && last != UINT64_MAX && next->first == last + 1) {
    last = next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->second != UINT64_MAX && prev->second + 1 == start) {
      start = prev->first;
      free_.erase(prev);
    }
  }
  free_[start] = last;
}

std::uint64_t IovaAllocator::free_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [start, last] : free_) {
    const std::uint64_t bytes = last - start + 1;
    total = bytes == 0 || total > UINT64_MAX - bytes ? UINT64_MAX : total + bytes;
  }
  return total;
}

}  // namespace isogroup::vfio
