// The kernel log lines that bear on grouping (IOMMU setup, ACS, DMA aliases, host bridge
// discovery order, "Adding to iommu group N"), read from the live system for read_sysfs
// and `capture`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/sources/root_dir.h"

namespace isogroup {

bool is_grouping_log_line(std::string_view line);

// Reads dev/kmsg under ROOT without blocking; when that fails and ROOT is this machine's
// "/", falls back to klogctl(SYSLOG_ACTION_READ_ALL). Returns the message text of the
// relevant lines, in log order, without timestamps.
Result<std::vector<std::string>> read_kernel_log(const RootDir& root);

// Filters log text in the /dev/kmsg record format ("6,339,5140900,-;text"), the
// klogctl/dmesg format ("<6>[    5.140900] text") or plain lines.
std::vector<std::string> grouping_log_lines(std::string_view log);

}  // namespace isogroup
