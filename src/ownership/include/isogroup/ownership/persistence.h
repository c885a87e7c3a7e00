// Persistence of a claim across reboot and hot-plug: udev rules that set driver_override
// when a function of a claimed group appears, before a host driver can bind, and that
// give /dev/vfio/N an owner (instead of a chmod that the next add event undoes).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "isogroup/core/error.h"
#include "isogroup/model/topology.h"
#include "isogroup/sources/root_dir.h"

namespace isogroup {

struct ClaimRules {
  std::string file;  // relative to the root: etc/udev/rules.d/70-isogroup-<name>.rules
  std::string text;  // the rules
};

struct ClaimSpec {
  std::string name;             // claim name, e.g. "group-7" or a user label
  std::string driver = "vfio-pci";
  std::optional<std::string> owner;  // USER or USER:GROUP for /dev/vfio/N
  int group_id = -1;
};

ClaimRules make_claim_rules(const Topology& topology, std::span<const FunctionId> members,
                            const ClaimSpec& spec);

}  // namespace isogroup
