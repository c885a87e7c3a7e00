// KernelVersion: major.minor.patch, parsed from `uname -r` strings such as
// "6.1.0-23-amd64", "5.14.18-300.fc35.x86_64" or "4.18.0-305.10.2.el8_4.x86_64".
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "isogroup/core/error.h"

namespace isogroup {

struct KernelVersion {
  int major = 0, minor = 0, patch = 0;
  static Result<KernelVersion> parse(std::string_view release);
  static KernelVersion newest();  // the newest kernel whose rules are modelled
  std::string to_string() const;
  friend constexpr auto operator<=>(const KernelVersion&, const KernelVersion&) = default;
};

// A half-open version range [since, until): the kernels in which a rule or quirk holds.
struct VersionRange {
  KernelVersion since{0, 0, 0};
  KernelVersion until{999, 0, 0};
  constexpr bool contains(const KernelVersion& v) const { return since <= v && v < until; }
};

}  // namespace isogroup
