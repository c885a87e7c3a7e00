// Persistence of a claim across reboot and hot-plug: udev rules that set driver_override
// when a function of a claimed group appears, before a host driver can bind, and that
// give /dev/vfio/N an owner (instead of a chmod that the next add event undoes).
// What the rules cover and what they do not: docs/safety.md.
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
  // The bridge whose subtree is claimed for hot-added functions, when there is one
  // (see make_claim_rules); nullopt when only the listed addresses are claimed.
  std::optional<Bdf> subtree_bridge;
  // Why hot-add is or is not covered, in words for the user (also a comment in `text`).
  std::string hot_add_note;
};

struct ClaimSpec {
  std::string name;             // claim name, e.g. "group-7" or a user label: [A-Za-z0-9_.-]+
  std::string driver = "vfio-pci";
  std::optional<std::string> owner;  // USER, USER:GROUP or :GROUP for /dev/vfio/N
  int group_id = -1;                 // needed when `owner` is set
  bool noiommu = false;              // the node is /dev/vfio/noiommu-N
};

// One rule per member function that is not a bridge (bridges keep pcieport), a rule for
// functions hot-added below the group's upstream bridge when that bridge is itself a
// member (then the kernel puts every function below it into this group), and the owner
// rule for /dev/vfio/N. Fails (kInvalidInput) on a name, driver or owner that is not a
// plain identifier: the text goes into a file udev runs as root.
Result<ClaimRules> make_claim_rules(const Topology& topology, std::span<const FunctionId> members,
                                    const ClaimSpec& spec);

// Writes the claim's rules under ROOT (durably: temporary file, fsync, rename) and returns
// them. udev reads new rules on its next event; `udevadm control --reload` makes it now.
Result<ClaimRules> install_claim_rules(const RootDir& root, const Topology& topology,
                                       std::span<const FunctionId> members, const ClaimSpec& spec);
// Removes the claim's rules file if it exists; returns its path, or nullopt when there was none.
Result<std::optional<std::string>> remove_claim_rules(const RootDir& root, const Topology& topology,
                                                      std::span<const FunctionId> members,
                                                      const ClaimSpec& spec);

}  // namespace isogroup
