#include "fake_vfio.h"

#include <linux/vfio.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace isogroup::testing {
namespace {

constexpr std::string_view kDevDir = "/dev/vfio/";
constexpr std::uint32_t kVfioPciRegions = VFIO_PCI_NUM_REGIONS;

tl::unexpected<Error> fail(int err, std::string_view call, int fd) {
  return make_errno_error(err, fmt::format("{} failed", call), fmt::format("fake fd {}", fd));
}

}  // namespace

HostPages::HostPages(std::size_t pages, std::size_t page_size)
    : data_(static_cast<std::byte*>(std::aligned_alloc(page_size, pages * page_size))),
      size_(pages * page_size) {
  if (!data_) std::abort();
}

HostPages::~HostPages() { std::free(data_); }

FakeVfioDevice fake_pci_function(std::string name, std::uint16_t vendor, std::uint16_t device) {
  FakeVfioDevice d;
  d.name = std::move(name);
  d.config.resize(256);
  for (std::size_t i = 0; i < d.config.size(); ++i) d.config[i] = static_cast<std::uint8_t>(i * 7 + 3);
  d.config[0] = static_cast<std::uint8_t>(vendor & 0xff);
  d.config[1] = static_cast<std::uint8_t>(vendor >> 8);
  d.config[2] = static_cast<std::uint8_t>(device & 0xff);
  d.config[3] = static_cast<std::uint8_t>(device >> 8);
  return d;
}

std::string FakeVfio::key(unsigned number, bool noiommu) {
  return fmt::format("{}{}", noiommu ? "noiommu-" : "", number);
}

FakeVfio& FakeVfio::add_group(FakeVfioGroup group) {
  for (const FakeVfioDevice& device : group.devices) devices_[device.name] = DeviceState{device, 0};
  std::string k = key(group.number, group.noiommu);
  groups_[k] = GroupState{std::move(group), -1, -1, {}};
  return *this;
}

void FakeVfio::set_blocking_functions(unsigned group, bool noiommu,
                                      std::vector<std::string> functions) {
  groups_.at(key(group, noiommu)).spec.blocking_functions = std::move(functions);
}

std::map<std::uint64_t, std::uint64_t> FakeVfio::mappings(int container_fd) const {
  auto it = containers_.find(container_fd);
  return it == containers_.end() ? std::map<std::uint64_t, std::uint64_t>{} : it->second.mappings;
}

const FakeVfio::DeviceState* FakeVfio::find_device(std::string_view name) const {
  auto it = devices_.find(name);
  return it == devices_.end() ? nullptr : &it->second;
}

FakeVfio::DeviceState& FakeVfio::device_state(std::string_view name) {
  auto it = devices_.find(name);
  if (it == devices_.end()) std::abort();  // a test named a device it never added
  return it->second;
}

const std::vector<std::uint8_t>& FakeVfio::config(std::string_view device) const {
  const DeviceState* state = find_device(device);
  if (!state) std::abort();
  return state->spec.config;
}

int FakeVfio::reset_count(std::string_view device) const {
  const DeviceState* state = find_device(device);
  return state ? state->resets : 0;
}

Result<int> FakeVfio::injected(std::string_view call) {
  auto it = injected_.find(call);
  if (it == injected_.end()) return 0;
  int err = it->second;
  injected_.erase(it);
  return fail(err, call, -1);
}

Result<FakeVfio::FdEntry*> FakeVfio::entry(int fd, Kind kind, std::string_view call) {
  if (auto inj = injected(call); !inj) return tl::unexpected(std::move(inj).error());
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF, call, fd);
  if (it->second.kind != kind) return fail(ENOTTY, call, fd);
  return &it->second;
}

std::uint64_t FakeVfio::min_page() const {
  if (!page_sizes_ || *page_sizes_ == 0) return 4096;
  return *page_sizes_ & (~*page_sizes_ + 1);
}

// ---- fds ----

