#include "fakes/fake_sysfs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "isogroup/core/bdf.h"

namespace isogroup::testing {
namespace {

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0) parts.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

// The link text the kernel would write in FROM_DIR for TO: up to the common ancestor,
// then down (sysfs_create_link makes relative links of exactly this form).

std::string canonical(std::string_view address) {
  auto bdf = Bdf::parse(address);
  if (!bdf) {
    ADD_FAILURE() << "FakeSysfs: bad address " << address;
    return std::string(address);
  }
  return bdf->to_string();
}

std::string root_bus_dir(std::uint32_t domain, std::uint8_t bus) {
  return fmt::format("sys/devices/pci{:04x}:{:02x}", domain, bus);
}

}  // namespace

std::vector<std::uint8_t> fake_config(std::uint16_t vendor, std::uint16_t device, std::uint32_t class_code,
                                      std::size_t size, std::uint8_t header_type) {
  std::vector<std::uint8_t> bytes(size, 0);
  auto poke = [&](std::size_t offset, std::uint8_t value) {
    if (offset < bytes.size()) bytes[offset] = value;
  };
  poke(0x00, static_cast<std::uint8_t>(vendor & 0xff));
  poke(0x01, static_cast<std::uint8_t>(vendor >> 8));
  poke(0x02, static_cast<std::uint8_t>(device & 0xff));
  poke(0x03, static_cast<std::uint8_t>(device >> 8));
  poke(0x09, static_cast<std::uint8_t>(class_code & 0xff));
  poke(0x0a, static_cast<std::uint8_t>(class_code >> 8));
  poke(0x0b, static_cast<std::uint8_t>(class_code >> 16));
  poke(0x0e, header_type);
  return bytes;
}

std::string relative_sysfs_link(std::string_view from_dir, std::string_view to) {
  const auto from = split(from_dir);
  const auto target = split(to);
  std::size_t common = 0;
  while (common < from.size() && common < target.size() && from[common] == target[common]) ++common;
  std::string out;
  for (std::size_t i = common; i < from.size(); ++i) out += "../";
  for (std::size_t i = common; i < target.size(); ++i) {
    out += target[i];
    if (i + 1 < target.size()) out += '/';
  }
  return out;
}

FakeSysfs::FakeSysfs() {
  std::error_code ec;
  auto base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "isogroup-fake-sysfs-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "FakeSysfs: mkdtemp failed";
  }
  root_ = pattern;
  std::filesystem::create_directories(root_ / "sys/bus/pci/devices", ec);
  std::filesystem::create_directories(root_ / "sys/bus/pci/drivers", ec);
  std::filesystem::create_directories(root_ / "sys/devices", ec);
  std::filesystem::create_directories(root_ / "proc/sys/kernel", ec);
}

FakeSysfs::~FakeSysfs() {
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);  // does not follow symlinks
}

FakeSysfs& FakeSysfs::write_file(std::string_view relative, std::string_view content) {
  const auto path = root_ / relative;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) ADD_FAILURE() << "FakeSysfs: cannot write " << path;
  return *this;
}

FakeSysfs& FakeSysfs::symlink(std::string_view relative, std::string_view target) {
  const auto path = root_ / relative;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::filesystem::create_symlink(std::string(target), path, ec);
  if (ec) ADD_FAILURE() << "FakeSysfs: cannot link " << path << ": " << ec.message();
  return *this;
}

FakeSysfs& FakeSysfs::remove(std::string_view relative) {
  std::error_code ec;
  std::filesystem::remove_all(root_ / relative, ec);
  return *this;
}

FakeSysfs& FakeSysfs::add_root_bus(std::uint32_t domain, std::uint8_t bus,
                                   std::optional<std::string> firmware_node) {
  const std::string dir = root_bus_dir(domain, bus);
  std::error_code ec;
  std::filesystem::create_directories(root_ / dir, ec);
  if (firmware_node) {
    const std::string node = "sys/devices/LNXSYSTM:00/LNXSYBUS:00/" + *firmware_node;
    std::filesystem::create_directories(root_ / node, ec);
    symlink(dir + "/firmware_node", relative_sysfs_link(dir, node));
  }
  return *this;
}

std::string FakeSysfs::group_dir(int group) {
  const std::string dir = fmt::format("sys/kernel/iommu_groups/{}", group);
  std::error_code ec;
  std::filesystem::create_directories(root_ / dir / "devices", ec);
  return dir;
}

