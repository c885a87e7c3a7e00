// What lspci prints for each capability, mapped back to the capability ID (the inverse of
// pciutils' ls-caps.c / ls-ecaps.c output). Private to sources/.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace isogroup::lspci_verbose {

// The standard capability ID for the text after "Capabilities: [xx] ", or nullopt when
// lspci's wording is not recognised.
std::optional<std::uint8_t> standard_capability_id(std::string_view text);

struct ExtendedName {
  std::uint16_t id = 0;
  // "Virtual Channel" is printed for both VC IDs, 0x0002 and 0x0009; the caller decides
  // (PCIe r6.0 §7.9.1: 0x0009 only in a device that also has an MFVC capability).
  bool virtual_channel = false;
};
// The extended capability ID for the text after "Capabilities: [xxx vN] ".
std::optional<ExtendedName> extended_capability_id(std::string_view text);

inline constexpr std::uint16_t kExtCapIdVc = 0x0002;      // PCIe r6.0 §7.9.1
inline constexpr std::uint16_t kExtCapIdMfvc = 0x0008;    // PCIe r6.0 §7.9.2
inline constexpr std::uint16_t kExtCapIdVcMfvc = 0x0009;  // PCIe r6.0 §7.9.1

// The Device/Port Type (PCIe r6.0 §7.5.3.2 bits 7:4) for the text after
// "Express (vN) ", e.g. "Root Port (Slot+), MSI 00".
std::optional<std::uint8_t> pcie_port_type(std::string_view text);

}  // namespace isogroup::lspci_verbose