Result<int> FakeVfio::open(const std::string& path, int /*flags*/) {
  if (auto inj = injected("open"); !inj) return tl::unexpected(std::move(inj).error());
  if (!vfio_loaded_ || !path.starts_with(kDevDir)) return make_errno_error(ENOENT, "open failed", path);
  std::string_view node = std::string_view(path).substr(kDevDir.size());
  if (node == "vfio") {
    int fd = next_fd_++;
    fds_[fd] = FdEntry{Kind::kContainer, {}, {}};
    containers_[fd] = ContainerState{};
    return fd;
  }
  auto it = groups_.find(node);
  if (it == groups_.end()) return make_errno_error(ENOENT, "open failed", path);
  GroupState& group = it->second;
  if (group.spec.noiommu && !cap_sys_rawio_) return make_errno_error(EPERM, "open failed", path);
  if (group.fd >= 0) return make_errno_error(EBUSY, "open failed", path);
  int fd = next_fd_++;
  group.fd = fd;
  fds_[fd] = FdEntry{Kind::kGroup, it->first, {}};
  return fd;
}

void FakeVfio::detach(GroupState& group) {
  auto it = containers_.find(group.container_fd);
  group.container_fd = -1;
  if (it == containers_.end()) return;
  ContainerState& container = it->second;
  container.groups.erase(key(group.spec.number, group.spec.noiommu));
  if (container.groups.empty()) {
    // vfio_group_detach_container: the last group out releases the IOMMU driver.
    container.iommu_type.reset();
    container.mappings.clear();
  }
}

Status FakeVfio::close(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF, "close", fd);
  FdEntry entry = it->second;
  fds_.erase(it);
  switch (entry.kind) {
    case Kind::kDevice:
      groups_.at(entry.group).device_fds.erase(fd);
      close_log_.push_back("device " + entry.device);
      break;
    case Kind::kGroup: {
      GroupState& group = groups_.at(entry.group);
      for (int device_fd : group.device_fds) {
        violations_.push_back(fmt::format("group {} closed while device {} is open", entry.group,
                                          fds_.at(device_fd).device));
      }
      // The kernel keeps the group alive until its devices close; the fake forgets them.
      for (int device_fd : group.device_fds) fds_.erase(device_fd);
      group.device_fds.clear();
      detach(group);
      group.fd = -1;
      close_log_.push_back("group " + entry.group);
      break;
    }
    case Kind::kContainer: {
      ContainerState& container = containers_.at(fd);
      for (const std::string& group : container.groups) {
        violations_.push_back(fmt::format("container closed while group {} is in it", group));
        groups_.at(group).container_fd = -1;
      }
      containers_.erase(fd);
      close_log_.push_back("container");
      break;
    }
  }
  return {};
}

// ---- container ----

Result<int> FakeVfio::get_api_version(int container_fd) {
  if (auto e = entry(container_fd, Kind::kContainer, "VFIO_GET_API_VERSION"); !e) {
    return tl::unexpected(std::move(e).error());
  }
  return api_version_;
}

Result<bool> FakeVfio::check_extension(int container_fd, std::uint32_t extension) {
  if (auto e = entry(container_fd, Kind::kContainer, "VFIO_CHECK_EXTENSION"); !e) {
    return tl::unexpected(std::move(e).error());
  }
  if (extension == VFIO_TYPE1v2_IOMMU || extension == VFIO_TYPE1_IOMMU) return type1v2_supported_;
  if (extension == VFIO_NOIOMMU_IOMMU) return noiommu_enabled_;
  return false;
}

