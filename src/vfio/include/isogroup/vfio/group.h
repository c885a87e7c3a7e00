// Group: an open VFIO group node, /dev/vfio/N or /dev/vfio/noiommu-N (reference §6.4).
// The node admits one opener at a time; the group must be viable (§6.2) before it can join
// a container. A Group holds its Container, and each Device holds its Group, so destroying
// them in any order closes device fds before the group fd and the group fd before the
// container fd: closing a group while one of its devices is open makes the kernel refuse
// the later detach with EBUSY.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/vfio/container.h"
#include "isogroup/vfio/syscalls.h"

namespace isogroup::vfio {

class Device;

struct GroupId {
  unsigned number = 0;   // the iommu_group number, /sys/kernel/iommu_groups/N
  bool noiommu = false;  // /dev/vfio/noiommu-N (reference §6.5)

  // "/dev/vfio/12" or "/dev/vfio/noiommu-0".
  std::string node_path(std::string_view dev_dir = "/dev/vfio") const;
};

struct GroupOptions {
  // What keeps the group non-viable, as the caller found it (ownership/viability.h turns
  // each ViabilityBlocker into "0000:00:1f.3: bound to snd_hda_intel, a kernel DMA driver").
  // Named in the hint when VFIO_GROUP_GET_STATUS says the group is not viable.
  std::vector<std::string> blockers;
  std::string dev_dir = "/dev/vfio";
};

class Group : public std::enable_shared_from_this<Group> {
 public:
  // Opens the node and checks VFIO_GROUP_GET_STATUS; a non-viable group is an Errc::kRefused
  // error whose hint names the blockers.
  [[nodiscard]] static Result<std::shared_ptr<Group>> open(std::shared_ptr<VfioSyscalls> syscalls,
                                                           GroupId id, GroupOptions options = {});
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  ~Group();  // leaves the container, then closes the node

  [[nodiscard]] Result<GroupStatus> status() const;
  // VFIO_GROUP_SET_CONTAINER: claims DMA ownership of the group for the container.
  [[nodiscard]] Status set_container(std::shared_ptr<Container> container);
  // VFIO_GROUP_UNSET_CONTAINER. Refused by the kernel while a device of the group is open.
  [[nodiscard]] Status unset_container();
  // VFIO_GROUP_GET_DEVICE_FD for a function of this group ("0000:01:00.0" or "01:00.0").
  // Needs the container's IOMMU set.
  [[nodiscard]] Result<Device> open_device(std::string_view bdf);

  const GroupId& id() const { return id_; }
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }
  const std::shared_ptr<Container>& container() const { return container_; }
  VfioSyscalls& syscalls() const { return *syscalls_; }

 private:
  Group(std::shared_ptr<VfioSyscalls> syscalls, GroupId id, std::string path, int fd);

  std::shared_ptr<VfioSyscalls> syscalls_;
  GroupId id_;
  std::string path_;
  int fd_ = -1;
  std::shared_ptr<Container> container_;  // released after fd_ is closed (see ~Group)
};

}  // namespace isogroup::vfio
