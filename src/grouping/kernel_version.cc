// uname -r parsing. Distributions append their own suffixes after the upstream version
// ("-23-amd64", "-300.fc35.x86_64", "-305.10.2.el8_4.x86_64", "-2-pve"); only the leading
// major.minor[.patch] is the upstream kernel whose rules apply.
#include "isogroup/grouping/kernel_version.h"

#include <optional>

#include <fmt/format.h>

namespace isogroup {
namespace {

// Reads a decimal number at text[pos]; nullopt when there is no digit or it is absurdly long.
std::optional<int> read_number(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  int value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (pos - start >= 6) return std::nullopt;  // no kernel has a 7-digit component
    value = value * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == start) return std::nullopt;
  return value;
}

}  // namespace

Result<KernelVersion> KernelVersion::parse(std::string_view release) {
  const auto fail = [&](std::string_view what) {
    return make_error(Errc::kInvalidInput, fmt::format("kernel release '{}': {}", release, what),
                      "kernel release",
                      "give the output of `uname -r`, e.g. 6.1.0-23-amd64 or 7.0");
  };
  std::size_t pos = 0;
  while (pos < release.size() && (release[pos] == ' ' || release[pos] == '\t')) ++pos;
  KernelVersion v;
  const auto major = read_number(release, pos);
  if (!major) return fail("does not start with a version number");
  if (pos >= release.size() || release[pos] != '.') return fail("expected major.minor");
  ++pos;
  const auto minor = read_number(release, pos);
  if (!minor) return fail("expected major.minor");
  v.major = *major;
  v.minor = *minor;
  if (pos < release.size() && release[pos] == '.') {
    std::size_t after = pos + 1;
    if (const auto patch = read_number(release, after)) {
      v.patch = *patch;
      pos = after;
    }
  }
  // Whatever follows ("-rc3", "-300.fc35", a fourth component) is the packager's.
  return v;
}

KernelVersion KernelVersion::newest() { return KernelVersion{7, 0, 0}; }

std::string KernelVersion::to_string() const { return fmt::format("{}.{}.{}", major, minor, patch); }

}  // namespace isogroup
