// Container: an open /dev/vfio/vfio, the legacy VFIO IOMMU context that groups join.
// DmaMapping: one VFIO_IOMMU_MAP_DMA, unmapped when the handle is destroyed.
//
// Lifecycle (reference §6.1, drivers/vfio/container.c): open the container, set a group's
// container (VFIO_GROUP_SET_CONTAINER), then choose the IOMMU type (VFIO_SET_IOMMU, allowed
// only once a group is in), then map DMA. When the last group leaves, the kernel releases
// the IOMMU and drops every mapping; the Container mirrors that (mappings made before turn
// into no-ops, and set_iommu is needed again).
//
// Not thread-safe: one thread drives a Container and what hangs off it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "isogroup/core/error.h"
#include "isogroup/vfio/iova_allocator.h"
#include "isogroup/vfio/syscalls.h"

namespace isogroup::vfio {

// VFIO_SET_IOMMU types this library drives (values of linux/vfio.h).
enum class IommuType : std::uint32_t {
  kType1v2 = 3,  // VFIO_TYPE1v2_IOMMU
  kNoIommu = 8,  // VFIO_NOIOMMU_IOMMU: no translation, no isolation (reference §6.5)
};
std::string_view to_string(IommuType type);

// The VFIO API version this library speaks (VFIO_API_VERSION).
inline constexpr int kVfioApiVersion = 0;

struct ContainerOptions {
  std::string path = "/dev/vfio/vfio";
  IommuType iommu_type = IommuType::kType1v2;
  // Used only when the kernel does not report valid IOVA ranges (before v5.4). 39 bits is
  // the smallest input address width of the common IOMMUs (VT-d with 3-level tables), and
  // the first MiB is left out because x86 reserves low addresses for legacy ranges.
  IovaRange fallback_iova_range{0x100000, (std::uint64_t{1} << 39) - 1};
};

// What the device may do with host memory through a mapping.
enum class DmaAccess { kDeviceReads, kDeviceWrites, kReadWrite };

class Container;

class DmaMapping {
 public:
  DmaMapping(DmaMapping&& other) noexcept;
  DmaMapping& operator=(DmaMapping&& other) noexcept;
  DmaMapping(const DmaMapping&) = delete;
  DmaMapping& operator=(const DmaMapping&) = delete;
  ~DmaMapping();  // unmaps; an error here cannot be reported, call unmap() to see it

  std::uint64_t iova() const { return iova_; }
  std::uint64_t size() const { return size_; }
  bool mapped() const { return container_ != nullptr; }

  // Unmaps now and reports the result. Idempotent.
  [[nodiscard]] Status unmap();

 private:
  friend class Container;
  DmaMapping(std::shared_ptr<Container> container, std::uint64_t iova, std::uint64_t size,
             std::uint64_t generation);

  std::shared_ptr<Container> container_;  // keeps the container fd open while mapped
  std::uint64_t iova_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t generation_ = 0;
};

class Container : public std::enable_shared_from_this<Container> {
 public:
  // Opens the container, checks VFIO_GET_API_VERSION and that the IOMMU type is supported.
  [[nodiscard]] static Result<std::shared_ptr<Container>> open(std::shared_ptr<VfioSyscalls> syscalls,
                                                               ContainerOptions options = {});
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;
  ~Container();

  // VFIO_SET_IOMMU with the type given at open; then reads the IOMMU's page sizes and
  // valid IOVA ranges (type1) for the allocator. Needs a group set first.
  [[nodiscard]] Status set_iommu();
  bool iommu_set() const { return iommu_set_; }
  IommuType iommu_type() const { return options_.iommu_type; }
  // nullopt before set_iommu and for noiommu (which answers no IOMMU ioctls).
  const std::optional<IommuInfo>& iommu_info() const { return iommu_info_; }
  // The allocator in use (nullptr before set_iommu).
  const IovaAllocator* iova_allocator() const { return allocator_ ? &*allocator_ : nullptr; }

  // Maps page-aligned host memory at an IOVA the allocator picks.
  [[nodiscard]] Result<DmaMapping> map_dma(std::span<std::byte> host,
                                           DmaAccess access = DmaAccess::kReadWrite);
  // Maps at a caller-chosen IOVA (must be page-aligned, inside the valid ranges, and free).
  [[nodiscard]] Result<DmaMapping> map_dma_at(std::uint64_t iova, std::span<std::byte> host,
                                              DmaAccess access = DmaAccess::kReadWrite);

  int fd() const { return fd_; }
  const std::string& path() const { return options_.path; }
  std::size_t group_count() const { return groups_; }
  VfioSyscalls& syscalls() const { return *syscalls_; }

 private:
  friend class Group;
  friend class DmaMapping;
  Container(std::shared_ptr<VfioSyscalls> syscalls, ContainerOptions options, int fd);

  void group_attached() { ++groups_; }
  void group_detached();
  Status unmap(std::uint64_t iova, std::uint64_t size, std::uint64_t generation);
  Result<DmaMapping> map_reserved(std::uint64_t iova, std::span<std::byte> host, DmaAccess access);

  std::shared_ptr<VfioSyscalls> syscalls_;
  ContainerOptions options_;
  int fd_ = -1;
  std::size_t groups_ = 0;
  bool iommu_set_ = false;
  std::optional<IommuInfo> iommu_info_;
  std::optional<IovaAllocator> allocator_;
  // Bumped when the kernel drops all mappings (the last group left), so older DmaMappings
  // know there is nothing left to unmap.
  std::uint64_t generation_ = 0;
};

}  // namespace isogroup::vfio
