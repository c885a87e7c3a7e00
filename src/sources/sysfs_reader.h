// The sysfs reader shared by read_sysfs (a live root), read_snapshot_dir and
// read_snapshot_tar (a captured copy in the same shape). See docs/snapshot-format.md.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "isogroup/core/error.h"
#include "isogroup/snapshot/snapshot.h"
#include "isogroup/sources/root_dir.h"

namespace isogroup {

struct SysfsReadOptions {
  SourceKind kind = SourceKind::kLiveSysfs;
  // Prefix of origins and of the Snapshot's source ("/", a directory, "x.tar:").
  std::string display_root;
  // Live roots only: a snapshot carries its log in isogroup/dmesg.txt instead.
  bool read_kernel_log = true;
};

Result<Snapshot> read_sysfs_tree(const RootDir& root, const SysfsReadOptions& options);

// Where things are, relative to the root. Capture copies exactly these.
inline constexpr std::string_view kPciDevicesDir = "sys/bus/pci/devices";
inline constexpr std::string_view kPciDriversDir = "sys/bus/pci/drivers";
inline constexpr std::string_view kDevicesDir = "sys/devices";
inline constexpr std::string_view kIommuGroupsDir = "sys/kernel/iommu_groups";
inline constexpr std::string_view kIommuClassDir = "sys/class/iommu";
inline constexpr std::string_view kCmdlineFile = "proc/cmdline";
inline constexpr std::string_view kReleaseFile = "proc/sys/kernel/osrelease";
inline constexpr std::string_view kAcpiTablesDir = "sys/firmware/acpi/tables";
inline constexpr std::array<std::string_view, 2> kFirmwareTables = {"DMAR", "IVRS"};
// Per-function attribute files and links.
inline constexpr std::array<std::string_view, 8> kFunctionFiles = {
    "config", "vendor", "device", "class", "driver_override", "boot_vga", "numa_node", "reset_method"};
inline constexpr std::array<std::string_view, 3> kFunctionLinks = {"driver", "iommu_group", "physfn"};
inline constexpr std::string_view kVirtfnPrefix = "virtfn";
inline constexpr std::array<std::string_view, 3> kGroupFiles = {"type", "reserved_regions", "name"};

// "pciDDDD:BB" (a host bridge directory) -> its bus; nullopt otherwise.
std::optional<BusAddress> parse_root_bus_dir(std::string_view name);

}  // namespace isogroup
