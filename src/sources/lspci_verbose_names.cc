#include "lspci_verbose_names.h"

#include <span>

#include "lspci_verbose_text.h"

namespace isogroup::lspci_verbose {
namespace {

struct Name {
  std::string_view prefix;
  std::uint16_t id;
};

// Standard capabilities (PCI Code and ID Assignment Spec r1.11 §2), worded as lspci
// prints them. Matching is by prefix: lspci appends decoded fields after the name.
constexpr Name kStandardNames[] = {
    {"Null", 0x00},
    {"Power Management version", 0x01},
    {"AGP version", 0x02},
    {"Vital Product Data", 0x03},
    {"Slot ID", 0x04},
    {"MSI:", 0x05},
    {"CompactPCI hot-swap", 0x06},
    {"PCI-X", 0x07},
    {"HyperTransport", 0x08},
    {"Vendor Specific Information", 0x09},
    {"Debug port", 0x0a},
    {"CompactPCI central resource control", 0x0b},
    {"Hot-plug capable", 0x0c},
    {"Subsystem:", 0x0d},  // bridge subsystem vendor ID capability
    {"AGP3", 0x0e},
    {"Secure device", 0x0f},
    {"Express", 0x10},
    {"MSI-X:", 0x11},
    {"SATA HBA", 0x12},
    {"PCI Advanced Features", 0x13},
    {"Enhanced Allocation", 0x14},
    {"Flattening Portal Bridge", 0x15},
};

// Extended capabilities (PCI Code and ID Assignment Spec r1.11 §3; PCIe r6.0 §7.6-§7.9).
constexpr Name kExtendedNames[] = {
    {"Null", 0x0000},
    {"Advanced Error Reporting", 0x0001},
    {"Virtual Channel", kExtCapIdVc},  // or 0x0009: see ExtendedName::virtual_channel
    {"Device Serial Number", 0x0003},
    {"Power Budgeting", 0x0004},
    {"Root Complex Link", 0x0005},
    {"Root Complex Internal Link", 0x0006},
    {"Root Complex Event Collector", 0x0007},
    {"Multi-Function Virtual Channel", kExtCapIdMfvc},
    {"Root Complex Register Block", 0x000a},
    {"Vendor Specific Information", 0x000b},
    {"Access Control Services", 0x000d},
    {"Alternative Routing-ID Interpretation", 0x000e},
    {"Address Translation Service", 0x000f},
    {"Single Root I/O Virtualization", 0x0010},
    {"Multi-Root I/O Virtualization", 0x0011},
    {"Multicast", 0x0012},
    {"Page Request Interface", 0x0013},
    {"Resizable BAR", 0x0015},           // pciutils before 3.8
    {"Physical Resizable BAR", 0x0015},
    {"Dynamic Power Allocation", 0x0016},
    {"Transaction Processing Hints", 0x0017},
    {"Latency Tolerance Reporting", 0x0018},
    {"Secondary PCI Express", 0x0019},
    {"Protocol Multiplexing", 0x001a},
    {"Process Address Space ID", 0x001b},
    {"LN Requester", 0x001c},
    {"Downstream Port Containment", 0x001d},
    {"L1 PM Substates", 0x001e},
    {"Precision Time Measurement", 0x001f},
    {"PCI Express over M_PHY", 0x0020},
    {"FRS Queueing", 0x0021},
    {"Readiness Time Reporting", 0x0022},
    {"Designated Vendor-Specific", 0x0023},
    {"VF Resizable BAR", 0x0024},
    {"Virtual Resizable BAR", 0x0024},
    {"Data Link Feature", 0x0025},
    {"Physical Layer 16.0 GT/s", 0x0026},
    {"Lane Margining at the Receiver", 0x0027},
    {"Hierarchy ID", 0x0028},
    {"Native PCIe Enclosure Management", 0x0029},
    {"Physical Layer 32.0 GT/s", 0x002a},
    {"Data Object Exchange", 0x002e},
    {"Device 3", 0x002f},
    {"Integrity & Data Encryption", 0x0030},
    {"Physical Layer 64.0 GT/s", 0x0031},
    {"Flit Logging", 0x0032},
};

// Device/Port Type encodings (PCIe r6.0 §7.5.3.2, Table 7-18), as lspci words them.
constexpr Name kPortTypes[] = {
    {"Endpoint", 0x0},
    {"Legacy Endpoint", 0x1},
    {"Root Port", 0x4},
    {"Upstream Port", 0x5},
    {"Downstream Port", 0x6},
    {"PCI-Express to PCI/PCI-X Bridge", 0x7},
    {"PCI/PCI-X to PCI-Express Bridge", 0x8},
    {"Root Complex Integrated Endpoint", 0x9},
    {"Root Complex Event Collector", 0xa},
};

// The entry whose prefix is the longest match, so "MSI-X:" never reads as "MSI:" and
// "Physical Resizable BAR" never as a shorter name.
std::optional<std::uint16_t> longest_prefix(std::span<const Name> names, std::string_view text) {
  const Name* best = nullptr;
  for (const Name& n : names) {
    if (text.starts_with(n.prefix) && (!best || n.prefix.size() > best->prefix.size())) best = &n;
  }
  if (!best) return std::nullopt;
  return best->id;
}

}  // namespace

std::optional<std::uint8_t> standard_capability_id(std::string_view text) {
  text = trim(text);
  // Capabilities lspci has no name for: "#xx [flags]" (older) or "Capability ID 0xXX [flags]".
  if (text.starts_with('#')) {
    if (const auto id = hex_prefix(text.substr(1), 2)) return static_cast<std::uint8_t>(*id);
    return std::nullopt;
  }
  if (const auto rest = after_key(text, "Capability ID 0x")) {
    if (const auto id = hex_prefix(*rest, 2)) return static_cast<std::uint8_t>(*id);
    if (const auto id = hex_prefix(*rest, 1)) return static_cast<std::uint8_t>(*id);
    return std::nullopt;
  }
  const auto id = longest_prefix(kStandardNames, text);
  if (!id) return std::nullopt;
  return static_cast<std::uint8_t>(*id);
}

std::optional<ExtendedName> extended_capability_id(std::string_view text) {
  text = trim(text);
  if (const auto rest = after_key(text, "Extended Capability ID 0x")) {
    std::size_t n = 0;
    while (n < rest->size() && n < 5 && hex_prefix(rest->substr(n), 1)) ++n;
    const auto id = parse_hex(rest->substr(0, n), 4);
    if (!id) return std::nullopt;
    return ExtendedName{static_cast<std::uint16_t>(*id), false};
  }
  const auto id = longest_prefix(kExtendedNames, text);
  if (!id) return std::nullopt;
  return ExtendedName{*id, *id == kExtCapIdVc};
}

std::optional<std::uint8_t> pcie_port_type(std::string_view text) {
  text = trim(text);
  if (const auto rest = after_key(text, "Unknown type")) {
    if (const auto t = decimal_prefix(*rest, 15)) return static_cast<std::uint8_t>(*t);
    return std::nullopt;
  }
  const auto type = longest_prefix(kPortTypes, text);
  if (!type) return std::nullopt;
  return static_cast<std::uint8_t>(*type);
}

}  // namespace isogroup::lspci_verbose
