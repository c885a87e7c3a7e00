#include "sysfs_kernel_log.h"

#include <fcntl.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>

#include <fmt/format.h>

namespace isogroup {
namespace {

// Messages from drivers/iommu, drivers/pci/quirks.c and the ACPI host bridge driver that
// explain a group: matched as substrings, case-sensitive.
constexpr std::array<std::string_view, 14> kPatterns = {
    "DMAR",
    "AMD-Vi",
    "IOMMU",
    "iommu group",
    "iommu:",
    "ACS",
    "DMA alias",
    "PCI Root Bridge",
    "PCI host bridge to bus",
    "Enabling fixed DMA alias",
    "Intel PCH root port ACS workaround enabled",
    "pcie_acs_override",
    "IRQ remapping",
    "Adding to iommu group",
};
// Lines printed by a driver start with its name: drivers/pci/controller/vmd.c prints
// "vmd 0000:00:0e.0: ...", which a bare "VMD" substring would confuse with ACPI table ids.
constexpr std::array<std::string_view, 1> kPrefixes = {"vmd "};

constexpr std::size_t kMaxLog = 16u << 20;

// "6,339,5140900,-;text" -> "text"; "<6>[    5.140900] text" -> "text".
std::string_view message_text(std::string_view line) {
  if (!line.empty() && std::isdigit(static_cast<unsigned char>(line.front()))) {
    const auto semi = line.find(';');
    const auto first_comma = line.find(',');
    if (semi != std::string_view::npos && first_comma != std::string_view::npos && first_comma < semi) {
      return line.substr(semi + 1);
    }
  }
  if (line.starts_with('<')) {
    const auto close = line.find('>');
    if (close != std::string_view::npos && close < 5) line.remove_prefix(close + 1);
  }
  if (line.starts_with('[')) {
    const auto close = line.find(']');
    if (close != std::string_view::npos) {
      line.remove_prefix(close + 1);
      if (line.starts_with(' ')) line.remove_prefix(1);
    }
  }
  return line;
}

}  // namespace

bool is_grouping_log_line(std::string_view line) {
  if (std::any_of(kPrefixes.begin(), kPrefixes.end(), [line](std::string_view p) { return line.starts_with(p); })) {
    return true;
  }
  return std::any_of(kPatterns.begin(), kPatterns.end(),
                     [line](std::string_view p) { return line.find(p) != std::string_view::npos; });
}

std::vector<std::string> grouping_log_lines(std::string_view log) {
  std::vector<std::string> out;
  while (!log.empty()) {
    const auto nl = log.find('\n');
    std::string_view line = log.substr(0, nl);
    log = nl == std::string_view::npos ? std::string_view{} : log.substr(nl + 1);
    // /dev/kmsg continuation lines (" SUBSYSTEM=pci") carry dictionary data, not text.
    if (line.empty() || line.front() == ' ') continue;
    line = message_text(line);
    if (is_grouping_log_line(line)) out.emplace_back(line);
  }
  return out;
}

Result<std::vector<std::string>> read_kernel_log(const RootDir& root) {
  auto fd = root.open_at("dev/kmsg", O_RDONLY | O_NONBLOCK);
  if (fd) {
    std::string log;
    // /dev/kmsg returns one record per read(); the buffer must hold the longest record.
    std::string record(16384, '\0');
    for (;;) {
      const ssize_t n = ::read(fd->get(), record.data(), record.size());
      if (n < 0) {
        if (errno == EINTR || errno == EPIPE) continue;  // EPIPE: records overwritten meanwhile
        if (errno == EAGAIN) break;                       // the end of the buffer
        const int err = errno;
        return make_errno_error(err, "cannot read the kernel log", (root.path() / "dev/kmsg").string(),
                                "run as root, or check kernel.dmesg_restrict");
      }
      if (n == 0) break;
      log.append(record.data(), static_cast<std::size_t>(n));  // each record ends in '\n'
      if (log.size() > kMaxLog) break;
    }
    return grouping_log_lines(log);
  }

  // klogctl reads the running kernel's log whatever the root is, so it only stands in
  // for dev/kmsg when the root is this machine's own "/".
  struct stat root_stat {}, slash_stat {};
  if (::fstat(root.fd(), &root_stat) != 0 || ::stat("/", &slash_stat) != 0 ||
      root_stat.st_dev != slash_stat.st_dev || root_stat.st_ino != slash_stat.st_ino) {
    return tl::unexpected(std::move(fd.error()));
  }
  const int size = ::klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, nullptr, 0);
  if (size <= 0) {
    const int err = size < 0 ? errno : ENODATA;
    return make_errno_error(err, "cannot read the kernel log", "klogctl",
                            "run as root, or check kernel.dmesg_restrict");
  }
  std::string log(static_cast<std::size_t>(std::min(size, static_cast<int>(kMaxLog))), '\0');
  const int n = ::klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log.data(), static_cast<int>(log.size()));
  if (n < 0) {
    const int err = errno;
    return make_errno_error(err, "cannot read the kernel log", "klogctl",
                            "run as root, or check kernel.dmesg_restrict");
  }
  log.resize(static_cast<std::size_t>(n));
  return grouping_log_lines(log);
}

}  // namespace isogroup
