// Plain-language reasons and remedies for group memberships. Private to grouping/.
#pragma once

#include <string>

#include "grouping_inputs.h"

namespace isogroup::detail {

// "root port", "downstream port", "PCIe-to-PCI bridge", "conventional PCI bridge", ...
std::string function_kind(const Topology& topology, FunctionId f);
// "bus:slot" of a function, e.g. "03:00".
std::string slot_name(const Topology& topology, FunctionId f);

Reason behind_bridge_reason(const GroupingInputs& in, FunctionId bridge);
Reason alias_bridge_reason(const GroupingInputs& in, FunctionId bridge);
Reason vmd_reason(const GroupingInputs& in, FunctionId vmd);
Reason alias_quirk_reason(const GroupingInputs& in, FunctionId f, FunctionId with);
Reason multifunction_reason(const GroupingInputs& in, FunctionId f, FunctionId with);
Reason group_mf_reason(const GroupingInputs& in, FunctionId f, FunctionId with);
Reason own_group_reason(const GroupingInputs& in, FunctionId f, FunctionId anchor);
// The quirk or override that made a function's ACS count as enabled, when one did.
std::optional<Reason> acs_quirk_reason(const GroupingInputs& in, FunctionId f);

}  // namespace isogroup::detail
