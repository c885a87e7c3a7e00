#include "sysfs_reader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "isogroup/sources/read.h"
#include "sysfs_kernel_log.h"

namespace isogroup {
namespace {

std::string join(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && !b.empty() && out.back() != '/' && out.back() != ':') out += '/';
  out += b;
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\0')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

template <class T>
std::optional<T> parse_number(std::string_view text, int base) {
  text = trim(text);
  if (base == 16 && (text.starts_with("0x") || text.starts_with("0X"))) text.remove_prefix(2);
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

bool is_missing(const Error& e) { return e.errno_ == ENOENT; }

// Reads the files and links of one function directory.
class FunctionReader {
 public:
  FunctionReader(const RootDir& root, const SysfsReadOptions& options, std::vector<std::string>& notes)
      : root_(root), options_(options), notes_(notes) {}

  std::optional<SnapshotFunction> read(std::string_view entry, Bdf address) {
    const std::string entry_path = join(kPciDevicesDir, entry);
    std::string dir;
    if (auto link = root_.read_link(entry_path)) {
      dir = resolve_in_root(kPciDevicesDir, *link);
    } else if (link.error().errno_ == EINVAL) {
      dir = entry_path;  // a plain directory where a link was expected: read it in place
    } else {
      note(address, fmt::format("skipped: {}", link.error().to_string()));
      return std::nullopt;
    }
    if (!dir.starts_with(std::string(kDevicesDir) + "/") && dir != entry_path) {
      note(address, fmt::format("skipped: its link points to /{}, outside /{}", dir, kDevicesDir));
      return std::nullopt;
    }
    if (last_component(dir) != entry) {
      note(address, fmt::format("its link points to /{}, a directory of another name", dir));
    }

    SnapshotFunction fn;
    fn.address = address;
    fn.origin = join(options_.display_root, dir);
    const std::string_view parent = last_component(parent_path(dir));
    if (auto parent_bdf = Bdf::parse(parent); parent_bdf && dir != entry_path) {
      fn.sysfs_parent = *parent_bdf;
      fn.on_root_bus = false;
    } else if (parse_root_bus_dir(parent)) {
      fn.on_root_bus = true;
    }

    if (auto config = root_.read_file(join(dir, "config"), 2 * pci::ConfigSpace::kMaxSize)) {
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(config->data());
      fn.config = pci::ConfigSpace::from_bytes({bytes, config->size()});
      config_sizes_.push_back(config->size());
      if (config->size() != pci::ConfigSpace::kUnprivilegedSize &&
          config->size() != pci::ConfigSpace::kLegacySize && config->size() != pci::ConfigSpace::kMaxSize) {
        note(address, fmt::format("config has {} bytes, not 64, 256 or 4096", config->size()));
      }
    } else {
      note(address, fmt::format("no config space: {}", config.error().to_string()));
    }
    fn.vendor_id = hex_file<std::uint16_t>(dir, "vendor", address);
    fn.device_id = hex_file<std::uint16_t>(dir, "device", address);
    fn.class_code = hex_file<std::uint32_t>(dir, "class", address);

    if (auto driver = root_.read_link(join(dir, "driver"))) {
      fn.driver = std::string(last_component(*driver));
    } else if (is_missing(driver.error())) {
      fn.driver = "";  // no driver bound
    } else {
      note(address, fmt::format("driver unknown: {}", driver.error().to_string()));
    }
    if (auto group = root_.read_link(join(dir, "iommu_group"))) {
      fn.iommu_group = parse_number<int>(last_component(*group), 10);
      if (!fn.iommu_group) note(address, fmt::format("iommu_group link '{}' is not a group", *group));
    } else if (!is_missing(group.error())) {
      note(address, fmt::format("group unknown: {}", group.error().to_string()));
    }
    if (auto physfn = root_.read_link(join(dir, "physfn"))) {
      if (auto pf = Bdf::parse(last_component(*physfn))) {
        fn.physfn = *pf;
      } else {
        note(address, fmt::format("physfn link '{}' does not name a function", *physfn));
      }
    }
    read_virtfns(dir, fn);

    if (auto text = optional_file(dir, "driver_override")) {
      const std::string_view value = trim(*text);
      fn.driver_override = value == "(null)" ? std::string() : std::string(value);
    }
    if (auto text = optional_file(dir, "boot_vga")) {
      if (auto v = parse_number<int>(*text, 10); v && (*v == 0 || *v == 1)) fn.boot_vga = *v == 1;
    }
    if (auto text = optional_file(dir, "numa_node")) fn.numa_node = parse_number<int>(*text, 10);
    if (auto text = optional_file(dir, "reset_method")) {
      std::string_view rest = trim(*text);
      while (!rest.empty()) {
        const auto space = rest.find(' ');
        if (space != 0) fn.reset_methods.emplace_back(rest.substr(0, space));
        if (space == std::string_view::npos) break;
        rest.remove_prefix(space + 1);
      }
    }
    return fn;
  }

  // kFalse as soon as one function returned only the unprivileged 64 bytes.
  Tristate privileged() const {
    if (config_sizes_.empty()) return Tristate::kUnknown;
    const bool truncated = std::any_of(config_sizes_.begin(), config_sizes_.end(), [](std::size_t n) {
      return n == pci::ConfigSpace::kUnprivilegedSize;
    });
    if (truncated) return Tristate::kFalse;
    const bool full = std::any_of(config_sizes_.begin(), config_sizes_.end(), [](std::size_t n) {
      return n > pci::ConfigSpace::kUnprivilegedSize;
    });
    return full ? Tristate::kTrue : Tristate::kUnknown;
  }

 private:
  void note(Bdf address, std::string text) {
    notes_.push_back(fmt::format("{}: {}", address.to_string(), std::move(text)));
  }

  // An attribute that only some functions or kernels have: absence is not worth a note.
  std::optional<std::string> optional_file(std::string_view dir, std::string_view name) {
    auto text = root_.read_file(join(dir, name));
    if (text) return std::move(*text);
    return std::nullopt;
  }

  template <class T>
  std::optional<T> hex_file(std::string_view dir, std::string_view name, Bdf address) {
    auto text = root_.read_file(join(dir, name));
    if (!text) {
      note(address, fmt::format("{} unknown: {}", name, text.error().to_string()));
      return std::nullopt;
    }
    auto value = parse_number<T>(*text, 16);
    if (!value) note(address, fmt::format("{} file holds '{}', not a hex number", name, trim(*text)));
    return value;
  }

  void read_virtfns(std::string_view dir, SnapshotFunction& fn) {
    auto names = root_.list_dir(dir);
    if (!names) return;
    std::vector<std::pair<unsigned, std::string>> links;
    for (const auto& name : *names) {
      if (!name.starts_with(kVirtfnPrefix)) continue;
      if (auto index = parse_number<unsigned>(std::string_view(name).substr(kVirtfnPrefix.size()), 10)) {
        links.emplace_back(*index, name);
      }
    }
    std::sort(links.begin(), links.end());  // virtfn10 after virtfn9, not after virtfn1
    for (const auto& [index, name] : links) {
      auto link = root_.read_link(join(dir, name));
      auto vf = link ? Bdf::parse(last_component(*link)) : Result<Bdf>(tl::unexpect, link.error());
      if (!vf) {
        note(fn.address, fmt::format("{} unreadable: {}", name, vf.error().to_string()));
        continue;
      }
      fn.virtfns.push_back(*vf);
    }
  }

  const RootDir& root_;
  const SysfsReadOptions& options_;
  std::vector<std::string>& notes_;
  std::vector<std::size_t> config_sizes_;
};

void read_kernel_groups(const RootDir& root, Snapshot& s) {
  if (!root.is_directory(kIommuGroupsDir)) {
    s.notes.push_back(fmt::format("no /{}: the kernel's groups are unknown", kIommuGroupsDir));
    return;
  }
  s.has_kernel_groups = true;
  auto names = root.list_dir(kIommuGroupsDir);
  if (!names) {
    s.notes.push_back(names.error().to_string());
    return;
  }
  for (const auto& name : *names) {
    auto id = parse_number<int>(name, 10);
    if (!id) {
      s.notes.push_back(fmt::format("/{}/{}: not a group number; skipped", kIommuGroupsDir, name));
      continue;
    }
    KernelGroup group;
    group.id = *id;
    const std::string dir = join(kIommuGroupsDir, name);
    if (auto members = root.list_dir(join(dir, "devices"))) {
      for (const auto& member : *members) {
        if (auto bdf = Bdf::parse(member)) {
          group.devices.push_back(*bdf);
        } else {
          group.other_devices.push_back(member);
        }
      }
    } else {
      s.notes.push_back(members.error().to_string());
    }
    std::sort(group.devices.begin(), group.devices.end());
    if (auto type = root.read_file(join(dir, "type"))) group.type = std::string(trim(*type));
    if (auto group_name = root.read_file(join(dir, "name"))) group.name = std::string(trim(*group_name));
    if (auto regions = root.read_file(join(dir, "reserved_regions"))) {
      std::string_view rest = *regions;
      while (!rest.empty()) {
        const auto nl = rest.find('\n');
        const std::string_view line = trim(rest.substr(0, nl));
        if (!line.empty()) group.reserved_regions.emplace_back(line);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      }
    }
    s.kernel_groups.push_back(std::move(group));
  }
  std::sort(s.kernel_groups.begin(), s.kernel_groups.end(),
            [](const KernelGroup& a, const KernelGroup& b) { return a.id < b.id; });
}

// "PNP0A08:03" -> ("PNP0A08", 3). ACPI numbers instances per hardware id, in hex.
std::optional<std::pair<std::string, unsigned>> firmware_instance(std::string_view node) {
  const auto colon = node.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto instance = parse_number<unsigned>(node.substr(colon + 1), 16);
  if (!instance) return std::nullopt;
  return std::pair{std::string(node.substr(0, colon)), *instance};
}

// Host bridges in the order the kernel registered their buses (reference §3.5): ACPI
// enumerates them in namespace order and numbers the instances of one hardware id in
// that order, so the firmware_node instance recovers it. Without that, fall back to
// ascending (segment, bus), which is what ordinary x86 firmware produces.
void read_root_buses(const RootDir& root, const std::vector<SnapshotFunction>& functions, Snapshot& s) {
  auto names = root.list_dir(kDevicesDir);
  if (!names) {
    s.notes.push_back(names.error().to_string());
    return;
  }
  std::vector<RootBus> top;
  for (const auto& name : *names) {
    auto bus = parse_root_bus_dir(name);
    if (!bus) continue;
    RootBus root_bus{*bus, std::nullopt};
    if (auto node = root.read_link(join(join(kDevicesDir, name), "firmware_node"))) {
      root_bus.firmware_node = std::string(last_component(*node));
    }
    top.push_back(std::move(root_bus));
  }
  std::sort(top.begin(), top.end(), [](const RootBus& a, const RootBus& b) { return a.bus < b.bus; });
  std::optional<std::string> hid;
  bool ordered = !top.empty();
  for (const auto& rb : top) {
    auto instance = rb.firmware_node ? firmware_instance(*rb.firmware_node) : std::nullopt;
    if (!instance || (hid && *hid != instance->first)) {
      ordered = false;
      break;
    }
    hid = instance->first;
  }
  if (ordered) {
    std::stable_sort(top.begin(), top.end(), [](const RootBus& a, const RootBus& b) {
      return firmware_instance(*a.firmware_node)->second < firmware_instance(*b.firmware_node)->second;
    });
  } else if (top.size() > 1) {
    s.notes.push_back(
        "host bridges have no comparable firmware_node: root buses are taken in ascending order, "
        "which may not be the kernel's discovery order (group numbers may differ)");
  }
  // Host bridges that are not top-level devices (Intel VMD, Hyper-V) register later, when
  // their driver probes; their order among themselves is not recorded anywhere.
  std::set<BusAddress> nested;
  for (const auto& fn : functions) {
    if (!fn.on_root_bus.value_or(false)) continue;
    const BusAddress bus{fn.address.domain, fn.address.bus};
    if (std::none_of(top.begin(), top.end(), [&](const RootBus& rb) { return rb.bus == bus; })) {
      nested.insert(bus);
    }
  }
  if (!nested.empty()) {
    s.notes.push_back(
        "host bridges below other devices (VMD, Hyper-V) are placed after the others, in ascending order");
  }
  s.root_buses = std::move(top);
  for (const auto& bus : nested) s.root_buses.push_back(RootBus{bus, std::nullopt});
}

}  // namespace

std::optional<BusAddress> parse_root_bus_dir(std::string_view name) {
  if (!name.starts_with("pci")) return std::nullopt;
  name.remove_prefix(3);
  const auto colon = name.find(':');
  if (colon == std::string_view::npos || colon < 4 || colon > 8 || name.size() - colon - 1 != 2) {
    return std::nullopt;
  }
  auto domain = parse_number<std::uint32_t>(name.substr(0, colon), 16);
  auto bus = parse_number<std::uint8_t>(name.substr(colon + 1), 16);
  if (!domain || !bus || name.substr(0, colon).starts_with("0x")) return std::nullopt;
  return BusAddress{*domain, *bus};
}

Result<Snapshot> read_sysfs_tree(const RootDir& root, const SysfsReadOptions& options) {
  Snapshot s;
  s.kind = options.kind;
  s.source = options.display_root;

  auto entries = root.list_dir(kPciDevicesDir);
  if (!entries) {
    Error e = std::move(entries.error());
    return tl::unexpected(std::move(e).with_hint(
        fmt::format("{} is not a sysfs root: it has no {}", root.path().string(), kPciDevicesDir)));
  }
  FunctionReader reader(root, options, s.notes);
  for (const auto& entry : *entries) {
    auto address = Bdf::parse(entry);
    if (!address) {
      s.notes.push_back(fmt::format("/{}/{}: not a PCI address; skipped", kPciDevicesDir, entry));
      continue;
    }
    if (auto fn = reader.read(entry, *address)) s.functions.push_back(std::move(*fn));
  }
  std::sort(s.functions.begin(), s.functions.end(),
            [](const SnapshotFunction& a, const SnapshotFunction& b) { return a.address < b.address; });
  s.privileged = reader.privileged();
  if (s.privileged == Tristate::kFalse) {
    s.notes.push_back("config space was read without privileges (64 bytes per function): "
                      "capabilities such as ACS are unknown; run as root");
  }

  read_kernel_groups(root, s);
  if (auto cmdline = root.read_file(kCmdlineFile)) s.cmdline = std::string(trim(*cmdline));
  else s.notes.push_back(fmt::format("kernel command line unknown: {}", cmdline.error().to_string()));
  if (auto release = root.read_file(kReleaseFile)) s.kernel_release = std::string(trim(*release));
  else s.notes.push_back(fmt::format("kernel release unknown: {}", release.error().to_string()));

  if (auto units = root.list_dir(kIommuClassDir)) {
    s.iommu_units = std::move(*units);
    s.iommu_active = to_tristate(!s.iommu_units.empty());
  } else {
    s.notes.push_back(fmt::format("whether an IOMMU is active is unknown: {}", units.error().to_string()));
  }
  read_root_buses(root, s.functions, s);

  for (const auto table : kFirmwareTables) {
    const std::string path = join(kAcpiTablesDir, table);
    if (!root.exists(path)) continue;
    if (auto bytes = root.read_file(path)) {
      s.firmware_tables.emplace(std::string(table), path);
    } else {
      s.notes.push_back(fmt::format("ACPI table {} unreadable: {}", table, bytes.error().to_string()));
    }
  }
  if (options.read_kernel_log) {
    if (auto log = read_kernel_log(root)) {
      s.dmesg = std::move(*log);
    } else {
      s.notes.push_back(fmt::format("kernel log unreadable: {}", log.error().to_string()));
    }
  }
  return s;
}

Result<Snapshot> read_sysfs(const std::filesystem::path& root) {
  auto dir = RootDir::open(root);
  if (!dir) return tl::unexpected(std::move(dir.error()));
  return read_sysfs_tree(*dir, SysfsReadOptions{SourceKind::kLiveSysfs, root.string(), true});
}

}  // namespace isogroup
