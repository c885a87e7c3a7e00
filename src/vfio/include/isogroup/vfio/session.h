// open_device_session: the usual legacy-container sequence in one call, for test programs
// and the QEMU end-to-end check:
//   open /dev/vfio/vfio → open /dev/vfio/N (viable?) → SET_CONTAINER → SET_IOMMU →
//   GET_DEVICE_FD(bdf).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/vfio/container.h"
#include "isogroup/vfio/device.h"
#include "isogroup/vfio/group.h"
#include "isogroup/vfio/syscalls.h"

namespace isogroup::vfio {

struct SessionOptions {
  bool noiommu = false;                // /dev/vfio/noiommu-N with the noiommu IOMMU type
  std::vector<std::string> blockers;   // see GroupOptions::blockers
  std::string dev_dir = "/dev/vfio";
};

// Members are destroyed bottom-up: the device fd, then the group, then the container.
struct VfioSession {
  std::shared_ptr<Container> container;
  std::shared_ptr<Group> group;
  Device device;
};

[[nodiscard]] Result<VfioSession> open_device_session(unsigned group_number, std::string_view bdf,
                                                      std::shared_ptr<VfioSyscalls> syscalls,
                                                      SessionOptions options = {});

}  // namespace isogroup::vfio
