#include "isogroup/ownership/noiommu.h"

#include <array>
#include <cerrno>

#include <fmt/format.h>

namespace isogroup {
namespace {

constexpr std::string_view kNoIommuParam = "sys/module/vfio/parameters/enable_unsafe_noiommu_mode";
constexpr std::string_view kUnsafeInterruptsParam =
    "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts";

// Kernel log lines that say interrupt remapping is on (drivers/iommu/intel/irq_remapping.c,
// drivers/iommu/amd/init.c) or that it is not. Matched as substrings.
constexpr std::array<std::string_view, 3> kRemappingOn = {
    "Enabled IRQ remapping",           // "DMAR-IR: Enabled IRQ remapping in x2apic mode"
    "Interrupt remapping enabled",     // "AMD-Vi: Interrupt remapping enabled"
    "IRQ remapping enabled",
};
constexpr std::array<std::string_view, 4> kRemappingOff = {
    "Failed to enable irq remapping",
    "IRQ remapping was disabled",
    "Not enabling interrupt remapping",
    "Disabling IRQ remapping",
};

bool has_word(std::string_view cmdline, std::string_view word) {
  std::size_t pos = 0;
  while ((pos = cmdline.find(word, pos)) != std::string_view::npos) {
    const bool starts = pos == 0 || cmdline[pos - 1] == ' ';
    const std::size_t end = pos + word.size();
    const bool ends = end == cmdline.size() || cmdline[end] == ' ' || cmdline[end] == '\n';
    if (starts && ends) return true;
    pos = end;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

// A bool module parameter reads "Y" or "N" (kernel/params.c param_get_bool).
Tristate read_bool_param(const RootDir& root, std::string_view path) {
  auto text = root.read_file(path);
  if (!text) return Tristate::kUnknown;
  const auto value = trim(*text);
  if (value == "Y" || value == "1") return Tristate::kTrue;
  if (value == "N" || value == "0") return Tristate::kFalse;
  return Tristate::kUnknown;
}

NoIommuMode read_noiommu_mode(const RootDir& root) {
  auto text = root.read_file(kNoIommuParam);
  if (text) {
    const auto value = trim(*text);
    if (value == "Y" || value == "1") return NoIommuMode::kEnabled;
    if (value == "N" || value == "0") return NoIommuMode::kDisabled;
    return NoIommuMode::kUnknown;
  }
  if (text.error().errno_ != ENOENT) return NoIommuMode::kUnknown;
  if (root.is_directory("sys/module/vfio")) return NoIommuMode::kNotBuilt;
  return root.exists("sys/module") ? NoIommuMode::kVfioNotLoaded : NoIommuMode::kUnknown;
}

void add_warnings(NoIommuAdvice& a) {
  auto warn = [&a](std::string id, std::string text) { a.warnings.push_back({std::move(id), std::move(text)}); };
  if (a.needs_unsafe_noiommu != Tristate::kFalse) {
    if (a.needs_unsafe_noiommu == Tristate::kUnknown) {
      warn("iommu-unknown",
           "Whether an IOMMU is active is unknown (no sys/class/iommu in the input). Without one, "
           "VFIO can only use the unsafe no-IOMMU mode described below.");
    }
    warn("no-dma-isolation",
         "Without an IOMMU the device's DMA is not translated or checked: whoever drives it can "
         "read and write all of the host's memory. No-IOMMU mode is for trusted userspace drivers "
         "(DPDK, SPDK) on machines with no IOMMU, never for giving a device to a guest.");
    warn("taint",
         "Binding a function without an IOMMU group to vfio with the vfio module's "
         "enable_unsafe_noiommu_mode=1 taints the kernel (TAINT_USER, \"Adding kernel taint for "
         "vfio-noiommu group on device\"): bug reports from this boot will be marked.");
    warn("cap-sys-rawio",
         "The group node is /dev/vfio/noiommu-N, not /dev/vfio/N, and opening it needs "
         "CAP_SYS_RAWIO: a file owner or mode does not give an unprivileged user access. N is the "
         "lowest free group number when the function is bound, so it is not stable.");
    switch (a.noiommu_mode) {
      case NoIommuMode::kEnabled: break;
      case NoIommuMode::kDisabled:
        a.steps.push_back(
            "echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode (or load vfio with "
            "enable_unsafe_noiommu_mode=1)");
        break;
      case NoIommuMode::kVfioNotLoaded:
        a.steps.push_back("modprobe vfio enable_unsafe_noiommu_mode=1");
        break;
      case NoIommuMode::kNotBuilt:
        warn("noiommu-not-built",
             "This kernel's vfio has no enable_unsafe_noiommu_mode parameter (CONFIG_VFIO_NOIOMMU is "
             "off): vfio-pci will refuse functions that have no IOMMU group. Use pci-stub, a kernel "
             "with CONFIG_VFIO_NOIOMMU=y, or enable the IOMMU in the firmware and on the command line.");
        break;
      case NoIommuMode::kUnknown:
        a.steps.push_back(
            "check /sys/module/vfio/parameters/enable_unsafe_noiommu_mode reads Y (load vfio with "
            "enable_unsafe_noiommu_mode=1)");
        break;
    }
  }
  if (a.iommu_active == Tristate::kTrue) {
    if (a.interrupt_remapping == Tristate::kFalse) {
      std::string text =
          "Interrupt remapping is off: a device can forge MSI writes and inject interrupts into the "
          "host or other guests. vfio_iommu_type1 refuses to attach the group (\"No interrupt "
          "remapping support\") unless vfio_iommu_type1.allow_unsafe_interrupts=1";
      text += a.unsafe_interrupts_allowed == Tristate::kTrue
                  ? ", which is set on this host: the attach will succeed without that protection."
                  : ", which accepts that risk.";
      warn("interrupt-remapping-off", std::move(text));
    } else if (a.interrupt_remapping == Tristate::kUnknown) {
      warn("interrupt-remapping-unknown",
           "Whether interrupt remapping is on is unknown (the kernel log does not say). Without it "
           "the attach fails unless vfio_iommu_type1.allow_unsafe_interrupts=1.");
    }
    if (a.unsafe_interrupts_allowed == Tristate::kTrue && a.interrupt_remapping != Tristate::kFalse) {
      warn("unsafe-interrupts-allowed",
           "vfio_iommu_type1.allow_unsafe_interrupts=1 is set: groups attach even where interrupts "
           "are not isolated.");
    }
  }
}

NoIommuAdvice advise(const Snapshot& snapshot, NoIommuMode mode, Tristate unsafe_interrupts) {
  NoIommuAdvice a;
  a.iommu_active = snapshot.iommu_active;
  a.needs_unsafe_noiommu = !snapshot.iommu_active;
  a.noiommu_mode = mode;
  a.interrupt_remapping = interrupt_remapping_state(snapshot.dmesg, snapshot.cmdline);
  a.unsafe_interrupts_allowed = unsafe_interrupts;
  add_warnings(a);
  return a;
}

}  // namespace

std::string_view to_string(NoIommuMode mode) {
  switch (mode) {
    case NoIommuMode::kEnabled: return "enabled";
    case NoIommuMode::kDisabled: return "disabled";
    case NoIommuMode::kNotBuilt: return "not built";
    case NoIommuMode::kVfioNotLoaded: return "vfio not loaded";
    case NoIommuMode::kUnknown: break;
  }
  return "unknown";
}

Tristate interrupt_remapping_state(const std::vector<std::string>& dmesg,
                                   const std::optional<std::string>& cmdline) {
  // intremap=off (arch/x86 and drivers/iommu/irq_remapping.c setup_irqremap) wins over the log.
  if (cmdline && (has_word(*cmdline, "intremap=off") || has_word(*cmdline, "nointremap"))) {
    return Tristate::kFalse;
  }
  for (const auto& line : dmesg) {
    for (const auto on : kRemappingOn) {
      if (line.find(on) != std::string::npos) return Tristate::kTrue;
    }
  }
  for (const auto& line : dmesg) {
    for (const auto off : kRemappingOff) {
      if (line.find(off) != std::string::npos) return Tristate::kFalse;
    }
  }
  return Tristate::kUnknown;  // an empty or rotated log says nothing
}

NoIommuAdvice explain_noiommu(const Snapshot& snapshot, const RootDir& root) {
  return advise(snapshot, read_noiommu_mode(root), read_bool_param(root, kUnsafeInterruptsParam));
}

NoIommuAdvice explain_noiommu(const Snapshot& snapshot) {
  return advise(snapshot, NoIommuMode::kUnknown, Tristate::kUnknown);
}

}  // namespace isogroup