Status FakeVfio::set_iommu(int container_fd, std::uint32_t iommu_type) {
  if (auto e = entry(container_fd, Kind::kContainer, "VFIO_SET_IOMMU"); !e) {
    return tl::unexpected(std::move(e).error());
  }
  ContainerState& container = containers_.at(container_fd);
  if (container.groups.empty() || container.iommu_type) return fail(EINVAL, "VFIO_SET_IOMMU", container_fd);
  const bool noiommu_groups = groups_.at(*container.groups.begin()).spec.noiommu;
  // Only the driver that matches the groups' kind accepts them; no match is ENODEV.
  if (iommu_type == VFIO_NOIOMMU_IOMMU) {
    if (!noiommu_enabled_ || !noiommu_groups) return fail(ENODEV, "VFIO_SET_IOMMU", container_fd);
    if (!cap_sys_rawio_) return fail(EPERM, "VFIO_SET_IOMMU", container_fd);
  } else if (iommu_type == VFIO_TYPE1v2_IOMMU) {
    if (!type1v2_supported_ || noiommu_groups) return fail(ENODEV, "VFIO_SET_IOMMU", container_fd);
  } else {
    return fail(ENODEV, "VFIO_SET_IOMMU", container_fd);
  }
  container.iommu_type = iommu_type;
  return {};
}

Result<vfio::IommuInfo> FakeVfio::iommu_get_info(int container_fd) {
  if (auto e = entry(container_fd, Kind::kContainer, "VFIO_IOMMU_GET_INFO"); !e) {
    return tl::unexpected(std::move(e).error());
  }
  const ContainerState& container = containers_.at(container_fd);
  if (!container.iommu_type) return fail(EINVAL, "VFIO_IOMMU_GET_INFO", container_fd);
  if (*container.iommu_type == VFIO_NOIOMMU_IOMMU) return fail(ENOTTY, "VFIO_IOMMU_GET_INFO", container_fd);
  return vfio::IommuInfo{page_sizes_, iova_ranges_};
}

Status FakeVfio::iommu_map_dma(int container_fd, const vfio::DmaMapRequest& request) {
  constexpr std::string_view kCall = "VFIO_IOMMU_MAP_DMA";
  if (auto e = entry(container_fd, Kind::kContainer, kCall); !e) return tl::unexpected(std::move(e).error());
  ContainerState& container = containers_.at(container_fd);
  if (!container.iommu_type) return fail(EINVAL, kCall, container_fd);
  if (*container.iommu_type == VFIO_NOIOMMU_IOMMU) return fail(ENOTTY, kCall, container_fd);
  const std::uint64_t mask = min_page() - 1;
  if ((!request.device_reads && !request.device_writes) || request.size == 0 ||
      ((request.size | request.iova | request.vaddr) & mask) != 0 ||
      request.iova > UINT64_MAX - (request.size - 1)) {
    return fail(EINVAL, kCall, container_fd);
  }
  const std::uint64_t last = request.iova + (request.size - 1);
  if (iova_ranges_) {
    bool inside = std::any_of(iova_ranges_->begin(), iova_ranges_->end(), [&](const vfio::IovaRange& r) {
      return r.start <= request.iova && last <= r.last;
    });
    if (!inside) return fail(EINVAL, kCall, container_fd);
  }
  for (const auto& [iova, size] : container.mappings) {
    if (iova <= last && request.iova <= iova + (size - 1)) return fail(EEXIST, kCall, container_fd);
  }
  container.mappings[request.iova] = request.size;
  return {};
}

Result<std::uint64_t> FakeVfio::iommu_unmap_dma(int container_fd, std::uint64_t iova,
                                                std::uint64_t size) {
  constexpr std::string_view kCall = "VFIO_IOMMU_UNMAP_DMA";
  if (auto e = entry(container_fd, Kind::kContainer, kCall); !e) return tl::unexpected(std::move(e).error());
  ContainerState& container = containers_.at(container_fd);
  if (!container.iommu_type || *container.iommu_type == VFIO_NOIOMMU_IOMMU) return fail(EINVAL, kCall, container_fd);
  const std::uint64_t mask = min_page() - 1;
  if (size == 0 || ((iova | size) & mask) != 0 || iova > UINT64_MAX - (size - 1)) {
    return fail(EINVAL, kCall, container_fd);
  }
  const std::uint64_t last = iova + (size - 1);
  // type1 v2 refuses to cut a mapping in two (vfio_dma_do_unmap).
  for (const auto& [start, length] : container.mappings) {
    const std::uint64_t end = start + (length - 1);
    bool overlaps = start <= last && iova <= end;
    bool inside = iova <= start && end <= last;
    if (overlaps && !inside) return fail(EINVAL, kCall, container_fd);
  }
  std::uint64_t unmapped = 0;
  for (auto it = container.mappings.lower_bound(iova); it != container.mappings.end() && it->first <= last;) {
    unmapped += it->second;
    it = container.mappings.erase(it);
  }
  return unmapped;
}

