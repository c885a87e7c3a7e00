// Decoders for the variable-length answers of VFIO ioctls, kept apart from the ioctl calls so
// tests can feed them hand-built buffers. They never read outside the buffer and never loop
// forever on a malformed capability chain.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/vfio/syscalls.h"

namespace isogroup::vfio {

// The buffer VFIO_IOMMU_GET_INFO filled: struct vfio_iommu_type1_info, then (when
// VFIO_IOMMU_INFO_CAPS is set) a chain of vfio_info_cap_header at cap_offset. Only the
// bytes the kernel filled (its argsz, capped at the buffer) may be passed.
[[nodiscard]] Result<IommuInfo> decode_iommu_type1_info(std::span<const std::byte> buffer);

// The buffer VFIO_DEVICE_GET_PCI_HOT_RESET_INFO filled: struct vfio_pci_hot_reset_info
// followed by `count` vfio_pci_dependent_device entries.
[[nodiscard]] Result<std::vector<HotResetDependent>> decode_hot_reset_info(
    std::span<const std::byte> buffer);

}  // namespace isogroup::vfio
