// FakeVfio: a stateful stand-in for the kernel's VFIO uAPI behind vfio::VfioSyscalls.
//
// It models what the legacy container path enforces (reference §6, drivers/vfio/group.c,
// container.c, vfio_iommu_type1.c), with the errno the kernel uses:
//   - /dev/vfio/vfio opens a new container per open; /dev/vfio/N and /dev/vfio/noiommu-N
//     admit one opener (EBUSY), noiommu nodes need CAP_SYS_RAWIO (EPERM);
//   - GROUP_GET_STATUS: VIABLE when no function blocks the group, or once it is in a
//     container; SET_CONTAINER on a non-viable group fails with EPERM (the DMA-ownership
//     claim), a second SET_CONTAINER with EINVAL, mixing noiommu and IOMMU groups with EPERM;
//   - SET_IOMMU needs a group in the container and is accepted once (EINVAL);
//     GET_DEVICE_FD needs the IOMMU set (EINVAL), an unknown name fails with ENODEV;
//     UNSET_CONTAINER with a device open fails with EBUSY; the last group leaving releases the
//     IOMMU and all DMA mappings;
//   - MAP_DMA: page-aligned, inside the valid IOVA ranges (EINVAL), no overlap (EEXIST);
//     UNMAP_DMA: a range that cuts a mapping fails with EINVAL, an empty range unmaps 0 bytes;
//   - a device has config-space bytes readable and writable through region 7 at offset 7<<40,
//     as vfio-pci lays regions out.
// Close order is recorded. Closing a group fd while one of its device fds is open, or a
// container fd while a group is still in it, is recorded as a violation: isogroup's RAII
// types must never do either.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/vfio/syscalls.h"

namespace isogroup::testing {

struct FakeVfioRegion {
  std::uint32_t flags = 0;  // VFIO_REGION_INFO_FLAG_*
  std::uint64_t size = 0;
};

struct FakeVfioDevice {
  std::string name;                   // "0000:01:00.0"
  std::vector<std::uint8_t> config;   // config space, its size is the region's size
  bool pci = true;                    // VFIO_DEVICE_FLAGS_PCI
  bool reset = true;                  // VFIO_DEVICE_FLAGS_RESET
  std::uint32_t num_irqs = 5;         // vfio-pci: INTx, MSI, MSI-X, ERR, REQ
  std::map<std::uint32_t, FakeVfioRegion> bars;  // other regions (index 0-5 BARs, 6 ROM)
  // nullopt: VFIO_DEVICE_GET_PCI_HOT_RESET_INFO fails with ENODEV.
  std::optional<std::vector<vfio::HotResetDependent>> hot_reset_dependents;
};

// A vfio-pci function with a 256-byte config space: vendor and device ID at 0x00/0x02
// (PCI Local Bus 3.0 §6.2.1), and every other byte a function of its offset so a read at
// the wrong offset shows.
FakeVfioDevice fake_pci_function(std::string name, std::uint16_t vendor, std::uint16_t device);

// Page-aligned host memory for DMA-map tests (the fake never touches it).
class HostPages {
 public:
  explicit HostPages(std::size_t pages, std::size_t page_size = 4096);
  ~HostPages();
  HostPages(const HostPages&) = delete;
  HostPages& operator=(const HostPages&) = delete;
  std::span<std::byte> span() const { return {data_, size_}; }

 private:
  std::byte* data_;
  std::size_t size_;
};

struct FakeVfioGroup {
  unsigned number = 0;
  bool noiommu = false;
  // The functions that make the group non-viable (bound to a kernel DMA driver). Empty:
  // viable.
  std::vector<std::string> blocking_functions;
  std::vector<FakeVfioDevice> devices;
};

class FakeVfio : public vfio::VfioSyscalls {
 public:
  static constexpr int kFirstFd = 100;
  static constexpr std::uint64_t kRegionShift = 40;  // vfio-pci's region offset scheme

  // ---- the machine ----
  FakeVfio& add_group(FakeVfioGroup group);
  // Functions of an existing group bind to (non-empty) or leave (empty) kernel DMA drivers.
  void set_blocking_functions(unsigned group, bool noiommu, std::vector<std::string> functions);
  void set_vfio_loaded(bool loaded) { vfio_loaded_ = loaded; }
  void set_api_version(int version) { api_version_ = version; }
  void set_type1v2_supported(bool supported) { type1v2_supported_ = supported; }
  void set_noiommu_enabled(bool enabled) { noiommu_enabled_ = enabled; }
  void set_cap_sys_rawio(bool has) { cap_sys_rawio_ = has; }
  // nullopt: the IOMMU reports no IOVA-range capability (kernels before v5.4).
  void set_iova_ranges(std::optional<std::vector<vfio::IovaRange>> ranges) { iova_ranges_ = std::move(ranges); }
  void set_page_sizes(std::optional<std::uint64_t> bitmap) { page_sizes_ = bitmap; }
  // The next call named `call` ("set_iommu", "iommu_map_dma", ...) fails with `err`.
  void inject_failure(std::string call, int err) { injected_[std::move(call)] = err; }

