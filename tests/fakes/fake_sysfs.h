// FakeSysfs: a temporary directory laid out like a real sysfs/proc root, with the same
// relative symlinks the kernel creates, for read_sysfs, capture and ownership tests.
//
//   sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/{config,vendor,device,class,...}
//   sys/bus/pci/devices/0000:02:00.0 -> ../../../devices/pci0000:00/0000:00:1c.0/0000:02:00.0
//   .../0000:02:00.0/iommu_group -> ../../../../kernel/iommu_groups/N
//   .../0000:02:00.0/driver -> ../../../../bus/pci/drivers/D
//   sys/kernel/iommu_groups/N/devices/0000:02:00.0 -> ../../../../devices/pci0000:00/...
//
// The tree is removed when the FakeSysfs is destroyed. Failures to build it fail the test.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isogroup::testing {

struct FakeFunctionOptions {
  std::optional<std::string> driver;           // bound driver; nullopt = no driver link
  std::optional<int> group;                    // iommu_group link and group membership
  std::optional<std::string> physfn;           // PF address: makes this a VF (physfn + PF's virtfnN)
  std::optional<std::string> driver_override;  // file content; "(null)" is what the kernel shows
  std::optional<bool> boot_vga;
  std::optional<int> numa_node;
  std::optional<std::string> reset_method;     // file content, e.g. "flr bus"
  // vendor/device/class files: taken from config bytes 0-11 unless given here;
  // `write_id_files = false` omits them (a function with missing files).
  std::optional<std::uint16_t> vendor, device;
  std::optional<std::uint32_t> class_code;
  bool write_id_files = true;
  bool write_config = true;  // false: no config file

  // Chainable setters: FakeFunctionOptions().with_driver("nvme").in_group(2).
  FakeFunctionOptions with_driver(std::string d) const { auto o = *this; o.driver = std::move(d); return o; }
  FakeFunctionOptions in_group(int g) const { auto o = *this; o.group = g; return o; }
  FakeFunctionOptions vf_of(std::string pf) const { auto o = *this; o.physfn = std::move(pf); return o; }
  FakeFunctionOptions with_driver_override(std::string d) const {
    auto o = *this;
    o.driver_override = std::move(d);
    return o;
  }
  FakeFunctionOptions with_boot_vga(bool b) const { auto o = *this; o.boot_vga = b; return o; }
  FakeFunctionOptions on_numa_node(int n) const { auto o = *this; o.numa_node = n; return o; }
  FakeFunctionOptions with_reset_method(std::string r) const {
    auto o = *this;
    o.reset_method = std::move(r);
    return o;
  }
  FakeFunctionOptions without_id_files() const { auto o = *this; o.write_id_files = false; return o; }
  FakeFunctionOptions without_config() const { auto o = *this; o.write_config = false; return o; }
};

// The relative symlink text that leads from directory FROM_DIR to TO (both root-relative),
// the way sysfs writes its links: "../../../devices/pci0000:00/0000:00:1c.0".
std::string relative_sysfs_link(std::string_view from_dir, std::string_view to);

class FakeSysfs {
 public:
  FakeSysfs();
  ~FakeSysfs();
  FakeSysfs(const FakeSysfs&) = delete;
  FakeSysfs& operator=(const FakeSysfs&) = delete;

  const std::filesystem::path& path() const { return root_; }

  // A host bridge directory sys/devices/pciDDDD:BB, with an optional firmware_node link
  // to ../LNXSYSTM:00/LNXSYBUS:00/<firmware_node>. add_function adds a missing one
  // (without firmware node) on its own.
  FakeSysfs& add_root_bus(std::uint32_t domain, std::uint8_t bus,
                          std::optional<std::string> firmware_node = std::nullopt);

  // `parent` is "root" (the function sits on a root bus: its directory is directly under
  // pciDDDD:BB of its own domain and bus) or the address of a function added earlier.
  FakeSysfs& add_function(std::string_view address, std::string_view parent,
                          const std::vector<std::uint8_t>& config, const FakeFunctionOptions& options = {});

  FakeSysfs& set_cmdline(std::string_view cmdline);
  FakeSysfs& set_release(std::string_view release);
  FakeSysfs& add_iommu_unit(std::string_view name);   // sys/class/iommu/<name>
  FakeSysfs& no_iommu_units();                        // an empty sys/class/iommu
  FakeSysfs& set_group_type(int group, std::string_view type);
  FakeSysfs& add_group_member(int group, std::string_view name);  // a non-PCI member
  FakeSysfs& ensure_groups_dir();                     // sys/kernel/iommu_groups, even if empty

  // Generic edits, relative to the root (parents are created).
  FakeSysfs& write_file(std::string_view relative, std::string_view content);
  FakeSysfs& symlink(std::string_view relative, std::string_view target);
  FakeSysfs& remove(std::string_view relative);

  // The function's directory relative to the root ("sys/devices/pci0000:00/...").
  std::string function_dir(std::string_view address) const;

 private:
  std::string group_dir(int group);

  std::filesystem::path root_;
  std::map<std::string, std::string> function_dirs_;  // canonical address -> relative dir
  std::map<std::string, int> virtfn_count_;           // PF address -> VFs linked so far
};

// A config space of `size` bytes (64, 256, 4096) with ids, class and header type set;
// the rest zero. For tests that need real capabilities, use ConfigBuilder.
std::vector<std::uint8_t> fake_config(std::uint16_t vendor, std::uint16_t device, std::uint32_t class_code,
                                      std::size_t size = 4096, std::uint8_t header_type = 0);

}  // namespace isogroup::testing
