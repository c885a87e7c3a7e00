#include "isogroup/vfio/group.h"

#include <fcntl.h>

#include <cerrno>

#include <fmt/format.h>

#include "isogroup/core/bdf.h"
#include "isogroup/vfio/device.h"

namespace isogroup::vfio {
namespace {

std::string open_hint(int err, const GroupId& id, const std::string& path) {
  switch (err) {
    case ENOENT:
      return fmt::format("{} does not exist: no function of group {} is bound to vfio-pci "
                         "(isogroup assign {})",
                         path, id.number, id.number);
    case EBUSY:
      return fmt::format("another process holds {}, or a device of the group is open through "
                         "its /dev/vfio/devices cdev",
                         path);
    case EACCES:
      return fmt::format("no access to {}: run as root or give the user the node "
                         "(isogroup assign --owner)",
                         path);
    case EPERM:
      return id.noiommu ? "noiommu group nodes need CAP_SYS_RAWIO (reference §6.5)"
                        : fmt::format("no permission to open {}", path);
    default:
      return {};
  }
}

std::string not_viable_hint(const GroupId& id, const std::vector<std::string>& blockers) {
  if (blockers.empty()) {
    return fmt::format("ensure every function of group {} is bound to vfio-pci, pci-stub or "
                       "no driver (bridges may stay with pcieport)",
                       id.number);
  }
  std::string hint = fmt::format("these functions keep group {} from being viable: ", id.number);
  for (std::size_t i = 0; i < blockers.size(); ++i) {
    if (i > 0) hint += "; ";
    hint += blockers[i];
  }
  hint += fmt::format(". Move them off their drivers with isogroup assign {}", id.number);
  return hint;
}

}  // namespace

std::string GroupId::node_path(std::string_view dev_dir) const {
  return fmt::format("{}/{}{}", dev_dir, noiommu ? "noiommu-" : "", number);
}

Group::Group(std::shared_ptr<VfioSyscalls> syscalls, GroupId id, std::string path, int fd)
    : syscalls_(std::move(syscalls)), id_(id), path_(std::move(path)), fd_(fd) {}

Group::~Group() {
  // The container must outlive the group node: unset_container drops container_, which may
  // be its last reference, so hold it here until the node is closed.
  std::shared_ptr<Container> container = container_;
  if (container_) (void)unset_container();
  if (fd_ >= 0) (void)syscalls_->close(fd_);
  // If the unset failed, closing the node detached the group in the kernel.
  if (container_) container_->group_detached();
}

Result<std::shared_ptr<Group>> Group::open(std::shared_ptr<VfioSyscalls> syscalls, GroupId id,
                                           GroupOptions options) {
  std::string path = id.node_path(options.dev_dir);
  auto fd = syscalls->open(path, O_RDWR);
  if (!fd) {
    Error e = std::move(fd).error();
    e.hint_ = open_hint(e.errno_, id, path);
    if (e.errno_ == EBUSY) e.code_ = Errc::kRefused;
    return tl::unexpected(std::move(e).with_context(fmt::format("open VFIO group {}", id.number)));
  }
  std::shared_ptr<Group> group(new Group(syscalls, id, path, *fd));
  auto status = group->status();
  if (!status) return tl::unexpected(std::move(status).error());
  if (!status->viable) {
    return make_error(Errc::kRefused, fmt::format("group {} is not viable", id.number), path,
                      not_viable_hint(id, options.blockers));
  }
  return group;
}

Result<GroupStatus> Group::status() const {
  auto status = syscalls_->group_get_status(fd_);
  if (!status) return tl::unexpected(std::move(status).error().with_context(path_));
  return status;
}

Status Group::set_container(std::shared_ptr<Container> container) {
  if (!container) return make_error(Errc::kInvalidInput, "no container given", path_);
  if (container_) {
    return make_error(Errc::kInvalidInput, "the group is already in a container", path_,
                      "unset_container first; a group belongs to one container at a time");
  }
  if (auto status = syscalls_->group_set_container(fd_, container->fd()); !status) {
    Error e = std::move(status).error();
    if (e.errno_ == EPERM) {
      e.code_ = Errc::kRefused;
      e.hint_ = "the group is not viable or already owned: a function of it is bound to a "
                "kernel DMA driver, or another VFIO user or iommufd context claimed it";
    } else if (e.errno_ == EBUSY) {
      e.hint_ = "the group's IOMMU domain is in use (not its default domain, or PASIDs are "
                "attached)";
    } else if (e.errno_ == EINVAL) {
      e.hint_ = "the group is already in a container, or a noiommu group is mixed with IOMMU "
                "groups";
    }
    return tl::unexpected(std::move(e).with_context(
        fmt::format("{} -> {}", path_, container->path())));
  }
  container_ = std::move(container);
  container_->group_attached();
  return {};
}

Status Group::unset_container() {
  if (!container_) {
    return make_error(Errc::kInvalidInput, "the group is not in a container", path_);
  }
  if (auto status = syscalls_->group_unset_container(fd_); !status) {
    Error e = std::move(status).error();
    if (e.errno_ == EBUSY) e.hint_ = "close the group's devices before leaving the container";
    return tl::unexpected(std::move(e).with_context(path_));
  }
  container_->group_detached();
  container_.reset();
  return {};
}

Result<Device> Group::open_device(std::string_view bdf) {
  auto address = Bdf::parse(bdf);
  if (!address) return tl::unexpected(std::move(address).error().with_context(path_));
  const std::string name = address->to_string();
  if (!container_ || !container_->iommu_set()) {
    return make_error(Errc::kInvalidInput,
                      fmt::format("cannot open device {} before the container's IOMMU is set", name),
                      path_, "set_container, then Container::set_iommu, then open_device");
  }
  auto fd = syscalls_->group_get_device_fd(fd_, name);
  if (!fd) {
    Error e = std::move(fd).error();
    if (e.errno_ == ENODEV || e.errno_ == ENOENT) {
      e.code_ = Errc::kNotFound;
      e.hint_ = fmt::format("{} is not a function of group {} bound to vfio-pci; see "
                            "/sys/kernel/iommu_groups/{}/devices",
                            name, id_.number, id_.number);
    } else if (e.errno_ == EPERM && id_.noiommu) {
      e.hint_ = "noiommu devices need CAP_SYS_RAWIO";
    } else if (e.errno_ == EBUSY) {
      e.hint_ = "the device is open elsewhere or is being removed";
    }
    return tl::unexpected(std::move(e).with_context(fmt::format("{}: {}", path_, name)));
  }
  auto info = syscalls_->device_get_info(*fd);
  if (!info) {
    (void)syscalls_->close(*fd);
    return tl::unexpected(std::move(info).error().with_context(name));
  }
  return Device(shared_from_this(), *fd, name, *info);
}

}  // namespace isogroup::vfio