  // ---- what happened ----
  const std::vector<std::string>& violations() const { return violations_; }
  // "device 0000:01:00.0", "group 5", "group noiommu-0", "container" in close order.
  const std::vector<std::string>& close_log() const { return close_log_; }
  std::size_t open_fd_count() const { return fds_.size(); }
  // Live DMA mappings of a container fd: iova -> size.
  std::map<std::uint64_t, std::uint64_t> mappings(int container_fd) const;
  // The device's config bytes (writes through the fd land here). Aborts the test if absent.
  const std::vector<std::uint8_t>& config(std::string_view device) const;
  int reset_count(std::string_view device) const;

  // ---- VfioSyscalls ----
  Result<int> open(const std::string& path, int flags) override;
  Status close(int fd) override;
  Result<int> get_api_version(int container_fd) override;
  Result<bool> check_extension(int container_fd, std::uint32_t extension) override;
  Status set_iommu(int container_fd, std::uint32_t iommu_type) override;
  Result<vfio::IommuInfo> iommu_get_info(int container_fd) override;
  Status iommu_map_dma(int container_fd, const vfio::DmaMapRequest& request) override;
  Result<std::uint64_t> iommu_unmap_dma(int container_fd, std::uint64_t iova,
                                        std::uint64_t size) override;
  Result<vfio::GroupStatus> group_get_status(int group_fd) override;
  Status group_set_container(int group_fd, int container_fd) override;
  Status group_unset_container(int group_fd) override;
  Result<int> group_get_device_fd(int group_fd, const std::string& name) override;
  Result<vfio::DeviceInfo> device_get_info(int device_fd) override;
  Result<vfio::RegionInfo> device_get_region_info(int device_fd, std::uint32_t index) override;
  Status device_reset(int device_fd) override;
  Result<std::vector<vfio::HotResetDependent>> device_get_pci_hot_reset_info(int device_fd) override;
  Result<std::size_t> pread(int device_fd, std::span<std::byte> buffer,
                            std::uint64_t offset) override;
  Result<std::size_t> pwrite(int device_fd, std::span<const std::byte> data,
                             std::uint64_t offset) override;

 private:
  enum class Kind { kContainer, kGroup, kDevice };
  struct FdEntry {
    Kind kind;
    std::string group;   // group key ("5", "noiommu-0") for kGroup and kDevice
    std::string device;  // kDevice
  };
  struct GroupState {
    FakeVfioGroup spec;
    int fd = -1;
    int container_fd = -1;
    std::set<int> device_fds;
  };
  struct DeviceState {
    FakeVfioDevice spec;
    int resets = 0;
  };
  struct ContainerState {
    std::set<std::string> groups;
    std::optional<std::uint32_t> iommu_type;
    std::map<std::uint64_t, std::uint64_t> mappings;  // iova -> size
  };

  static std::string key(unsigned number, bool noiommu);
  Result<int> injected(std::string_view call);
  // The fd's entry if it is of `kind`: EBADF for an unknown fd, ENOTTY for another kind.
  Result<FdEntry*> entry(int fd, Kind kind, std::string_view call);
  void detach(GroupState& group);
  std::uint64_t min_page() const;
  DeviceState& device_state(std::string_view name);
  const DeviceState* find_device(std::string_view name) const;

  bool vfio_loaded_ = true;
  int api_version_ = 0;
  bool type1v2_supported_ = true;
  bool noiommu_enabled_ = false;
  bool cap_sys_rawio_ = true;
  std::optional<std::vector<vfio::IovaRange>> iova_ranges_;
  std::optional<std::uint64_t> page_sizes_ = 0x40201000;  // 4 KiB | 2 MiB | 1 GiB
  std::map<std::string, int, std::less<>> injected_;

  int next_fd_ = kFirstFd;  // never reused, so a stale fd is EBADF
  std::map<int, FdEntry> fds_;
  std::map<std::string, GroupState, std::less<>> groups_;
  std::map<std::string, DeviceState, std::less<>> devices_;
  std::map<int, ContainerState> containers_;
  std::vector<std::string> violations_;
  std::vector<std::string> close_log_;
};

}  // namespace isogroup::testing
