#include "isogroup/model/topology.h"

#include "topology_builder.h"

namespace isogroup {

Result<Topology> Topology::build(const Snapshot& snapshot) { return build(Snapshot(snapshot)); }

Result<Topology> Topology::build(Snapshot&& snapshot) {
  return TopologyBuilder(std::move(snapshot)).build();
}

std::optional<FunctionId> Topology::find(const Bdf& address) const {
  auto it = index_.find(address);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

}  // namespace isogroup
