// Capability list walkers (PCI Local Bus Spec 3.0 §6.7; PCIe Base Spec r6.0 §7.6).
// Safe against loops, pointers into the header, misaligned pointers and truncated data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "isogroup/core/tristate.h"
#include "isogroup/pci/config_space.h"

namespace isogroup::pci {

struct Capability {
  std::uint16_t id = 0;      // 8-bit standard ID or 16-bit extended ID
  std::uint16_t offset = 0;  // where its header is
  std::uint8_t version = 0;  // extended capabilities only
  bool extended = false;
};

struct CapabilityList {
  std::vector<Capability> capabilities;  // in list order
  // kTrue: the whole list was read; kUnknown: it runs into unknown bytes (e.g. the
  // extended space of an unprivileged 64-byte read), so an absent capability may exist.
  Tristate complete = Tristate::kTrue;
  std::vector<std::string> problems;  // "loop at 0x48", "pointer 0x12 into the header", ...
};

CapabilityList walk_standard_capabilities(const ConfigSpace& config);
CapabilityList walk_extended_capabilities(const ConfigSpace& config);

// Where a capability is, or why it cannot be said.
struct CapabilityLookup {
  Tristate present = Tristate::kUnknown;
  std::uint16_t offset = 0;  // valid when present == kTrue
};

CapabilityLookup find_standard_capability(const ConfigSpace& config, std::uint8_t id);
CapabilityLookup find_extended_capability(const ConfigSpace& config, std::uint16_t id);

}  // namespace isogroup::pci
