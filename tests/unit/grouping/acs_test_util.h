// Shared helpers of the ACS / quirk / DMA-alias tests: small machines and policies.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "fakes/snapshot_builder.h"
#include "isogroup/grouping/policy.h"

namespace isogroup::testing {

inline Policy make_test_policy(std::string kernel = "7.0", Platform platform = Platform::kIntelVtd,
                               std::string cmdline = "") {
  Policy p;
  p.kernel = *KernelVersion::parse(kernel);
  p.kernel_from_input = true;
  p.platform = platform;
  p.platform_from_input = true;
  p.boot = parse_boot_parameters(cmdline);
  return p;
}

inline FunctionId id_of(const Topology& topology, std::string_view address) {
  const auto bdf = Bdf::parse(address);
  if (!bdf) {
    ADD_FAILURE() << "bad address " << address;
    return 0;
  }
  const auto f = topology.find(*bdf);
  if (!f) {
    ADD_FAILURE() << address << " is not in the topology";
    return 0;
  }
  return *f;
}

// A host bridge at 00:00.0 and `config` at `address` (on the root bus unless the address
// says otherwise and a bridge leads there).
inline SnapshotBuilder with_host_bridge() {
  SnapshotBuilder b;
  b.add("00:00.0", parts::host_bridge());
  return b;
}

}  // namespace isogroup::testing
