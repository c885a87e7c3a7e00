#include "isogroup/vfio/device.h"

#include <linux/vfio.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "isogroup/vfio/group.h"

namespace isogroup::vfio {

static_assert(kPciConfigRegionIndex == VFIO_PCI_CONFIG_REGION_INDEX);

bool DeviceInfo::supports_reset() const { return (flags & VFIO_DEVICE_FLAGS_RESET) != 0; }
bool DeviceInfo::is_pci() const { return (flags & VFIO_DEVICE_FLAGS_PCI) != 0; }
bool RegionInfo::readable() const { return (flags & VFIO_REGION_INFO_FLAG_READ) != 0; }
bool RegionInfo::writable() const { return (flags & VFIO_REGION_INFO_FLAG_WRITE) != 0; }

Device::Device(std::shared_ptr<Group> group, int fd, std::string name, DeviceInfo info)
    : group_(std::move(group)), fd_(fd), name_(std::move(name)), info_(info) {}

Device::Device(Device&& other) noexcept
    : group_(std::move(other.group_)),
      fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      info_(other.info_),
      config_region_(other.config_region_) {}

Device& Device::operator=(Device&& other) noexcept {
  if (this != &other) {
    close();
    group_ = std::move(other.group_);
    fd_ = std::exchange(other.fd_, -1);
    name_ = std::move(other.name_);
    info_ = other.info_;
    config_region_ = other.config_region_;
  }
  return *this;
}

Device::~Device() { close(); }

void Device::close() {
  // The device fd goes before the group reference: the group may be the last holder of the
  // group fd, and the kernel refuses to detach a group whose device is still open.
  if (fd_ >= 0) (void)group_->syscalls().close(fd_);
  fd_ = -1;
  group_.reset();
}

Result<RegionInfo> Device::region_info(std::uint32_t index) const {
  auto info = group_->syscalls().device_get_region_info(fd_, index);
  if (!info) {
    Error e = std::move(info).error();
    if (e.errno_ == EINVAL) {
      e.hint_ = fmt::format("the device has {} regions (indices 0-{})", info_.num_regions,
                            info_.num_regions == 0 ? 0 : info_.num_regions - 1);
    }
    return tl::unexpected(std::move(e).with_context(fmt::format("{} region {}", name_, index)));
  }
  return info;
}

Result<RegionInfo> Device::config_region() {
  if (config_region_) return *config_region_;
  if (!info_.is_pci()) {
    return make_error(Errc::kUnsupported, "not a vfio-pci device: it has no config space region",
                      name_);
  }
  auto info = region_info(kPciConfigRegionIndex);
  if (!info) return info;
  config_region_ = *info;
  return info;
}

Result<std::vector<std::uint8_t>> Device::read_config(std::uint64_t offset, std::size_t length) {
  auto region = config_region();
  if (!region) return tl::unexpected(std::move(region).error());
  const std::string context = fmt::format("{} config {:#x}+{:#x}", name_, offset, length);
  if (!region->readable()) return make_error(Errc::kUnsupported, "config region is not readable", context);
  if (offset > region->size || length > region->size - offset) {
    return make_error(Errc::kInvalidInput,
                      fmt::format("outside the {:#x}-byte config space", region->size), context);
  }
  std::vector<std::uint8_t> bytes(length);
  std::size_t done = 0;
  while (done < length) {
    auto got = group_->syscalls().pread(
        fd_, std::as_writable_bytes(std::span(bytes)).subspan(done), region->offset + offset + done);
    if (!got) return tl::unexpected(std::move(got).error().with_context(context));
    if (*got == 0) {
      return make_error(Errc::kIo, fmt::format("short read: {} of {} bytes", done, length), context);
    }
    done += *got;
  }
  return bytes;
}

Status Device::write_config(std::uint64_t offset, std::span<const std::uint8_t> data) {
  auto region = config_region();
  if (!region) return tl::unexpected(std::move(region).error());
  const std::string context = fmt::format("{} config {:#x}+{:#x}", name_, offset, data.size());
  if (!region->writable()) return make_error(Errc::kUnsupported, "config region is not writable", context);
  if (offset > region->size || data.size() > region->size - offset) {
    return make_error(Errc::kInvalidInput,
                      fmt::format("outside the {:#x}-byte config space", region->size), context);
  }
  std::size_t done = 0;
  while (done < data.size()) {
    auto put = group_->syscalls().pwrite(fd_, std::as_bytes(data.subspan(done)),
                                         region->offset + offset + done);
    if (!put) return tl::unexpected(std::move(put).error().with_context(context));
    if (*put == 0) {
      return make_error(Errc::kIo, fmt::format("short write: {} of {} bytes", done, data.size()),
                        context);
    }
    done += *put;
  }
  return {};
}

Status Device::reset() {
  if (!info_.supports_reset()) {
    return make_error(Errc::kUnsupported, "the device has no function-level reset", name_,
                      "only a bus reset is possible: see hot_reset_info for what it would hit");
  }
  if (auto status = group_->syscalls().device_reset(fd_); !status) {
    return tl::unexpected(std::move(status).error().with_context(name_ + " reset"));
  }
  return {};
}

Result<std::vector<HotResetDependent>> Device::hot_reset_info() {
  auto info = group_->syscalls().device_get_pci_hot_reset_info(fd_);
  if (!info) {
    Error e = std::move(info).error();
    if (e.errno_ == ENODEV) {
      e.code_ = Errc::kUnsupported;
      e.hint_ = "neither a slot nor a bus reset can reach this device";
    }
    return tl::unexpected(std::move(e).with_context(name_ + " hot-reset info"));
  }
  return info;
}

Result<std::vector<std::uint8_t>> read_config(Device& device, std::uint64_t offset,
                                              std::size_t length) {
  return device.read_config(offset, length);
}

}  // namespace isogroup::vfio
