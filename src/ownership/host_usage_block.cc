// The block-device checks: "mounted", "swap" and "holder" (md, dm, LVM built on a disk).
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "host_usage_scan.h"

namespace isogroup::host_usage_detail {
namespace {

// Holder chains deeper than this (dm on md on dm ...) are cut: real stacks are 2-3 deep.
constexpr int kMaxHolderDepth = 8;

struct BlockDevice {
  std::string name;
  std::string path;                    // root-relative sysfs directory; "" when unknown
  std::optional<std::string> devnum;   // "259:2", from the dev attribute
  std::optional<std::string> dm_name;  // "vg-root", from dm/name
};

struct Mount {
  std::optional<std::string> devnum;  // mountinfo only
  std::string source;                 // "/dev/nvme0n1p2"
  std::string mountpoint;
};

struct MountTable {
  std::vector<Mount> mounts;
  std::optional<std::string> unreadable;
};

// proc/self/mountinfo: "36 35 98:0 /root /mnt opts [optional...] - fstype source superopts".
// The major:minor field is what ties a mount to a block device; the source is needed too
// because btrfs (and others) report an anonymous 0:N device number.
MountTable read_mounts(const RootDir& root) {
  MountTable table;
  auto info = root.read_file("proc/self/mountinfo");
  if (info) {
    for (const auto line : split_lines(*info)) {
      const auto f = split_fields(line);
      if (f.size() < 7) continue;
      Mount m{std::string(f[2]), {}, unescape_proc(f[4])};
      for (std::size_t j = 6; j < f.size(); ++j) {
        if (f[j] == "-") {
          if (j + 2 < f.size()) m.source = unescape_proc(f[j + 2]);
          break;
        }
      }
      table.mounts.push_back(std::move(m));
    }
    return table;
  }
  auto plain = root.read_file("proc/mounts");
  if (plain) {
    for (const auto line : split_lines(*plain)) {
      const auto f = split_fields(line);
      if (f.size() < 2) continue;
      table.mounts.push_back({std::nullopt, unescape_proc(f[0]), unescape_proc(f[1])});
    }
    return table;
  }
  table.unreadable = fmt::format("{}; and {}", info.error().to_string(), plain.error().to_string());
  return table;
}

struct SwapTable {
  std::vector<std::string> files;
  std::optional<std::string> unreadable;
};

SwapTable read_swaps(const RootDir& root) {
  SwapTable table;
  auto text = root.read_file("proc/swaps");
  if (!text) {
    table.unreadable = text.error().to_string();
    return table;
  }
  bool header = true;
  for (const auto line : split_lines(*text)) {
    if (header) {  // "Filename  Type  Size  Used  Priority"
      header = false;
      continue;
    }
    const auto f = split_fields(line);
    if (!f.empty()) table.files.push_back(unescape_proc(f[0]));
  }
  return table;
}

// The names a mount or swap table may use for DEVICE.
bool names_device(const std::string& source, const BlockDevice& device) {
  if (source == "/dev/" + device.name) return true;
  return device.dm_name && source == "/dev/mapper/" + *device.dm_name;
}

std::optional<std::string> read_trimmed(const RootDir& root, const std::string& relative) {
  auto text = root.read_file(relative);
  if (!text) return std::nullopt;
  return std::string(trim(*text));
}

BlockDevice describe_device(const RootDir& root, std::string name, std::string path) {
  BlockDevice d{std::move(name), std::move(path), std::nullopt, std::nullopt};
  if (!d.path.empty()) {
    d.devnum = read_trimmed(root, d.path + "/dev");
    d.dm_name = read_trimmed(root, d.path + "/dm/name");
  }
  return d;
}

// With NVMe native multipath the namespace's block device lives under
// sys/devices/virtual/nvme-subsystem/nvme-subsysN/, next to links to each controller
// (nvme0 -> ../../../pci0000:00/.../0000:01:00.0/nvme/nvme0). The disk depends on every
// function whose controller is linked there.
std::optional<FunctionId> nvme_subsystem_owner(Scan& scan, std::string_view path) {
  constexpr std::string_view kMarker = "/nvme-subsystem/";
  const auto at = path.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  const auto end = path.find('/', at + kMarker.size());
  const std::string subsystem(path.substr(0, end));
  auto entries = scan.root.list_dir(subsystem);
  if (!entries) {
    scan.unknown(kCheckMounted, entries.error());
    return std::nullopt;
  }
  for (const auto& entry : *entries) {
    if (!entry.starts_with("nvme")) continue;
    auto controller = resolve_link(scan.root, subsystem + "/" + entry);
    if (!controller) continue;  // the namespace directories are not links
    if (auto owner = scan.owner_of(*controller)) return owner;
  }
  return std::nullopt;
}

class BlockChecker {
 public:
  BlockChecker(Scan& scan, MountTable mounts, SwapTable swaps)
      : scan_(scan), mounts_(std::move(mounts)), swaps_(std::move(swaps)) {}

