// Plain-language explanations for `isogroup explain` and reports for `isogroup verify`.
#pragma once

#include <string>

#include "isogroup/grouping/acs.h"
#include "isogroup/grouping/group_set.h"
#include "isogroup/grouping/verify.h"
#include "isogroup/pci/pci_ids.h"

namespace isogroup {

// Why function F is in its group: its reasons, the path to the root bus with each hop's
// ACS verdict, what would split it, and the policy and assumptions the answer rests on.
std::string render_explain_function(const Topology& topology, const GroupSet& groups,
                                    const AcsEvaluator& acs, FunctionId f, const pci::PciIds* names);
// The same for every member of a computed group (by its id).
std::string render_explain_group(const Topology& topology, const GroupSet& groups, int group_id,
                                 const pci::PciIds* names);

std::string render_verify_text(const Topology& topology, const GroupSet& groups, const VerifyReport& report);
std::string render_verify_json(const Topology& topology, const GroupSet& groups, const VerifyReport& report);

}  // namespace isogroup
