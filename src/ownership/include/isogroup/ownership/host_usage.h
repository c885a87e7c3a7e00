// HostUsage: what the host is using a function for right now, so that `assign` can refuse
// to take a device the host depends on (the boot disk, the management NIC, the console).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/model/topology.h"
#include "isogroup/sources/root_dir.h"

namespace isogroup {

// One finding. `check` names the check so `--force CHECK` can override exactly it:
// "mounted", "swap", "holder" (md/dm/LVM), "default-route", "address", "boot-vga", "console".
struct HostUsage {
  std::string check;
  FunctionId function = kNoFunction;
  std::string what;      // "nvme0n1p2 is mounted on /", "enp3s0 carries the default route"
  std::string way_out;   // what the user can do: unmount, move the route, use another GPU, ...
};

// Looks at ROOT (the live "/" or a fake tree): /proc/self/mountinfo (or proc/mounts),
// proc/swaps, sys/class/block/*/{device,holders}, sys/class/net/*/device, proc/net/route,
// proc/net/if_inet6 and addresses, boot_vga, sys/class/graphics/fb*/device and vtconsole.
Result<std::vector<HostUsage>> find_host_usage(const RootDir& root, const Topology& topology,
                                               std::span<const FunctionId> functions);

}  // namespace isogroup