  std::vector<std::string> mountpoints(const BlockDevice& d) const {
    std::vector<std::string> out;
    for (const auto& m : mounts_.mounts) {
      if ((d.devnum && m.devnum && *m.devnum == *d.devnum) || names_device(m.source, d)) {
        out.push_back(m.mountpoint);
      }
    }
    return out;
  }

  bool is_swap(const BlockDevice& d) const {
    for (const auto& f : swaps_.files) {
      if (names_device(f, d)) return true;
    }
    return false;
  }

  void check(const BlockDevice& d, FunctionId function) {
    const std::string behind = fmt::format("{} (behind {})", d.name, scan_.address(function));
    if (mounts_.unreadable) {
      scan_.unknown(kCheckMounted, *mounts_.unreadable);
    } else if (const auto points = mountpoints(d); !points.empty()) {
      scan_.finding(kCheckMounted, function,
                    fmt::format("{} is mounted on {}", behind, fmt::join(points, ", ")),
                    fmt::format("unmount it (umount {}), or leave this group to the host if the "
                                "host needs that filesystem",
                                points.front()));
    }
    if (swaps_.unreadable) {
      scan_.unknown(kCheckSwap, *swaps_.unreadable);
    } else if (is_swap(d)) {
      scan_.finding(kCheckSwap, function, fmt::format("{} is in use as swap", behind),
                    fmt::format("swapoff /dev/{} (and remove it from /etc/fstab)", d.name));
    }
    std::set<std::string> seen{d.name};
    auto holders = holder_names(d);
    for (const auto& holder : holders) {
      const std::string chain = describe_holder(holder, 1, seen);
      scan_.finding(kCheckHolder, function, fmt::format("{} is held by {}", behind, chain),
                    "unmount what is built on it and take the stack down (vgchange -an VG, "
                    "dmsetup remove NAME, mdadm --stop /dev/mdX), or move the data off this device");
    }
  }

 private:
  std::vector<std::string> holder_names(const BlockDevice& d) {
    if (d.path.empty()) {
      scan_.unknown(kCheckHolder, fmt::format("{}: its sysfs directory is unknown", d.name));
      return {};
    }
    auto names = scan_.root.list_dir(d.path + "/holders");
    if (!names) {
      if (!is_missing(names.error())) scan_.unknown(kCheckHolder, names.error());
      return {};
    }
    return *names;
  }

  // "dm-0 (vg-root), which is mounted on /" — and on through that device's own holders.
  std::string describe_holder(const std::string& name, int depth, std::set<std::string>& seen) {
    auto path = resolve_link(scan_.root, "sys/class/block/" + name);
    if (!path) scan_.unknown(kCheckHolder, path.error());
    const BlockDevice h = describe_device(scan_.root, name, path ? *path : std::string());
    std::string label = h.dm_name ? fmt::format("{} ({})", h.name, *h.dm_name) : h.name;
    if (!seen.insert(name).second) return label;
    std::vector<std::string> uses;
    if (const auto points = mountpoints(h); !points.empty()) {
      uses.push_back(fmt::format("mounted on {}", fmt::join(points, ", ")));
    }
    if (is_swap(h)) uses.push_back("in use as swap");
    if (depth < kMaxHolderDepth) {
      for (const auto& upper : holder_names(h)) {
        uses.push_back("held by " + describe_holder(upper, depth + 1, seen));
      }
    } else {
      scan_.unknown(kCheckHolder, fmt::format("{}: holder chain deeper than {}", name, kMaxHolderDepth));
    }
    if (uses.empty()) {
      return label + ", which is active but not mounted or used as swap";
    }
    return fmt::format("{}, which is {}", label, fmt::join(uses, " and "));
  }

  Scan& scan_;
  MountTable mounts_;
  SwapTable swaps_;
};

}  // namespace

void check_block_devices(Scan& scan) {
  auto names = scan.root.list_dir("sys/class/block");
  if (!names) {
    if (is_missing(names.error())) return;  // no block class: no block devices
    for (const auto check : {kCheckMounted, kCheckSwap, kCheckHolder}) scan.unknown(check, names.error());
    return;
  }
  std::vector<std::pair<BlockDevice, FunctionId>> owned;
  for (const auto& name : *names) {
    auto path = resolve_link(scan.root, "sys/class/block/" + name);
    if (!path) {
      scan.unknown(kCheckMounted, path.error());
      continue;
    }
    auto owner = scan.owner_of(*path);
    if (!owner) owner = nvme_subsystem_owner(scan, *path);
    if (!owner) continue;
    owned.emplace_back(describe_device(scan.root, name, std::move(*path)), *owner);
  }
  if (owned.empty()) return;
  BlockChecker checker(scan, read_mounts(scan.root), read_swaps(scan.root));
  for (const auto& [device, function] : owned) checker.check(device, function);
}

}  // namespace isogroup::host_usage_detail
