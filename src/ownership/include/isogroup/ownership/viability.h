// Viability: whether VFIO would let userspace own a group with today's driver bindings.
// Since v5.19 (the DMA-ownership model, drivers/iommu/iommu.c iommu_device_use_default_domain
// and drivers/vfio/group.c VFIO_GROUP_GET_STATUS) a group is viable when no function is
// bound to a driver that uses the kernel's DMA API; before v5.19 VFIO checked an allow-list
// (drivers/vfio/vfio.c vfio_dev_viable). Reference §6.1–§6.3.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/tristate.h"
#include "isogroup/grouping/kernel_version.h"
#include "isogroup/model/topology.h"

namespace isogroup {

enum class DriverRole {
  kNone,           // no driver bound
  kVfio,           // vfio-pci or a vfio-pci variant (driver_managed_dma)
  kStub,           // pci-stub (driver_managed_dma)
  kPortService,    // pcieport (driver_managed_dma)
  kKernelDma,      // any other driver: it uses the kernel's DMA API
  kUnknown,        // the input does not say
};
DriverRole classify_driver(const std::optional<std::string>& driver);

struct ViabilityBlocker {
  FunctionId function = kNoFunction;
  std::string why;  // "bound to nvme, a kernel DMA driver"
};

struct GroupViability {
  Tristate viable = Tristate::kUnknown;
  std::vector<ViabilityBlocker> blockers;  // functions that make it non-viable or unknown
  std::string rule;                        // which kernel rule was applied
};

GroupViability group_viability(const Topology& topology, std::span<const FunctionId> members,
                               const KernelVersion& kernel);

}  // namespace isogroup
