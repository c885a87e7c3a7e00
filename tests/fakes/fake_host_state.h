// FakeHostState: what the host does with its devices, added to a FakeSysfs tree for the
// ownership safety checks: block devices (with partitions, holders, NVMe subsystems),
// mounts, swap, network interfaces and their routes and addresses, framebuffers and the
// virtual console layer. It writes the same files and relative links the kernel shows.
//
// The constructor writes empty proc/self/mountinfo, proc/swaps and proc/net/route (with
// their header lines), as on a host that uses none of them; call remove() on the
// FakeSysfs to make one unreadable.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/fake_sysfs.h"

namespace isogroup::testing {

class FakeHostState {
 public:
  explicit FakeHostState(FakeSysfs& sysfs);

  // A disk below the function: <function>/<via>/<name> (via "nvme/nvme0" for NVMe,
  // "ata1/host0/target0:0:0/0:0:0:0/block" for SATA), with `partitions` partitions named
  // the kernel's way (nvme0n1p1, sda1) and numbered minor+1, minor+2, ...
  FakeHostState& add_disk(std::string_view name, std::string_view function, std::string_view via,
                          int major, int minor, int partitions = 0);
  // A device-mapper or md device under sys/devices/virtual/block (dm_name: dm/name).
  FakeHostState& add_virtual_disk(std::string_view name, int major, int minor,
                                  std::string_view dm_name = {});
  // An NVMe namespace under native multipath: sys/devices/virtual/nvme-subsystem/<subsystem>/
  // <name>, with a link <subsystem>/<controller> to <function>/nvme/<controller>.
  FakeHostState& add_multipath_disk(std::string_view name, std::string_view subsystem,
                                    std::string_view controller, std::string_view function, int major,
                                    int minor);
  // LOWER is held by UPPER: <lower>/holders/<upper> and <upper>/slaves/<lower>.
  FakeHostState& add_holder(std::string_view lower, std::string_view upper);

  // A line of proc/self/mountinfo (and proc/mounts).
  FakeHostState& add_mount(std::string_view source, std::string_view mountpoint, int major, int minor,
                           std::string_view fstype = "ext4");
  FakeHostState& add_swap(std::string_view filename);

  // An interface below the function (<function>/net/<name>) or a virtual one (bridge, bond).
  FakeHostState& add_interface(std::string_view name, std::string_view function);
  FakeHostState& add_virtual_interface(std::string_view name);
  // LOWER is a port of UPPER: <lower>/master and <lower>/upper_<upper>.
  FakeHostState& set_master(std::string_view lower, std::string_view upper);
  // proc/net/route: "0.0.0.0/0" with a gateway for a default route, "192.168.1.0/24" for
  // the route an address brings.
  FakeHostState& add_ipv4_route(std::string_view iface, std::string_view prefix,
                                std::string_view gateway = "0.0.0.0");
  FakeHostState& add_ipv6_route(std::string_view iface, std::string_view prefix,
                                std::string_view next_hop = "::", unsigned flags = 0x0001);
  // proc/net/if_inet6; scope 0x00 global, 0x20 link.
  FakeHostState& add_ipv6_address(std::string_view iface, std::string_view address, int prefix_length,
                                  unsigned scope = 0x00);

  // A framebuffer <function>/graphics/<name>, or with an empty function a firmware one under
  // sys/devices/platform/<platform_device>/graphics/<name>.
  FakeHostState& add_framebuffer(std::string_view name, std::string_view function,
                                 std::string_view platform_device = "efi-framebuffer.0");
  // sys/class/vtconsole/vtcon<index>/{name,bind}.
  FakeHostState& add_vtconsole(int index, std::string_view name, bool bound);

 private:
  FakeHostState& add_block(std::string_view name, const std::string& dir, int major, int minor);
  void append(std::string_view relative, const std::string& line);

  FakeSysfs& sysfs_;
  std::map<std::string, std::string> block_dirs_;  // name -> root-relative directory
  std::map<std::string, std::string> net_dirs_;
  int next_mount_id_ = 20;
};

// The link text sysfs would put in FROM_DIR for TO (both root-relative directories).
std::string sysfs_relative_link(std::string_view from_dir, std::string_view to);

}  // namespace isogroup::testing
