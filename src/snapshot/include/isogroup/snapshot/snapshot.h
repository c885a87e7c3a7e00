// Snapshot: the raw facts one source read about a machine, before any interpretation.
// Every reader in sources/ produces this; model/ turns it into a Topology.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "isogroup/core/bdf.h"
#include "isogroup/core/tristate.h"
#include "isogroup/pci/config_space.h"

namespace isogroup {

enum class SourceKind {
  kLiveSysfs,      // a sysfs root (/ or a fake tree) read through a root fd
  kSnapshotDir,    // a directory written by `isogroup capture`
  kSnapshotTar,    // the same as a tar archive
  kLspciHex,       // lspci -x / -xxx / -xxxx, with or without -D
  kLspciVerbose,   // lspci -vv / -vvv / -vvnn text
};
std::string_view to_string(SourceKind kind);

struct SnapshotFunction {
  Bdf address;
  // Where this function was described: "file:line" for text inputs, a sysfs path otherwise.
  std::string origin;

  pci::ConfigSpace config;  // bytes and which of them are known

  // Facts a text source states directly when it has no bytes for them. When set, they
  // override what config says (sysfs vendor/device/class files are always readable).
  std::optional<std::uint16_t> vendor_id, device_id;
  std::optional<std::uint32_t> class_code;
  std::optional<std::string> name;  // human description from lspci text, if any

  std::optional<std::string> driver;           // bound driver, "" = none; nullopt = unknown
  std::optional<int> iommu_group;              // the kernel's group; nullopt = none / unknown
  std::optional<Bdf> physfn;                   // set on SR-IOV virtual functions
  std::vector<Bdf> virtfns;                    // on physical functions, in virtfnN order
  std::optional<std::string> driver_override;  // "" = none
  std::optional<bool> boot_vga;
  std::optional<int> numa_node;
  std::vector<std::string> reset_methods;
  // The bridge above this function, from the sysfs parent directory, when the source
  // has it (sysfs, snapshot). Otherwise model/ derives parents from bridge bus numbers.
  std::optional<Bdf> sysfs_parent;
  // True when the sysfs path shows the function directly under a host bridge
  // (/sys/devices/pciDDDD:BB/DDDD:BB:DD.F): it sits on a root bus.
  std::optional<bool> on_root_bus;
};

struct KernelGroup {
  int id = 0;
  std::vector<Bdf> devices;  // PCI functions in the group, sorted
  std::vector<std::string> other_devices;  // non-PCI members (platform devices), by name
  std::optional<std::string> type;         // /sys/kernel/iommu_groups/N/type
  std::optional<std::string> name;         // e.g. "vfio-noiommu"
  std::vector<std::string> reserved_regions;  // lines of reserved_regions
};

// One host bridge (root bus) in the kernel's discovery order (ACPI namespace order).
struct RootBus {
  BusAddress bus;
  std::optional<std::string> firmware_node;  // e.g. "PNP0A08:00"
};

struct Snapshot {
  SourceKind kind = SourceKind::kLiveSysfs;
  std::string source;  // the path it was read from

  std::vector<SnapshotFunction> functions;  // in input order

  // The kernel's own grouping, when the input shows it. has_kernel_groups is false when
  // the input cannot carry groups (a hex dump), true when it does (even if there are none).
  bool has_kernel_groups = false;
  std::vector<KernelGroup> kernel_groups;  // sorted by id

  std::optional<std::string> kernel_release;  // uname -r
  std::optional<std::string> cmdline;         // /proc/cmdline
  std::vector<std::string> dmesg;             // relevant kernel log lines
  std::vector<std::string> iommu_units;       // /sys/class/iommu entries: dmar0, ivhd0, ...
  Tristate iommu_active = Tristate::kUnknown;
  std::vector<RootBus> root_buses;            // discovery order, when known
  std::map<std::string, std::string> firmware_tables;  // name -> path inside the snapshot (DMAR, IVRS)

  // Whether config reads were privileged (full config space) or limited to 64 bytes.
  Tristate privileged = Tristate::kUnknown;
  // Things the source could not know or had to skip, in words for the user.
  std::vector<std::string> notes;
};

}  // namespace isogroup
