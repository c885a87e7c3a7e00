// No-IOMMU mode and interrupt isolation: what `assign --unsafe-noiommu` must tell the user
// before it goes ahead, and what attach will need when interrupt remapping is off.
// Reference §6.5 (vfio enable_unsafe_noiommu_mode) and §6.6 (interrupt isolation).
#pragma once

#include <string>
#include <vector>

#include "isogroup/core/tristate.h"
#include "isogroup/snapshot/snapshot.h"
#include "isogroup/sources/root_dir.h"

namespace isogroup {

// State of vfio's enable_unsafe_noiommu_mode module parameter (CONFIG_VFIO_NOIOMMU).
enum class NoIommuMode {
  kEnabled,         // the parameter reads Y
  kDisabled,        // the parameter reads N
  kNotBuilt,        // vfio is loaded but has no such parameter: the kernel lacks CONFIG_VFIO_NOIOMMU
  kVfioNotLoaded,   // sys/module/vfio does not exist
  kUnknown,         // no root to look at, or the file could not be read
};
std::string_view to_string(NoIommuMode mode);

struct NoIommuWarning {
  std::string id;    // "taint", "cap-sys-rawio", "no-dma-isolation", "interrupt-remapping-off", ...
  std::string text;  // one paragraph for the user
};

struct NoIommuAdvice {
  Tristate iommu_active = Tristate::kUnknown;
  // Whether assigning needs --unsafe-noiommu: true when no IOMMU is active, unknown when
  // that is unknown (the caller must not treat unknown as "an IOMMU is there").
  Tristate needs_unsafe_noiommu = Tristate::kUnknown;
  NoIommuMode noiommu_mode = NoIommuMode::kUnknown;
  Tristate interrupt_remapping = Tristate::kUnknown;        // from the kernel log / cmdline
  Tristate unsafe_interrupts_allowed = Tristate::kUnknown;  // vfio_iommu_type1.allow_unsafe_interrupts
  std::vector<NoIommuWarning> warnings;
  std::vector<std::string> steps;  // what to do to go ahead (modprobe options, ...)
};

// From the snapshot's facts (iommu_active, dmesg, cmdline) and the module parameters read
// under ROOT (sys/module/vfio/parameters/enable_unsafe_noiommu_mode,
// sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts).
NoIommuAdvice explain_noiommu(const Snapshot& snapshot, const RootDir& root);
// The same without a live root: the module parameters stay unknown.
NoIommuAdvice explain_noiommu(const Snapshot& snapshot);

// Interrupt remapping from kernel log lines and the command line: true on "DMAR-IR:
// Enabled IRQ remapping" or "AMD-Vi: Interrupt remapping enabled", false on intremap=off
// or a log line saying it was not enabled, unknown otherwise.
Tristate interrupt_remapping_state(const std::vector<std::string>& dmesg,
                                   const std::optional<std::string>& cmdline);

}  // namespace isogroup
