// The display checks: "boot-vga" (the firmware's and the early console's GPU) and
// "console" (a framebuffer behind the function drives the text console through fbcon).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "host_usage_scan.h"

namespace isogroup::host_usage_detail {
namespace {

struct Framebuffer {
  std::string name;  // fb0
  std::string path;
};

// sys/class/graphics/fb*: each resolved to its device path. A missing class directory
// means no framebuffer device at all.
std::optional<std::vector<Framebuffer>> framebuffers(Scan& scan) {
  std::vector<Framebuffer> out;
  auto names = scan.root.list_dir("sys/class/graphics");
  if (!names) {
    if (is_missing(names.error())) return out;
    scan.unknown(kCheckConsole, names.error());
    return std::nullopt;
  }
  for (const auto& name : *names) {
    if (!name.starts_with("fb")) continue;  // fbcon is a class entry too
    auto path = resolve_link(scan.root, "sys/class/graphics/" + name);
    if (!path) {
      scan.unknown(kCheckConsole, path.error());
      continue;
    }
    out.push_back({name, std::move(*path)});
  }
  return out;
}

// A framebuffer the firmware set up (efifb, vesafb, simplefb, simpledrm) is a platform
// device, but its memory is a BAR of the boot VGA function.
bool is_firmware_framebuffer(const Framebuffer& fb) {
  return fb.path.starts_with("sys/devices/platform/");
}

// Whether fbcon is bound to a virtual console: sys/class/vtconsole/vtconN/{name,bind}.
Tristate fbcon_bound(Scan& scan) {
  auto names = scan.root.list_dir("sys/class/vtconsole");
  if (!names) {
    if (is_missing(names.error())) return Tristate::kFalse;  // no VT layer
    scan.unknown(kCheckConsole, names.error());
    return Tristate::kUnknown;
  }
  Tristate bound = Tristate::kFalse;
  for (const auto& vtcon : *names) {
    const std::string dir = "sys/class/vtconsole/" + vtcon;
    auto name = scan.root.read_file(dir + "/name");
    auto bind = scan.root.read_file(dir + "/bind");
    if (!name || !bind) {
      scan.unknown(kCheckConsole, !name ? name.error() : bind.error());
      bound = bound || Tristate::kUnknown;
      continue;
    }
    if (name->find("frame buffer device") != std::string::npos && trim(*bind) == "1") return Tristate::kTrue;
  }
  return bound;
}

}  // namespace

void check_display(Scan& scan) {
  const auto fbs = framebuffers(scan);
  std::vector<std::string> firmware_fbs;
  if (fbs) {
    for (const auto& fb : *fbs) {
      if (is_firmware_framebuffer(fb)) firmware_fbs.push_back(fb.name);
    }
  }

  std::vector<std::pair<FunctionId, std::vector<std::string>>> console_candidates;
  for (const auto& [function, dir] : scan.function_dirs) {
    std::vector<std::string> own;
    if (fbs) {
      for (const auto& fb : *fbs) {
        if (scan.owner_of(fb.path) == function) own.push_back(fb.name);
      }
    }
    // The kernel creates boot_vga only for VGA-class functions (drivers/pci/pci-sysfs.c):
    // a missing file means "not a VGA device".
    auto boot_vga = scan.root.read_file(dir + "/boot_vga");
    if (!boot_vga && !is_missing(boot_vga.error())) scan.unknown(kCheckBootVga, boot_vga.error());
    if (boot_vga && trim(*boot_vga) == "1") {
      std::string what = fmt::format("{} is the boot VGA device", scan.address(function));
      if (!firmware_fbs.empty()) {
        what += fmt::format("; the firmware framebuffer ({}) still uses its memory",
                            fmt::join(firmware_fbs, ", "));
        own.insert(own.end(), firmware_fbs.begin(), firmware_fbs.end());
      }
      scan.finding(kCheckBootVga, function, std::move(what),
                   "give the host another GPU (choose the primary display in the firmware), or "
                   "release the boot framebuffer first (video=efifb:off, or "
                   "initcall_blacklist=sysfb_init with simpledrm), then --force boot-vga");
    }
    if (!own.empty()) console_candidates.emplace_back(function, std::move(own));
  }
  if (console_candidates.empty()) return;

  const Tristate fbcon = fbcon_bound(scan);
  if (fbcon != Tristate::kTrue) return;  // unknown was already recorded
  for (const auto& [function, names] : console_candidates) {
    scan.finding(kCheckConsole, function,
                 fmt::format("{} ({}) drives the text console through fbcon",
                             scan.address(function), fmt::join(names, ", ")),
                 "make sure the host is reachable another way (serial, SSH), then unbind the "
                 "framebuffer console (echo 0 > /sys/class/vtconsole/vtconN/bind) or boot with "
                 "fbcon=map:N pointing at another framebuffer");
  }
}

}  // namespace isogroup::host_usage_detail
