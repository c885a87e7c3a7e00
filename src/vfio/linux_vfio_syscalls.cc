// The kernel side of VfioSyscalls. The only file that issues VFIO ioctls.
#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "isogroup/vfio/info_decode.h"
#include "isogroup/vfio/syscalls.h"

namespace isogroup::vfio {
namespace {

// Retries on EINTR; returns the ioctl's value or -errno.
template <class Arg>
int checked_ioctl(int fd, unsigned long request, Arg arg) {
  for (;;) {
    int rc = ::ioctl(fd, request, arg);
    if (rc >= 0) return rc;
    if (errno != EINTR) return -errno;
  }
}

tl::unexpected<Error> ioctl_error(int negative_errno, std::string_view name, int fd) {
  return make_errno_error(-negative_errno, fmt::format("{} failed", name), fmt::format("fd {}", fd));
}

template <class T>
T with_argsz() {
  T value{};
  value.argsz = sizeof(T);
  return value;
}

}  // namespace

Result<int> LinuxVfioSyscalls::open(const std::string& path, int flags) {
  for (;;) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno != EINTR) return make_errno_error(errno, "open failed", path);
  }
}

Status LinuxVfioSyscalls::close(int fd) {
  // Linux releases the fd even when close reports EINTR, so it is never retried.
  if (::close(fd) != 0 && errno != EINTR) {
    return make_errno_error(errno, "close failed", fmt::format("fd {}", fd));
  }
  return {};
}

Result<int> LinuxVfioSyscalls::get_api_version(int container_fd) {
  int rc = checked_ioctl(container_fd, VFIO_GET_API_VERSION, 0);
  if (rc < 0) return ioctl_error(rc, "VFIO_GET_API_VERSION", container_fd);
  return rc;
}

Result<bool> LinuxVfioSyscalls::check_extension(int container_fd, std::uint32_t extension) {
  int rc = checked_ioctl(container_fd, VFIO_CHECK_EXTENSION, static_cast<unsigned long>(extension));
  if (rc < 0) return ioctl_error(rc, "VFIO_CHECK_EXTENSION", container_fd);
  return rc > 0;
}

Status LinuxVfioSyscalls::set_iommu(int container_fd, std::uint32_t iommu_type) {
  int rc = checked_ioctl(container_fd, VFIO_SET_IOMMU, static_cast<unsigned long>(iommu_type));
  if (rc < 0) return ioctl_error(rc, "VFIO_SET_IOMMU", container_fd);
  return {};
}

Result<IommuInfo> LinuxVfioSyscalls::iommu_get_info(int container_fd) {
  // First ask with the bare struct; a kernel with capabilities raises argsz to the size it
  // needs, and the second call gets them.
  auto head = with_argsz<vfio_iommu_type1_info>();
  int rc = checked_ioctl(container_fd, VFIO_IOMMU_GET_INFO, &head);
  if (rc < 0) return ioctl_error(rc, "VFIO_IOMMU_GET_INFO", container_fd);
  std::vector<std::byte> buffer(std::max<std::size_t>(head.argsz, sizeof(head)));
  std::memcpy(buffer.data(), &head, sizeof(head));
  if (head.argsz > sizeof(head)) {
    const auto argsz = static_cast<std::uint32_t>(buffer.size());
    std::memcpy(buffer.data() + offsetof(vfio_iommu_type1_info, argsz), &argsz, sizeof(argsz));
    rc = checked_ioctl(container_fd, VFIO_IOMMU_GET_INFO, buffer.data());
    if (rc < 0) return ioctl_error(rc, "VFIO_IOMMU_GET_INFO", container_fd);
  }
  return decode_iommu_type1_info(buffer);
}

Status LinuxVfioSyscalls::iommu_map_dma(int container_fd, const DmaMapRequest& request) {
  auto map = with_argsz<vfio_iommu_type1_dma_map>();
  map.flags = (request.device_reads ? VFIO_DMA_MAP_FLAG_READ : 0u) |
              (request.device_writes ? VFIO_DMA_MAP_FLAG_WRITE : 0u);
  map.vaddr = request.vaddr;
  map.iova = request.iova;
  map.size = request.size;
  int rc = checked_ioctl(container_fd, VFIO_IOMMU_MAP_DMA, &map);
  if (rc < 0) return ioctl_error(rc, "VFIO_IOMMU_MAP_DMA", container_fd);
  return {};
}