// ---- group ----

Result<vfio::GroupStatus> FakeVfio::group_get_status(int group_fd) {
  auto e = entry(group_fd, Kind::kGroup, "VFIO_GROUP_GET_STATUS");
  if (!e) return tl::unexpected(std::move(e).error());
  const GroupState& group = groups_.at((*e)->group);
  const bool in_container = group.container_fd >= 0;
  return vfio::GroupStatus{in_container || group.spec.blocking_functions.empty(), in_container};
}

Status FakeVfio::group_set_container(int group_fd, int container_fd) {
  constexpr std::string_view kCall = "VFIO_GROUP_SET_CONTAINER";
  auto e = entry(group_fd, Kind::kGroup, kCall);
  if (!e) return tl::unexpected(std::move(e).error());
  auto c = fds_.find(container_fd);
  if (c == fds_.end()) return fail(EBADF, kCall, group_fd);
  if (c->second.kind != Kind::kContainer) return fail(EINVAL, kCall, group_fd);
  GroupState& group = groups_.at((*e)->group);
  if (group.container_fd >= 0) return fail(EINVAL, kCall, group_fd);
  if (group.spec.noiommu && !cap_sys_rawio_) return fail(EPERM, kCall, group_fd);
  // iommu_group_claim_dma_owner: a kernel DMA driver in the group means EPERM (§6.1).
  if (!group.spec.blocking_functions.empty()) return fail(EPERM, kCall, group_fd);
  ContainerState& container = containers_.at(container_fd);
  if (!container.groups.empty() &&
      groups_.at(*container.groups.begin()).spec.noiommu != group.spec.noiommu) {
    return fail(EPERM, kCall, group_fd);
  }
  container.groups.insert((*e)->group);
  group.container_fd = container_fd;
  return {};
}

Status FakeVfio::group_unset_container(int group_fd) {
  constexpr std::string_view kCall = "VFIO_GROUP_UNSET_CONTAINER";
  auto e = entry(group_fd, Kind::kGroup, kCall);
  if (!e) return tl::unexpected(std::move(e).error());
  GroupState& group = groups_.at((*e)->group);
  if (group.container_fd < 0) return fail(EINVAL, kCall, group_fd);
  if (!group.device_fds.empty()) return fail(EBUSY, kCall, group_fd);
  detach(group);
  return {};
}

Result<int> FakeVfio::group_get_device_fd(int group_fd, const std::string& name) {
  constexpr std::string_view kCall = "VFIO_GROUP_GET_DEVICE_FD";
  auto e = entry(group_fd, Kind::kGroup, kCall);
  if (!e) return tl::unexpected(std::move(e).error());
  const std::string group_key = (*e)->group;
  GroupState& group = groups_.at(group_key);
  auto container = containers_.find(group.container_fd);
  if (container == containers_.end() || !container->second.iommu_type) {
    return fail(EINVAL, kCall, group_fd);
  }
  bool member = std::any_of(group.spec.devices.begin(), group.spec.devices.end(),
                            [&](const FakeVfioDevice& d) { return d.name == name; });
  if (!member) return fail(ENODEV, kCall, group_fd);
  if (group.spec.noiommu && !cap_sys_rawio_) return fail(EPERM, kCall, group_fd);
  int fd = next_fd_++;
  fds_[fd] = FdEntry{Kind::kDevice, group_key, name};
  group.device_fds.insert(fd);
  return fd;
}

// ---- device ----

