// VfioSyscalls: the one seam between isogroup and the kernel's VFIO uAPI (linux/vfio.h).
// Every open/close/ioctl/pread/pwrite on /dev/vfio/* goes through it, so the RAII types in
// container.h, group.h and device.h run unchanged against LinuxVfioSyscalls (the kernel)
// and against the stateful fake in tests/fakes/fake_vfio.h. Reference §6.
//
// The methods are typed: the Linux implementation packs and unpacks the uAPI structs
// (argsz, capability chains), so a fake models behaviour, not byte layouts.
// Errors are errno errors (Error::errno_ set) naming the call; the RAII layer adds hints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isogroup/core/bdf.h"
#include "isogroup/core/error.h"

namespace isogroup::vfio {

// VFIO_GROUP_GET_STATUS flags (reference §6.2).
struct GroupStatus {
  bool viable = false;         // VFIO_GROUP_FLAGS_VIABLE
  bool container_set = false;  // VFIO_GROUP_FLAGS_CONTAINER_SET
};

// VFIO_DEVICE_GET_INFO.
struct DeviceInfo {
  std::uint32_t flags = 0;  // VFIO_DEVICE_FLAGS_*
  std::uint32_t num_regions = 0;
  std::uint32_t num_irqs = 0;

  bool supports_reset() const;  // VFIO_DEVICE_FLAGS_RESET
  bool is_pci() const;          // VFIO_DEVICE_FLAGS_PCI
};

// VFIO_DEVICE_GET_REGION_INFO. offset is where the region starts in the device fd.
struct RegionInfo {
  std::uint32_t index = 0;
  std::uint32_t flags = 0;  // VFIO_REGION_INFO_FLAG_*
  std::uint64_t size = 0;
  std::uint64_t offset = 0;

  bool readable() const;
  bool writable() const;
};

// One valid IOVA range; `last` is inclusive, as the uAPI's vfio_iova_range.end is, so a
// range that reaches 2^64-1 needs no overflow.
struct IovaRange {
  std::uint64_t start = 0;
  std::uint64_t last = 0;
  friend bool operator==(const IovaRange&, const IovaRange&) = default;
};

// VFIO_IOMMU_GET_INFO for type1. A field the kernel did not report stays nullopt:
// kernels before v5.4 have no IOVA-range capability, and that is not "no valid range".
struct IommuInfo {
  std::optional<std::uint64_t> page_sizes;             // VFIO_IOMMU_INFO_PGSIZES bitmap
  std::optional<std::vector<IovaRange>> iova_ranges;   // VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE
};

// VFIO_IOMMU_MAP_DMA.
struct DmaMapRequest {
  std::uint64_t vaddr = 0;
  std::uint64_t iova = 0;
  std::uint64_t size = 0;
  bool device_reads = true;   // VFIO_DMA_MAP_FLAG_READ: the device may read host memory
  bool device_writes = true;  // VFIO_DMA_MAP_FLAG_WRITE
};

// One entry of VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: a function a bus reset would also hit.
struct HotResetDependent {
  std::uint32_t group_id = 0;
  Bdf bdf;
  friend bool operator==(const HotResetDependent&, const HotResetDependent&) = default;
};

class VfioSyscalls {
 public:
  virtual ~VfioSyscalls() = default;

  [[nodiscard]] virtual Result<int> open(const std::string& path, int flags) = 0;
  [[nodiscard]] virtual Status close(int fd) = 0;

  // Container fd (/dev/vfio/vfio).
  [[nodiscard]] virtual Result<int> get_api_version(int container_fd) = 0;
  // true when the extension (an IOMMU type such as VFIO_TYPE1v2_IOMMU) is supported.
  [[nodiscard]] virtual Result<bool> check_extension(int container_fd, std::uint32_t extension) = 0;
  [[nodiscard]] virtual Status set_iommu(int container_fd, std::uint32_t iommu_type) = 0;
  [[nodiscard]] virtual Result<IommuInfo> iommu_get_info(int container_fd) = 0;
  [[nodiscard]] virtual Status iommu_map_dma(int container_fd, const DmaMapRequest& request) = 0;
  // Returns the number of bytes the kernel unmapped (0 when nothing was mapped there).
  [[nodiscard]] virtual Result<std::uint64_t> iommu_unmap_dma(int container_fd, std::uint64_t iova,
                                                              std::uint64_t size) = 0;

  // Group fd (/dev/vfio/N, /dev/vfio/noiommu-N).
  [[nodiscard]] virtual Result<GroupStatus> group_get_status(int group_fd) = 0;
  [[nodiscard]] virtual Status group_set_container(int group_fd, int container_fd) = 0;
  [[nodiscard]] virtual Status group_unset_container(int group_fd) = 0;
  // name: the device's name in /sys/kernel/iommu_groups/N/devices ("0000:01:00.0").
  [[nodiscard]] virtual Result<int> group_get_device_fd(int group_fd, const std::string& name) = 0;

  // Device fd.
  [[nodiscard]] virtual Result<DeviceInfo> device_get_info(int device_fd) = 0;
  [[nodiscard]] virtual Result<RegionInfo> device_get_region_info(int device_fd,
                                                                  std::uint32_t index) = 0;
  [[nodiscard]] virtual Status device_reset(int device_fd) = 0;
  [[nodiscard]] virtual Result<std::vector<HotResetDependent>> device_get_pci_hot_reset_info(
      int device_fd) = 0;
  // Region access: offset = RegionInfo::offset + offset inside the region. May be short.
  [[nodiscard]] virtual Result<std::size_t> pread(int device_fd, std::span<std::byte> buffer,
                                                  std::uint64_t offset) = 0;
  [[nodiscard]] virtual Result<std::size_t> pwrite(int device_fd, std::span<const std::byte> data,
                                                   std::uint64_t offset) = 0;
};

// The kernel: the only translation unit that includes <sys/ioctl.h> and <linux/vfio.h>'s ioctls.
class LinuxVfioSyscalls final : public VfioSyscalls {
 public:
  Result<int> open(const std::string& path, int flags) override;
  Status close(int fd) override;
  Result<int> get_api_version(int container_fd) override;
  Result<bool> check_extension(int container_fd, std::uint32_t extension) override;
  Status set_iommu(int container_fd, std::uint32_t iommu_type) override;
  Result<IommuInfo> iommu_get_info(int container_fd) override;
  Status iommu_map_dma(int container_fd, const DmaMapRequest& request) override;
  Result<std::uint64_t> iommu_unmap_dma(int container_fd, std::uint64_t iova,
                                        std::uint64_t size) override;
  Result<GroupStatus> group_get_status(int group_fd) override;
  Status group_set_container(int group_fd, int container_fd) override;
  Status group_unset_container(int group_fd) override;
  Result<int> group_get_device_fd(int group_fd, const std::string& name) override;
  Result<DeviceInfo> device_get_info(int device_fd) override;
  Result<RegionInfo> device_get_region_info(int device_fd, std::uint32_t index) override;
  Status device_reset(int device_fd) override;
  Result<std::vector<HotResetDependent>> device_get_pci_hot_reset_info(int device_fd) override;
  Result<std::size_t> pread(int device_fd, std::span<std::byte> buffer,
                            std::uint64_t offset) override;
  Result<std::size_t> pwrite(int device_fd, std::span<const std::byte> data,
                             std::uint64_t offset) override;
};

std::shared_ptr<VfioSyscalls> make_linux_vfio_syscalls();

}  // namespace isogroup::vfio
