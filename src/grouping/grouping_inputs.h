// What both grouping engines read: the facts per function that pci_device_group()
// consults, and the growing group state it writes. Private to the grouping module.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "isogroup/grouping/acs.h"
#include "isogroup/grouping/dma_alias.h"
#include "isogroup/grouping/group_set.h"
#include "isogroup/grouping/numbering.h"
#include "isogroup/grouping/platform.h"
#include "isogroup/model/topology.h"

namespace isogroup::detail {

struct GroupingInputs {
  GroupingInputs(const Topology& topology_in, const Policy& policy_in);

  const Topology& topology;
  const Policy& policy;
  DmaAliases aliases;
  AcsEvaluator acs;
  IommuCoverage coverage;

  // pci_is_pcie(); unknown when the input did not show the capability list.
  Tristate is_pcie(FunctionId f) const { return topology.function(f).pcie.is_pcie; }
  std::optional<pci::PcieType> pcie_type(FunctionId f) const { return topology.function(f).pcie.type; }
  // pdev->multifunction.
  Tristate multifunction(FunctionId f) const { return topology.function(f).multifunction; }
  // pci_real_dma_dev(): the VMD endpoint for a device behind VMD, else the device.
  FunctionId real_dma_dev(FunctionId f) const {
    const FunctionId r = aliases[f].real_dma_dev;
    return r == kNoFunction ? f : r;
  }
};

// The groups as the kernel holds them while probing: a group per device probed so far.
struct GroupState {
  std::vector<int> group_of;  // per FunctionId: index into ids, -1 = no group yet
  std::vector<int> ids;       // per group (creation order): its id
  IdAllocator ida;

  explicit GroupState(std::size_t functions) : group_of(functions, -1) {}
  int new_group() {
    ids.push_back(ida.alloc());
    return static_cast<int>(ids.size()) - 1;
  }
  int adopt_group(int id) {  // a group that exists already with a known id
    ida.reserve(id);
    ids.push_back(id);
    return static_cast<int>(ids.size()) - 1;
  }
};

// Turns the state into a GroupSet: groups sorted by id, members by address.
GroupSet assemble_group_set(const GroupingInputs& in, const GroupState& state,
                            std::vector<Membership> membership);

// POWER (one group per host bridge) and "no IOMMU": shared by both engines.
std::optional<GroupSet> platform_group_set(const Topology& topology, const Policy& policy);

// "00:1c.4 (root port)": an address with what the function is.
std::string describe_function(const Topology& topology, FunctionId f);

}  // namespace isogroup::detail

namespace isogroup::detail {

// The fast engine (pci_device_group.cc): runs pci_device_group() for each function of
// `order` that the IOMMU covers, against `state`, and writes reasons into `membership`
// and "cannot decide" functions into `undecided`.
void probe_devices(const GroupingInputs& in, GroupState& state, const std::vector<FunctionId>& order,
                   std::vector<Membership>& membership, std::vector<FunctionId>& undecided);

}  // namespace isogroup::detail
