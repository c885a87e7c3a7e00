#include "isogroup/ownership/host_usage.h"

#include <cerrno>

#include <fmt/format.h>

#include "host_usage_scan.h"

namespace isogroup {
namespace host_usage_detail {

void Scan::unknown(std::string_view check, const Error& error) { unknown(check, error.to_string()); }

void Scan::unknown(std::string_view check, std::string reason) {
  for (const auto& u : report.unknown) {
    if (u.check == check && u.reason == reason) return;
  }
  report.unknown.push_back({std::string(check), std::move(reason)});
}

void Scan::finding(std::string_view check, FunctionId function, std::string what, std::string way_out) {
  report.findings.push_back({std::string(check), function, std::move(what), std::move(way_out)});
}

std::optional<FunctionId> Scan::owner_of(std::string_view path) const {
  for (const auto& [function, dir] : function_dirs) {
    if (path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/')) return function;
  }
  return std::nullopt;
}

std::string Scan::address(FunctionId function) const {
  return topology.function(function).address.to_string();
}

Result<std::string> resolve_link(const RootDir& root, std::string_view relative) {
  auto text = root.read_link(relative);
  if (!text) return tl::unexpected(std::move(text.error()));
  return resolve_in_root(parent_path(relative), *text);
}

bool is_missing(const Error& error) { return error.errno_ == ENOENT || error.errno_ == ENOTDIR; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' ||
                           text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

std::string unescape_proc(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  const auto octal = [](char c) { return c >= '0' && c <= '7'; };
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && octal(field[i + 1]) && octal(field[i + 2]) &&
        octal(field[i + 3])) {
      const int value = (field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0');
      out += static_cast<char>(value & 0xff);
      i += 3;
      continue;
    }
    out += field[i];
  }
  return out;
}

}  // namespace host_usage_detail

namespace {
constexpr std::string_view kChecks[] = {kCheckMounted,      kCheckSwap,    kCheckHolder, kCheckDefaultRoute,
                                        kCheckAddress,      kCheckBootVga, kCheckConsole};
}  // namespace

std::span<const std::string_view> host_usage_checks() { return kChecks; }

bool is_host_usage_check(std::string_view name) {
  for (const auto check : kChecks) {
    if (check == name) return true;
  }
  return false;
}

Result<HostUsageReport> scan_host_usage(const RootDir& root, const Topology& topology,
                                        std::span<const FunctionId> functions) {
  HostUsageReport report;
  host_usage_detail::Scan scan{root, topology, {}, report};
  for (const FunctionId function : functions) {
    if (function >= topology.functions().size()) {
      return make_error(Errc::kInternal, fmt::format("function id {} is not in the topology", function),
                        "find_host_usage");
    }
    const std::string name = topology.function(function).address.to_string();
    auto dir = host_usage_detail::resolve_link(root, "sys/bus/pci/devices/" + name);
    if (!dir) {
      // Without its directory nothing below the function can be attributed to it.
      for (const auto check : kChecks) {
        scan.unknown(check, fmt::format("{}: cannot find its sysfs directory: {}", name,
                                        dir.error().to_string()));
      }
      continue;
    }
    scan.function_dirs.emplace_back(function, std::move(*dir));
  }
  if (scan.function_dirs.empty()) return report;
  host_usage_detail::check_block_devices(scan);
  host_usage_detail::check_network(scan);
  host_usage_detail::check_display(scan);
  return report;
}

Result<std::vector<HostUsage>> find_host_usage(const RootDir& root, const Topology& topology,
                                               std::span<const FunctionId> functions) {
  auto report = scan_host_usage(root, topology, functions);
  if (!report) return tl::unexpected(std::move(report.error()));
  std::vector<HostUsage> out = std::move(report->findings);
  for (auto& u : report->unknown) {
    out.push_back({u.check, kNoFunction, fmt::format("could not check \"{}\": {}", u.check, u.reason),
                   fmt::format("run as root (or make the file readable), or --force {} if you "
                               "know the host does not use the group this way",
                               u.check)});
  }
  return out;
}

}  // namespace isogroup