Result<std::uint64_t> LinuxVfioSyscalls::iommu_unmap_dma(int container_fd, std::uint64_t iova,
                                                         std::uint64_t size) {
  auto unmap = with_argsz<vfio_iommu_type1_dma_unmap>();
  unmap.iova = iova;
  unmap.size = size;
  int rc = checked_ioctl(container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
  if (rc < 0) return ioctl_error(rc, "VFIO_IOMMU_UNMAP_DMA", container_fd);
  return std::uint64_t{unmap.size};
}

Result<GroupStatus> LinuxVfioSyscalls::group_get_status(int group_fd) {
  auto status = with_argsz<vfio_group_status>();
  int rc = checked_ioctl(group_fd, VFIO_GROUP_GET_STATUS, &status);
  if (rc < 0) return ioctl_error(rc, "VFIO_GROUP_GET_STATUS", group_fd);
  return GroupStatus{(status.flags & VFIO_GROUP_FLAGS_VIABLE) != 0,
                     (status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET) != 0};
}

Status LinuxVfioSyscalls::group_set_container(int group_fd, int container_fd) {
  int rc = checked_ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &container_fd);
  if (rc < 0) return ioctl_error(rc, "VFIO_GROUP_SET_CONTAINER", group_fd);
  return {};
}

Status LinuxVfioSyscalls::group_unset_container(int group_fd) {
  int rc = checked_ioctl(group_fd, VFIO_GROUP_UNSET_CONTAINER, 0);
  if (rc < 0) return ioctl_error(rc, "VFIO_GROUP_UNSET_CONTAINER", group_fd);
  return {};
}

Result<int> LinuxVfioSyscalls::group_get_device_fd(int group_fd, const std::string& name) {
  int rc = checked_ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, name.c_str());
  if (rc < 0) return ioctl_error(rc, "VFIO_GROUP_GET_DEVICE_FD", group_fd);
  return rc;
}

Result<DeviceInfo> LinuxVfioSyscalls::device_get_info(int device_fd) {
  auto info = with_argsz<vfio_device_info>();
  int rc = checked_ioctl(device_fd, VFIO_DEVICE_GET_INFO, &info);
  if (rc < 0) return ioctl_error(rc, "VFIO_DEVICE_GET_INFO", device_fd);
  return DeviceInfo{info.flags, info.num_regions, info.num_irqs};
}

Result<RegionInfo> LinuxVfioSyscalls::device_get_region_info(int device_fd, std::uint32_t index) {
  auto info = with_argsz<vfio_region_info>();
  info.index = index;
  int rc = checked_ioctl(device_fd, VFIO_DEVICE_GET_REGION_INFO, &info);
  if (rc < 0) return ioctl_error(rc, "VFIO_DEVICE_GET_REGION_INFO", device_fd);
  return RegionInfo{info.index, info.flags, info.size, info.offset};
}

Status LinuxVfioSyscalls::device_reset(int device_fd) {
  int rc = checked_ioctl(device_fd, VFIO_DEVICE_RESET, 0);
  if (rc < 0) return ioctl_error(rc, "VFIO_DEVICE_RESET", device_fd);
  return {};
}

Result<std::vector<HotResetDependent>> LinuxVfioSyscalls::device_get_pci_hot_reset_info(
    int device_fd) {
  // vfio_pci_hot_reset_info ends in a flexible array, so it lives in a byte buffer and its
  // fixed fields are reached by offsetof. The kernel answers ENOSPC with `count` filled when
  // the buffer is too small: ask once with no room, then again with room for `count`.
  using Info = vfio_pci_hot_reset_info;
  std::vector<std::byte> buffer(offsetof(Info, devices));
  auto ask = [&]() {
    const auto argsz = static_cast<std::uint32_t>(buffer.size());
    std::memcpy(buffer.data() + offsetof(Info, argsz), &argsz, sizeof(argsz));
    return checked_ioctl(device_fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, buffer.data());
  };
  int rc = ask();
  if (rc < 0 && rc != -ENOSPC) {
    return ioctl_error(rc, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", device_fd);
  }
  std::uint32_t count = 0;
  std::memcpy(&count, buffer.data() + offsetof(Info, count), sizeof(count));
  buffer.resize(offsetof(Info, devices) + std::size_t{count} * sizeof(vfio_pci_dependent_device));
  rc = ask();
  if (rc < 0) return ioctl_error(rc, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", device_fd);
  return decode_hot_reset_info(buffer);
}

Result<std::size_t> LinuxVfioSyscalls::pread(int device_fd, std::span<std::byte> buffer,
                                             std::uint64_t offset) {
  for (;;) {
    ssize_t n = ::pread(device_fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) {
      return make_errno_error(errno, "pread failed",
                              fmt::format("fd {} offset {:#x}", device_fd, offset));
    }
  }
}

Result<std::size_t> LinuxVfioSyscalls::pwrite(int device_fd, std::span<const std::byte> data,
                                              std::uint64_t offset) {
  for (;;) {
    ssize_t n = ::pwrite(device_fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) {
      return make_errno_error(errno, "pwrite failed",
                              fmt::format("fd {} offset {:#x}", device_fd, offset));
    }
  }
}

std::shared_ptr<VfioSyscalls> make_linux_vfio_syscalls() {
  return std::make_shared<LinuxVfioSyscalls>();
}

}  // namespace isogroup::vfio
