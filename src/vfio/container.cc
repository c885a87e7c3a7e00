#include "isogroup/vfio/container.h"

#include <fcntl.h>
#include <linux/vfio.h>

#include <bit>
#include <cerrno>

#include <fmt/format.h>

namespace isogroup::vfio {

static_assert(static_cast<std::uint32_t>(IommuType::kType1v2) == VFIO_TYPE1v2_IOMMU);
static_assert(static_cast<std::uint32_t>(IommuType::kNoIommu) == VFIO_NOIOMMU_IOMMU);
static_assert(kVfioApiVersion == VFIO_API_VERSION);

namespace {

// The smallest IOMMU page on the architectures VFIO runs on; used when the kernel does not
// report VFIO_IOMMU_INFO_PGSIZES.
constexpr std::uint64_t kDefaultPageSize = 4096;

std::string set_iommu_hint(int err, IommuType type) {
  switch (err) {
    case EINVAL:
      return "VFIO_SET_IOMMU is accepted once, after a group joined the container "
             "(Group::set_container first)";
    case EPERM:
      return type == IommuType::kNoIommu
                 ? "noiommu containers need CAP_SYS_RAWIO (reference §6.5)"
                 : "vfio_iommu_type1 refuses groups without interrupt remapping unless the "
                   "module parameter allow_unsafe_interrupts=1 is set (reference §6.6)";
    case ENODEV:
      return "no IOMMU driver backs this type: load vfio_iommu_type1 and boot with the IOMMU "
             "enabled (intel_iommu=on or amd_iommu=on)";
    default:
      return {};
  }
}

std::string map_hint(int err) {
  switch (err) {
    case EEXIST: return "the IOVA range is already mapped; unmap it first or map elsewhere";
    case EINVAL:
      return "the IOVA must lie inside the IOMMU's valid ranges and IOVA, size and host "
             "address must be page-aligned";
    case ENOMEM:
    case EPERM:
      return "pinning the pages exceeds the locked-memory limit (RLIMIT_MEMLOCK, ulimit -l)";
    case ENOSPC: return "the IOMMU's limit of DMA mappings is reached (vfio_iommu_type1 dma_entry_limit)";
    default: return {};
  }
}

}  // namespace

std::string_view to_string(IommuType type) {
  switch (type) {
    case IommuType::kType1v2: return "type1v2";
    case IommuType::kNoIommu: return "noiommu";
  }
  return "unknown";
}

// ---- DmaMapping ----

DmaMapping::DmaMapping(std::shared_ptr<Container> container, std::uint64_t iova,
                       std::uint64_t size, std::uint64_t generation)
    : container_(std::move(container)), iova_(iova), size_(size), generation_(generation) {}

DmaMapping::DmaMapping(DmaMapping&& other) noexcept
    : container_(std::move(other.container_)),
      iova_(other.iova_),
      size_(other.size_),
      generation_(other.generation_) {
  other.container_.reset();
}

DmaMapping& DmaMapping::operator=(DmaMapping&& other) noexcept {
  if (this != &other) {
    (void)unmap();
    container_ = std::move(other.container_);
    other.container_.reset();
    iova_ = other.iova_;
    size_ = other.size_;
    generation_ = other.generation_;
  }
  return *this;
}

DmaMapping::~DmaMapping() { (void)unmap(); }

Status DmaMapping::unmap() {
  if (!container_) return {};
  auto container = std::move(container_);
  container_.reset();
  return container->unmap(iova_, size_, generation_);
}

// ---- Container ----

Container::Container(std::shared_ptr<VfioSyscalls> syscalls, ContainerOptions options, int fd)
    : syscalls_(std::move(syscalls)), options_(std::move(options)), fd_(fd) {}

Container::~Container() {
  if (fd_ >= 0) (void)syscalls_->close(fd_);
}

Result<std::shared_ptr<Container>> Container::open(std::shared_ptr<VfioSyscalls> syscalls,
                                                   ContainerOptions options) {
  auto fd = syscalls->open(options.path, O_RDWR);
  if (!fd) {
    Error e = std::move(fd).error();
    if (e.errno_ == ENOENT) {
      e.hint_ = "the vfio module is not loaded (modprobe vfio-pci creates " + options.path + ")";
    } else if (e.errno_ == EACCES || e.errno_ == EPERM) {
      e.hint_ = "open " + options.path + " read-write needs access to the node (usually mode 0666)";
    }
    return tl::unexpected(std::move(e).with_context("open VFIO container"));
  }
  // Owns the fd from here, so every early return below closes it.
  std::shared_ptr<Container> container(new Container(syscalls, options, *fd));

  auto version = syscalls->get_api_version(*fd);
  if (!version) return tl::unexpected(std::move(version).error().with_context(options.path));
  if (*version != kVfioApiVersion) {
    return make_error(Errc::kUnsupported,
                      fmt::format("VFIO API version {} (this library speaks {})", *version,
                                  kVfioApiVersion),
                      options.path, "the kernel's VFIO interface is not the one isogroup knows");
  }
  const auto type = static_cast<std::uint32_t>(options.iommu_type);
  auto supported = syscalls->check_extension(*fd, type);
  if (!supported) return tl::unexpected(std::move(supported).error().with_context(options.path));
  if (!*supported) {
    return make_error(
        Errc::kUnsupported,
        fmt::format("the container does not support the {} IOMMU", to_string(options.iommu_type)),
        options.path,
        options.iommu_type == IommuType::kNoIommu
            ? "noiommu needs the vfio module's enable_unsafe_noiommu_mode=1, which taints the "
              "kernel and gives no DMA isolation (reference §6.5)"
            : "load vfio_iommu_type1 and boot with the IOMMU enabled (intel_iommu=on or "
              "amd_iommu=on); without an IOMMU only noiommu mode is left");
  }
  return container;
}

Status Container::set_iommu() {
  const auto type = static_cast<std::uint32_t>(options_.iommu_type);
  if (auto status = syscalls_->set_iommu(fd_, type); !status) {
    Error e = std::move(status).error();
    e.hint_ = set_iommu_hint(e.errno_, options_.iommu_type);
    return tl::unexpected(std::move(e).with_context(fmt::format("{} ({})", options_.path,
                                                                to_string(options_.iommu_type))));
  }
  iommu_set_ = true;
  if (options_.iommu_type == IommuType::kNoIommu) return {};  // answers no IOMMU ioctls

  auto info = syscalls_->iommu_get_info(fd_);
  if (!info) return tl::unexpected(std::move(info).error().with_context(options_.path));
  iommu_info_ = *info;
  std::uint64_t page_size = kDefaultPageSize;
  if (info->page_sizes && *info->page_sizes != 0) {
    page_size = std::uint64_t{1} << std::countr_zero(*info->page_sizes);
  }
  std::vector<IovaRange> ranges = info->iova_ranges ? *info->iova_ranges
                                                    : std::vector<IovaRange>{options_.fallback_iova_range};
  allocator_.emplace(std::move(ranges), page_size);
  return {};
}

void Container::group_detached() {
  if (groups_ > 0) --groups_;
  if (groups_ == 0) {
    // The kernel releases the IOMMU driver with the last group and every mapping with it.
    iommu_set_ = false;
    iommu_info_.reset();
    allocator_.reset();
    ++generation_;
  }
}

Result<DmaMapping> Container::map_dma(std::span<std::byte> host, DmaAccess access) {
  if (!allocator_) {
    return make_error(Errc::kInvalidInput,
                      options_.iommu_type == IommuType::kNoIommu
                          ? "a noiommu container cannot map DMA"
                          : "the container's IOMMU is not set",
                      options_.path,
                      options_.iommu_type == IommuType::kNoIommu
                          ? "with noiommu the device sees physical addresses; there is no IOMMU "
                            "to program"
                          : "set a group's container and call set_iommu before mapping DMA");
  }
  auto iova = allocator_->allocate(host.size());
  if (!iova) return tl::unexpected(std::move(iova).error().with_context(options_.path));
  auto mapping = map_reserved(*iova, host, access);
  if (!mapping) allocator_->release(*iova, host.size());
  return mapping;
}

Result<DmaMapping> Container::map_dma_at(std::uint64_t iova, std::span<std::byte> host,
                                         DmaAccess access) {
  if (!allocator_) return map_dma(host, access);  // the same "not set" error
  if (auto status = allocator_->reserve(iova, host.size()); !status) {
    Error e = std::move(status).error();
    if (e.hint_.empty()) e.hint_ = map_hint(e.errno_);
    return tl::unexpected(std::move(e).with_context(options_.path));
  }
  auto mapping = map_reserved(iova, host, access);
  if (!mapping) allocator_->release(iova, host.size());
  return mapping;
}

Result<DmaMapping> Container::map_reserved(std::uint64_t iova, std::span<std::byte> host,
                                           DmaAccess access) {
  const std::uint64_t page = allocator_->page_size();
  const auto vaddr = reinterpret_cast<std::uintptr_t>(host.data());
  if (host.empty() || vaddr % page != 0 || host.size() % page != 0) {
    return make_error(Errc::kInvalidInput,
                      fmt::format("host memory {:#x}+{:#x} is not whole {:#x}-byte pages", vaddr,
                                  host.size(), page),
                      options_.path,
                      "map page-aligned memory in whole pages (mmap or std::aligned_alloc)");
  }
  DmaMapRequest request{vaddr, iova, host.size(), access != DmaAccess::kDeviceWrites,
                        access != DmaAccess::kDeviceReads};
  if (auto status = syscalls_->iommu_map_dma(fd_, request); !status) {
    Error e = std::move(status).error();
    e.hint_ = map_hint(e.errno_);
    return tl::unexpected(std::move(e).with_context(
        fmt::format("{}: IOVA {:#x} size {:#x}", options_.path, iova, host.size())));
  }
  return DmaMapping(shared_from_this(), iova, host.size(), generation_);
}

Status Container::unmap(std::uint64_t iova, std::uint64_t size, std::uint64_t generation) {
  if (generation != generation_) return {};  // the kernel dropped it with the last group
  auto unmapped = syscalls_->iommu_unmap_dma(fd_, iova, size);
  const std::string context = fmt::format("{}: IOVA {:#x} size {:#x}", options_.path, iova, size);
  if (!unmapped) return tl::unexpected(std::move(unmapped).error().with_context(context));
  // vfio_iommu_type1 answers success with size 0 for a range that holds no mapping, so a
  // short answer is the only sign that the mapping was not there.
  if (allocator_) allocator_->release(iova, size);
  if (*unmapped != size) {
    return make_error(Errc::kInconsistent,
                      fmt::format("the kernel unmapped {:#x} of {:#x} bytes", *unmapped, size),
                      context, "the mapping was removed behind this container's back");
  }
  return {};
}

}  // namespace isogroup::vfio