Result<vfio::DeviceInfo> FakeVfio::device_get_info(int device_fd) {
  auto e = entry(device_fd, Kind::kDevice, "VFIO_DEVICE_GET_INFO");
  if (!e) return tl::unexpected(std::move(e).error());
  const FakeVfioDevice& spec = device_state((*e)->device).spec;
  std::uint32_t flags = (spec.pci ? VFIO_DEVICE_FLAGS_PCI : 0u) | (spec.reset ? VFIO_DEVICE_FLAGS_RESET : 0u);
  return vfio::DeviceInfo{flags, spec.pci ? kVfioPciRegions : 0u, spec.num_irqs};
}

Result<vfio::RegionInfo> FakeVfio::device_get_region_info(int device_fd, std::uint32_t index) {
  constexpr std::string_view kCall = "VFIO_DEVICE_GET_REGION_INFO";
  auto e = entry(device_fd, Kind::kDevice, kCall);
  if (!e) return tl::unexpected(std::move(e).error());
  const FakeVfioDevice& spec = device_state((*e)->device).spec;
  if (!spec.pci || index >= kVfioPciRegions) return fail(EINVAL, kCall, device_fd);
  vfio::RegionInfo info{index, 0, 0, std::uint64_t{index} << kRegionShift};
  if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
    info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
    info.size = spec.config.size();
  } else if (auto bar = spec.bars.find(index); bar != spec.bars.end()) {
    info.flags = bar->second.flags;
    info.size = bar->second.size;
  }
  return info;
}

Status FakeVfio::device_reset(int device_fd) {
  auto e = entry(device_fd, Kind::kDevice, "VFIO_DEVICE_RESET");
  if (!e) return tl::unexpected(std::move(e).error());
  DeviceState& state = device_state((*e)->device);
  if (!state.spec.reset) return fail(EINVAL, "VFIO_DEVICE_RESET", device_fd);
  ++state.resets;
  return {};
}

Result<std::vector<vfio::HotResetDependent>> FakeVfio::device_get_pci_hot_reset_info(int device_fd) {
  auto e = entry(device_fd, Kind::kDevice, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO");
  if (!e) return tl::unexpected(std::move(e).error());
  const DeviceState& state = device_state((*e)->device);
  if (!state.spec.hot_reset_dependents) {
    return fail(ENODEV, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", device_fd);
  }
  return *state.spec.hot_reset_dependents;
}

Result<std::size_t> FakeVfio::pread(int device_fd, std::span<std::byte> buffer,
                                    std::uint64_t offset) {
  auto e = entry(device_fd, Kind::kDevice, "pread");
  if (!e) return tl::unexpected(std::move(e).error());
  const std::vector<std::uint8_t>& config = device_state((*e)->device).spec.config;
  // Only the config region carries data in the fake; BAR access is not modelled.
  if ((offset >> kRegionShift) != VFIO_PCI_CONFIG_REGION_INDEX) return fail(EINVAL, "pread", device_fd);
  const std::uint64_t at = offset & ((std::uint64_t{1} << kRegionShift) - 1);
  if (at > config.size()) return fail(EINVAL, "pread", device_fd);
  const std::size_t n = std::min<std::size_t>(buffer.size(), config.size() - at);
  std::memcpy(buffer.data(), config.data() + at, n);
  return n;
}

Result<std::size_t> FakeVfio::pwrite(int device_fd, std::span<const std::byte> data,
                                     std::uint64_t offset) {
  auto e = entry(device_fd, Kind::kDevice, "pwrite");
  if (!e) return tl::unexpected(std::move(e).error());
  std::vector<std::uint8_t>& config = device_state((*e)->device).spec.config;
  if ((offset >> kRegionShift) != VFIO_PCI_CONFIG_REGION_INDEX) return fail(EINVAL, "pwrite", device_fd);
  const std::uint64_t at = offset & ((std::uint64_t{1} << kRegionShift) - 1);
  if (at > config.size()) return fail(EINVAL, "pwrite", device_fd);
  const std::size_t n = std::min<std::size_t>(data.size(), config.size() - at);
  std::memcpy(config.data() + at, data.data(), n);
  return n;
}

}  // namespace isogroup::testing