FakeSysfs& FakeSysfs::add_function(std::string_view address, std::string_view parent,
                                   const std::vector<std::uint8_t>& config,
                                   const FakeFunctionOptions& options) {
  const std::string name = canonical(address);
  std::string parent_dir;
  if (parent == "root") {
    const auto bdf = Bdf::parse(name);
    if (!bdf) return *this;
    parent_dir = root_bus_dir(bdf->domain, bdf->bus);
    std::error_code ec;
    if (!std::filesystem::exists(root_ / parent_dir, ec)) add_root_bus(bdf->domain, bdf->bus);
  } else {
    const auto it = function_dirs_.find(canonical(parent));
    if (it == function_dirs_.end()) {
      ADD_FAILURE() << "FakeSysfs: parent " << parent << " of " << address << " was not added";
      return *this;
    }
    parent_dir = it->second;
  }
  const std::string dir = parent_dir + "/" + name;
  function_dirs_[name] = dir;
  std::error_code ec;
  std::filesystem::create_directories(root_ / dir, ec);

  if (options.write_config) {
    write_file(dir + "/config", std::string_view(reinterpret_cast<const char*>(config.data()), config.size()));
  }
  if (options.write_id_files) {
    auto byte = [&](std::size_t i) -> unsigned { return i < config.size() ? config[i] : 0u; };
    const unsigned vendor = options.vendor.value_or(static_cast<std::uint16_t>(byte(0) | byte(1) << 8));
    const unsigned device = options.device.value_or(static_cast<std::uint16_t>(byte(2) | byte(3) << 8));
    const unsigned class_code =
        options.class_code.value_or(static_cast<std::uint32_t>(byte(9) | byte(10) << 8 | byte(11) << 16));
    write_file(dir + "/vendor", fmt::format("0x{:04x}\n", vendor));
    write_file(dir + "/device", fmt::format("0x{:04x}\n", device));
    write_file(dir + "/class", fmt::format("0x{:06x}\n", class_code));
  }
  symlink("sys/bus/pci/devices/" + name, relative_sysfs_link("sys/bus/pci/devices", dir));

  if (options.driver) {
    const std::string driver_dir = "sys/bus/pci/drivers/" + *options.driver;
    std::filesystem::create_directories(root_ / driver_dir, ec);
    symlink(dir + "/driver", relative_sysfs_link(dir, driver_dir));
  }
  if (options.group) {
    const std::string gdir = group_dir(*options.group);
    symlink(dir + "/iommu_group", relative_sysfs_link(dir, gdir));
    symlink(gdir + "/devices/" + name, relative_sysfs_link(gdir + "/devices", dir));
  }
  if (options.physfn) {
    const std::string pf = canonical(*options.physfn);
    const auto it = function_dirs_.find(pf);
    if (it == function_dirs_.end()) {
      ADD_FAILURE() << "FakeSysfs: physfn " << pf << " of " << address << " was not added";
    } else {
      symlink(dir + "/physfn", relative_sysfs_link(dir, it->second));
      const int index = virtfn_count_[pf]++;
      symlink(fmt::format("{}/virtfn{}", it->second, index), relative_sysfs_link(it->second, dir));
    }
  }
  if (options.driver_override) write_file(dir + "/driver_override", *options.driver_override + "\n");
  if (options.boot_vga) write_file(dir + "/boot_vga", *options.boot_vga ? "1\n" : "0\n");
  if (options.numa_node) write_file(dir + "/numa_node", fmt::format("{}\n", *options.numa_node));
  if (options.reset_method) write_file(dir + "/reset_method", *options.reset_method + "\n");
  return *this;
}

FakeSysfs& FakeSysfs::set_cmdline(std::string_view cmdline) {
  return write_file("proc/cmdline", std::string(cmdline) + "\n");
}

FakeSysfs& FakeSysfs::set_release(std::string_view release) {
  return write_file("proc/sys/kernel/osrelease", std::string(release) + "\n");
}

FakeSysfs& FakeSysfs::add_iommu_unit(std::string_view name) {
  // As in the kernel: a class link to the unit's device under /sys/devices/virtual/iommu.
  const std::string device = "sys/devices/virtual/iommu/" + std::string(name);
  std::error_code ec;
  std::filesystem::create_directories(root_ / device, ec);
  return symlink("sys/class/iommu/" + std::string(name), relative_sysfs_link("sys/class/iommu", device));
}

FakeSysfs& FakeSysfs::no_iommu_units() {
  std::error_code ec;
  std::filesystem::create_directories(root_ / "sys/class/iommu", ec);
  return *this;
}

FakeSysfs& FakeSysfs::set_group_type(int group, std::string_view type) {
  return write_file(group_dir(group) + "/type", std::string(type) + "\n");
}

FakeSysfs& FakeSysfs::add_group_member(int group, std::string_view name) {
  const std::string gdir = group_dir(group);
  const std::string device = "sys/devices/platform/" + std::string(name);
  std::error_code ec;
  std::filesystem::create_directories(root_ / device, ec);
  return symlink(gdir + "/devices/" + std::string(name), relative_sysfs_link(gdir + "/devices", device));
}

FakeSysfs& FakeSysfs::ensure_groups_dir() {
  std::error_code ec;
  std::filesystem::create_directories(root_ / "sys/kernel/iommu_groups", ec);
  return *this;
}

std::string FakeSysfs::function_dir(std::string_view address) const {
  const auto it = function_dirs_.find(canonical(address));
  return it == function_dirs_.end() ? std::string() : it->second;
}

}  // namespace isogroup::testing
