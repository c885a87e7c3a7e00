// ACS evaluation as drivers/pci/pci.c pci_acs_enabled() / pci_acs_path_enabled() decide it,
// with the device-specific quirk table of drivers/pci/quirks.c (pci_dev_acs_enabled[]).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "isogroup/core/tristate.h"
#include "isogroup/grouping/group_set.h"
#include "isogroup/grouping/policy.h"
#include "isogroup/model/topology.h"
#include "isogroup/pci/decode.h"

namespace isogroup {

// REQ_ACS_FLAGS in drivers/iommu/iommu.c: SV | RR | CR | UF.
inline constexpr std::uint16_t kReqAcsFlags = pci::kAcsSv | pci::kAcsRr | pci::kAcsCr | pci::kAcsUf;

struct AcsVerdict {
  Tristate enabled = Tristate::kUnknown;
  Reason reason;  // why: quirk name, missing capability, which Control bits are off, ...
  // What the verdict depends on that the input does not show (PCH quirk result, the
  // Control value a different boot would have had, ...). Empty when it rests on facts.
  std::vector<std::string> assumptions;
};

class AcsEvaluator {
 public:
  AcsEvaluator(const Topology& topology, const Policy& policy);

  // pci_acs_enabled(dev, REQ_ACS_FLAGS) for one function. O(1) after construction.
  const AcsVerdict& enabled(FunctionId f) const { return verdicts_[f]; }

  // pci_acs_path_enabled(start, NULL, REQ_ACS_FLAGS): start and every bridge above it up
  // to the function on the root bus. O(1) amortised (memoised per function).
  Tristate path_enabled(FunctionId start) const;
  // The first function on the path whose ACS is not enabled (or unknown), if any.
  std::optional<FunctionId> path_breaker(FunctionId start) const;

  // Every verdict's assumptions, one line each, functions with the same assumption
  // listed together ("...: 0000:00:1c.0, 0000:00:1c.4").
  const std::vector<std::string>& assumptions() const { return assumptions_; }

 private:
  const Topology& topology_;
  std::vector<AcsVerdict> verdicts_;
  mutable std::vector<Tristate> path_cache_;
  mutable std::vector<FunctionId> breaker_cache_;
  mutable std::vector<bool> path_done_;
  std::vector<std::string> assumptions_;

  void fill_path(FunctionId start) const;
};

}  // namespace isogroup
