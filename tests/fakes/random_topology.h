// Random PCI machines from a seed, for differential tests and benchmarks: root ports with
// and without ACS, switches, multifunction slots, PCIe-to-PCI and conventional bridge
// chains, RCiEPs, SR-IOV VFs, DMA-alias quirk devices, ARI devices, unreadable ACS.
#pragma once

#include <cstdint>

#include "isogroup/snapshot/snapshot.h"

namespace isogroup::testing {

struct RandomTopologyOptions {
  int max_functions = 96;       // stop adding devices past this many functions
  int max_root_buses = 3;       // root buses (domain 0 and beyond)
  int max_depth = 6;            // bridge nesting below a root port
  int max_vfs = 8;              // VFs per SR-IOV physical function
  bool unknown_acs = true;      // sometimes cut config space so ACS is unreadable
};

Snapshot random_topology(std::uint64_t seed, const RandomTopologyOptions& options = {});

}  // namespace isogroup::testing
