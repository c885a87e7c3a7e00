// Private to host_usage*.cc: the state one find_host_usage() call shares between the
// block, network and display checks.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "isogroup/ownership/host_usage.h"

namespace isogroup::host_usage_detail {

struct Scan {
  const RootDir& root;
  const Topology& topology;
  // The sysfs directory (root-relative, "sys/devices/pci0000:00/...") of each function
  // that is looked at.
  std::vector<std::pair<FunctionId, std::string>> function_dirs;
  HostUsageReport& report;

  void unknown(std::string_view check, const Error& error);
  void unknown(std::string_view check, std::string reason);
  void finding(std::string_view check, FunctionId function, std::string what, std::string way_out);
  // The function whose directory is PATH or an ancestor of PATH: a device sysfs puts
  // below a PCI function (nvme0n1, sda, enp3s0, fb0) is driven through it.
  std::optional<FunctionId> owner_of(std::string_view path) const;
  std::string address(FunctionId function) const;
};

// Where the symlink RELATIVE (a sysfs class entry, "sys/class/block/sda") points,
// root-relative. Sysfs class links point straight into sys/devices, whose directories
// are real, so resolving the link text lexically is exact.
Result<std::string> resolve_link(const RootDir& root, std::string_view relative);

// Whether an error means "the file is not there" (as opposed to "it could not be read").
bool is_missing(const Error& error);

std::string_view trim(std::string_view text);
std::vector<std::string_view> split_lines(std::string_view text);
std::vector<std::string_view> split_fields(std::string_view line);  // on blanks and tabs
// Undoes the octal escapes (\040 for a space) of /proc/self/mountinfo and /proc/swaps.
std::string unescape_proc(std::string_view field);

void check_block_devices(Scan& scan);
void check_network(Scan& scan);
void check_display(Scan& scan);

}  // namespace isogroup::host_usage_detail
