// HostUsage: what the host is using a function for right now, so that `assign` can refuse
// to take a device the host depends on (the boot disk, the management NIC, the console).
// Every check and the way out of it are described in docs/safety.md.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/model/topology.h"
#include "isogroup/sources/root_dir.h"

namespace isogroup {

// The check names, for `--force CHECK` (which overrides exactly one of them).
inline constexpr std::string_view kCheckMounted = "mounted";
inline constexpr std::string_view kCheckSwap = "swap";
inline constexpr std::string_view kCheckHolder = "holder";
inline constexpr std::string_view kCheckDefaultRoute = "default-route";
inline constexpr std::string_view kCheckAddress = "address";
inline constexpr std::string_view kCheckBootVga = "boot-vga";
inline constexpr std::string_view kCheckConsole = "console";
// Every check name above, in the order they are run.
std::span<const std::string_view> host_usage_checks();
bool is_host_usage_check(std::string_view name);

// One finding. `check` names the check so `--force CHECK` can override exactly it:
// "mounted", "swap", "holder" (md/dm/LVM), "default-route", "address", "boot-vga", "console".
struct HostUsage {
  std::string check;
  FunctionId function = kNoFunction;
  std::string what;      // "nvme0n1p2 is mounted on /", "enp3s0 carries the default route"
  std::string way_out;   // what the user can do: unmount, move the route, use another GPU, ...
};

// What could not be looked at. A check whose input is missing or unreadable is not
// passed: the caller must treat it as "in use unless forced" (or at least say so).
struct HostUsageUnknown {
  std::string check;   // which check could not be completed, as above
  std::string reason;  // "proc/swaps: cannot open ...: Permission denied"
};

struct HostUsageReport {
  std::vector<HostUsage> findings;
  std::vector<HostUsageUnknown> unknown;

  bool clear() const { return findings.empty() && unknown.empty(); }
};

// Looks at ROOT (the live "/" or a fake tree): proc/self/mountinfo (or proc/mounts),
// proc/swaps, sys/class/block/*/{dev,holders}, sys/class/net/*/device, proc/net/route,
// proc/net/ipv6_route, proc/net/if_inet6, boot_vga, sys/class/graphics/fb*/device and
// sys/class/vtconsole. Only an error that makes the whole scan meaningless (a function id
// outside the topology) is an Error; unreadable inputs go to `unknown`.
Result<HostUsageReport> scan_host_usage(const RootDir& root, const Topology& topology,
                                        std::span<const FunctionId> functions);

// The same as one list for `assign`: the findings, then one finding per check that could
// not be completed (function kNoFunction, what "could not check ...: REASON"), so that an
// unknown refuses like a finding and `--force CHECK` is the only way past it.
Result<std::vector<HostUsage>> find_host_usage(const RootDir& root, const Topology& topology,
                                               std::span<const FunctionId> functions);

}  // namespace isogroup
