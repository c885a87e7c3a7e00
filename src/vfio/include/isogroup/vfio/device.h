// Device: a VFIO device fd from VFIO_GROUP_GET_DEVICE_FD. Holds its Group (and so the
// Container), so the device fd is always closed first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/vfio/syscalls.h"

namespace isogroup::vfio {

class Group;

// VFIO_PCI_CONFIG_REGION_INDEX: vfio-pci exposes PCI config space as region 7.
inline constexpr std::uint32_t kPciConfigRegionIndex = 7;

class Device {
 public:
  Device(Device&& other) noexcept;
  Device& operator=(Device&& other) noexcept;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  ~Device();

  const std::string& name() const { return name_; }  // "0000:01:00.0"
  const DeviceInfo& info() const { return info_; }
  [[nodiscard]] Result<RegionInfo> region_info(std::uint32_t index) const;

  // Config space through the config region of the device fd (vfio-pci virtualises parts of
  // it, e.g. BARs and the command register's INTx bit, so bytes may differ from sysfs there).
  [[nodiscard]] Result<std::vector<std::uint8_t>> read_config(std::uint64_t offset,
                                                              std::size_t length);
  [[nodiscard]] Status write_config(std::uint64_t offset, std::span<const std::uint8_t> data);

  // VFIO_DEVICE_RESET: a function-level reset (FLR, PM or a device-specific method).
  [[nodiscard]] Status reset();
  // VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: the functions a secondary-bus reset would also hit.
  [[nodiscard]] Result<std::vector<HotResetDependent>> hot_reset_info();

  int fd() const { return fd_; }
  const std::shared_ptr<Group>& group() const { return group_; }

 private:
  friend class Group;
  Device(std::shared_ptr<Group> group, int fd, std::string name, DeviceInfo info);
  Result<RegionInfo> config_region();
  void close();

  std::shared_ptr<Group> group_;  // released after fd_ is closed (see ~Device)
  int fd_ = -1;
  std::string name_;
  DeviceInfo info_;
  std::optional<RegionInfo> config_region_;
};

// Reads `length` bytes of config space at `offset`; an error if fewer are available.
[[nodiscard]] Result<std::vector<std::uint8_t>> read_config(Device& device, std::uint64_t offset,
                                                            std::size_t length);

}  // namespace isogroup::vfio
