// Policy: everything a grouping answer depends on besides the topology, explicit and printable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/grouping/kernel_version.h"

namespace isogroup {

class Topology;

enum class Platform {
  kIntelVtd,
  kAmdVi,
  kArmSmmuV3,
  kArmSmmu,
  kPowerPe,  // POWER: one group per PE (per host bridge here)
  kNone,     // no IOMMU: no groups
};
std::string_view to_string(Platform platform);
Result<Platform> parse_platform(std::string_view text);  // intel|amd|smmuv3|smmu|power|none

// The out-of-tree pcie_acs_override patch (§4.5 of the reference): the common variant,
// placed last in the quirk table and skipping devices that have an ACS capability.
struct AcsOverride {
  bool downstream = false;
  bool multifunction = false;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> ids;  // at most 15 accepted
  bool any() const { return downstream || multifunction || !ids.empty(); }
};

// One `pci=config_acs=` or `pci=disable_acs_redir=` entry.
struct AcsConfigEntry {
  std::string device;        // pci_dev_str_match syntax: [dom:]bus:dev.fn[/dev.fn]* or pci:vvvv:dddd
  std::uint16_t mask = 0;    // ACS control bits the entry decides
  std::uint16_t value = 0;   // their values
};

struct BootParameters {
  std::string cmdline;  // as given
  AcsOverride acs_override;
  std::vector<AcsConfigEntry> disable_acs_redir;
  std::vector<AcsConfigEntry> config_acs;
  bool group_mf = false;  // legacy iommu=group_mf
  std::vector<std::string> warnings;  // what the kernel would log about malformed values
};
BootParameters parse_boot_parameters(std::string_view cmdline);

struct Policy {
  KernelVersion kernel;
  bool kernel_from_input = false;  // or the newest profile was assumed
  std::string kernel_origin;       // where it came from: "given", "uname -r 6.1.0-23-amd64", ...
  Platform platform = Platform::kIntelVtd;
  bool platform_from_input = false;
  std::string platform_origin;     // "given", "/sys/class/iommu: dmar0", "dmesg: DMAR:", ...
  BootParameters boot;
  // Where the input cannot say, the stated assumptions (explain prints them).
  std::vector<std::string> assumptions;

  // One line per setting ("kernel profile 6.1.0 (from the input)", "platform: Intel VT-d
  // (assumed: ...)", ...), for `explain` and `list --computed`.
  std::vector<std::string> describe_lines() const;
};

// The policy the input implies: kernel release, IOMMU kind and cmdline from the snapshot;
// anything given by the user (non-empty optionals) wins.
struct PolicyOverrides {
  std::optional<std::string> kernel;
  std::optional<std::string> iommu;
  std::optional<std::string> cmdline;
  bool group_mf = false;
};
Result<Policy> make_policy(const Topology& topology, const PolicyOverrides& overrides);

}  // namespace isogroup
