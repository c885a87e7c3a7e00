// TopologyBuilder: the steps of Topology::build, in the order they depend on each other.
// Private to model/.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/model/topology.h"
#include "isogroup/snapshot/snapshot.h"

namespace isogroup {

// (domain, bus number) as one hashable key.
constexpr std::uint64_t bus_key(std::uint32_t domain, std::uint8_t bus) {
  return static_cast<std::uint64_t>(domain) << 8 | bus;
}
constexpr std::uint64_t bus_key(const BusAddress& a) { return bus_key(a.domain, a.bus); }

class TopologyBuilder {
 public:
  explicit TopologyBuilder(Snapshot&& snapshot);
  Result<Topology> build() &&;

 private:
  // topology_builder.cc
  Status decode_functions();
  void compute_multifunction();
  // virtual_functions.cc
  Status link_virtual_functions();
  Status link_explicit_virtual_functions(std::vector<char>& has_links);
  Status derive_virtual_functions(const std::vector<char>& has_links);
  Status claim_virtual_function(FunctionId vf, FunctionId pf);
  // buses.cc
  Status index_bridges();
  void make_buses();
  Status resolve_bus_parents();
  Status resolve_one_bus(BusId id);
  void link_children();
  Status check_sibling_ranges() const;
  Status check_bus_loops() const;
  FunctionId bridge_covering(std::uint32_t domain, std::uint8_t bus);
  // registration_order.cc
  Status order_root_buses();
  Status order_registration();

  const SnapshotFunction& raw(FunctionId id) const {
    return t_.snapshot_.functions[t_.functions_[id].snapshot_index];
  }
  FunctionId lookup(const Bdf& address) const {
    auto it = t_.index_.find(address);
    return it == t_.index_.end() ? kNoFunction : it->second;
  }

  Topology t_;
  // Bridges (not VFs) with known bus numbers, by (domain, secondary bus).
  std::unordered_map<std::uint64_t, FunctionId> bridge_by_secondary_;
  std::unordered_map<std::uint32_t, std::vector<FunctionId>> bridges_by_domain_;
  // Per domain, for each bus number, the outermost bridge whose [secondary, subordinate]
  // range holds it (built on first use).
  std::unordered_map<std::uint32_t, std::vector<FunctionId>> covering_;
  std::unordered_map<std::uint64_t, BusId> bus_by_address_;
};

}  // namespace isogroup
