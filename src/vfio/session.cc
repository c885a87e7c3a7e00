#include "isogroup/vfio/session.h"

namespace isogroup::vfio {

Result<VfioSession> open_device_session(unsigned group_number, std::string_view bdf,
                                        std::shared_ptr<VfioSyscalls> syscalls,
                                        SessionOptions options) {
  ContainerOptions container_options;
  container_options.path = options.dev_dir + "/vfio";
  container_options.iommu_type = options.noiommu ? IommuType::kNoIommu : IommuType::kType1v2;
  auto container = Container::open(syscalls, container_options);
  if (!container) return tl::unexpected(std::move(container).error());

  GroupOptions group_options{std::move(options.blockers), options.dev_dir};
  auto group = Group::open(syscalls, GroupId{group_number, options.noiommu}, std::move(group_options));
  if (!group) return tl::unexpected(std::move(group).error());

  if (auto status = (*group)->set_container(*container); !status) {
    return tl::unexpected(std::move(status).error());
  }
  if (auto status = (*container)->set_iommu(); !status) {
    return tl::unexpected(std::move(status).error());
  }
  auto device = (*group)->open_device(bdf);
  if (!device) return tl::unexpected(std::move(device).error());
  return VfioSession{std::move(*container), std::move(*group), std::move(*device)};
}

}  // namespace isogroup::vfio
