// Decoders from ConfigSpace to typed register values. Every field is optional: absent
// means the bytes were not known, never "zero".
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "isogroup/core/tristate.h"
#include "isogroup/pci/capabilities.h"
#include "isogroup/pci/config_space.h"

namespace isogroup::pci {

struct Identity {
  std::optional<std::uint16_t> vendor_id, device_id;
  std::optional<std::uint16_t> subsystem_vendor_id, subsystem_id;  // type-0 header only
  std::optional<std::uint32_t> class_code;  // base << 16 | sub << 8 | prog-if
  std::optional<std::uint8_t> revision;
};
Identity decode_identity(const ConfigSpace& config);

// Header Type register (0x0e): layout in bits 6:0, multifunction in bit 7.
enum class HeaderLayout : std::uint8_t { kNormal = 0, kBridge = 1, kCardBus = 2, kOther = 0x7f };
std::optional<HeaderLayout> decode_header_layout(const ConfigSpace& config);
// The Multi-Function Device bit of this function's own header (PCI 3.0 §6.2.1). The kernel
// marks every function > 0 multifunction regardless (that rule lives in model/).
Tristate decode_multifunction_bit(const ConfigSpace& config);

// Type-1 header bus numbers (PCI-to-PCI Bridge Arch Spec 1.2 §3.2.5.2-3.2.5.4).
struct BridgeBuses {
  std::uint8_t primary = 0, secondary = 0, subordinate = 0;
};
std::optional<BridgeBuses> decode_bridge_buses(const ConfigSpace& config);

// Device/Port Type, PCIe Capabilities register bits 7:4 (PCIe r6.0 §7.5.3.2).
enum class PcieType : std::uint8_t {
  kEndpoint = 0x0,
  kLegacyEndpoint = 0x1,
  kRootPort = 0x4,
  kUpstreamPort = 0x5,
  kDownstreamPort = 0x6,
  kPcieToPciBridge = 0x7,
  kPciToPcieBridge = 0x8,
  kRcIntegratedEndpoint = 0x9,
  kRcEventCollector = 0xa,
};
std::string_view to_string(PcieType type);

struct PcieInfo {
  Tristate is_pcie = Tristate::kUnknown;  // has a PCI Express capability (ID 0x10)
  std::uint16_t offset = 0;
  std::optional<std::uint8_t> raw_type;  // bits 7:4; may be a reserved value
  std::optional<PcieType> type;          // when raw_type is a defined value
};
PcieInfo decode_pcie(const ConfigSpace& config);

// ACS Extended Capability, ID 0x000d (PCIe r6.0 §7.7.11).
inline constexpr std::uint16_t kAcsSv = 0x0001;  // Source Validation
inline constexpr std::uint16_t kAcsTb = 0x0002;  // Translation Blocking
inline constexpr std::uint16_t kAcsRr = 0x0004;  // P2P Request Redirect
inline constexpr std::uint16_t kAcsCr = 0x0008;  // P2P Completion Redirect
inline constexpr std::uint16_t kAcsUf = 0x0010;  // Upstream Forwarding
inline constexpr std::uint16_t kAcsEc = 0x0020;  // P2P Egress Control
inline constexpr std::uint16_t kAcsDt = 0x0040;  // Direct Translated P2P

struct AcsInfo {
  Tristate present = Tristate::kUnknown;
  std::uint16_t offset = 0;
  std::optional<std::uint16_t> capability;  // cap + 0x04
  std::optional<std::uint16_t> control;     // cap + 0x06
};
AcsInfo decode_acs(const ConfigSpace& config);

// ARI Extended Capability, ID 0x000e (PCIe r6.0 §7.8.7).
struct AriInfo {
  Tristate present = Tristate::kUnknown;
  std::uint16_t offset = 0;
  std::optional<std::uint8_t> next_function;  // ARI Capability register bits 15:8
};
AriInfo decode_ari(const ConfigSpace& config);

// SR-IOV Extended Capability, ID 0x0010 (PCIe r6.0 §9.3.3).
struct SriovInfo {
  Tristate present = Tristate::kUnknown;
  std::uint16_t offset = 0;
  std::optional<std::uint16_t> initial_vfs, total_vfs, num_vfs;
  std::optional<std::uint16_t> vf_offset, vf_stride, vf_device_id;
};
SriovInfo decode_sriov(const ConfigSpace& config);

}  // namespace isogroup::pci
