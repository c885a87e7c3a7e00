#include "isogroup/pci/decode.h"

#include "isogroup/pci/regs.h"

namespace isogroup::pci {
namespace {

std::optional<std::uint16_t> read16_at(const ConfigSpace& config, const CapabilityLookup& cap,
                                       std::size_t field) {
  if (cap.present != Tristate::kTrue) return std::nullopt;
  return config.read16(cap.offset + field);
}

}  // namespace

Identity decode_identity(const ConfigSpace& config) {
  Identity id;
  id.vendor_id = config.read16(regs::kVendorId);
  id.device_id = config.read16(regs::kDeviceId);
  id.revision = config.read8(regs::kRevisionId);
  const auto prog_if = config.read8(regs::kClassProgIf);
  const auto sub = config.read8(regs::kClassSub);
  const auto base = config.read8(regs::kClassBase);
  if (prog_if && sub && base) {
    id.class_code = static_cast<std::uint32_t>(*base) << 16 | static_cast<std::uint32_t>(*sub) << 8 | *prog_if;
  }
  // 0x2c/0x2e hold the subsystem ids only in a type-0 header; in a bridge they are
  // the prefetchable limit (PCI-PCI 1.2 §3.2.5.9).
  if (decode_header_layout(config) == HeaderLayout::kNormal) {
    id.subsystem_vendor_id = config.read16(regs::kSubsystemVendorId);
    id.subsystem_id = config.read16(regs::kSubsystemId);
  }
  return id;
}

std::optional<HeaderLayout> decode_header_layout(const ConfigSpace& config) {
  const auto header = config.read8(regs::kHeaderType);
  if (!header) return std::nullopt;
  switch (*header & regs::kHeaderTypeLayoutMask) {
    case regs::kHeaderLayoutNormal: return HeaderLayout::kNormal;
    case regs::kHeaderLayoutBridge: return HeaderLayout::kBridge;
    case regs::kHeaderLayoutCardBus: return HeaderLayout::kCardBus;
    default: return HeaderLayout::kOther;
  }
}

Tristate decode_multifunction_bit(const ConfigSpace& config) {
  const auto header = config.read8(regs::kHeaderType);
  if (!header) return Tristate::kUnknown;
  return to_tristate((*header & regs::kHeaderTypeMultifunction) != 0);
}

std::optional<BridgeBuses> decode_bridge_buses(const ConfigSpace& config) {
  // CardBus bridges keep the same three bus numbers at the same offsets.
  const auto layout = decode_header_layout(config);
  if (layout != HeaderLayout::kBridge && layout != HeaderLayout::kCardBus) return std::nullopt;
  const auto primary = config.read8(regs::kPrimaryBus);
  const auto secondary = config.read8(regs::kSecondaryBus);
  const auto subordinate = config.read8(regs::kSubordinateBus);
  if (!primary || !secondary || !subordinate) return std::nullopt;
  return BridgeBuses{*primary, *secondary, *subordinate};
}

std::string_view to_string(PcieType type) {
  switch (type) {
    case PcieType::kEndpoint: return "Endpoint";
    case PcieType::kLegacyEndpoint: return "Legacy Endpoint";
    case PcieType::kRootPort: return "Root Port";
    case PcieType::kUpstreamPort: return "Upstream Port";
    case PcieType::kDownstreamPort: return "Downstream Port";
    case PcieType::kPcieToPciBridge: return "PCI-Express to PCI/PCI-X Bridge";
    case PcieType::kPciToPcieBridge: return "PCI/PCI-X to PCI-Express Bridge";
    case PcieType::kRcIntegratedEndpoint: return "Root Complex Integrated Endpoint";
    case PcieType::kRcEventCollector: return "Root Complex Event Collector";
  }
  return "reserved";
}

PcieInfo decode_pcie(const ConfigSpace& config) {
  PcieInfo info;
  const CapabilityLookup cap = find_standard_capability(config, regs::kCapIdPcie);
  info.is_pcie = cap.present;
  if (cap.present != Tristate::kTrue) return info;
  info.offset = cap.offset;
  const auto flags = config.read16(cap.offset + regs::kPcieFlags);
  if (!flags) return info;
  const auto raw = static_cast<std::uint8_t>((*flags & regs::kPcieFlagsTypeMask) >> regs::kPcieFlagsTypeShift);
  info.raw_type = raw;
  switch (raw) {
    case 0x0: case 0x1: case 0x4: case 0x5: case 0x6: case 0x7: case 0x8: case 0x9: case 0xa:
      info.type = static_cast<PcieType>(raw);
      break;
    default: break;  // reserved encodings (PCIe r6.0 §7.5.3.2)
  }
  return info;
}

AcsInfo decode_acs(const ConfigSpace& config) {
  AcsInfo info;
  const CapabilityLookup cap = find_extended_capability(config, regs::kExtCapIdAcs);
  info.present = cap.present;
  info.offset = cap.offset;
  info.capability = read16_at(config, cap, regs::kAcsCapability);
  info.control = read16_at(config, cap, regs::kAcsControl);
  return info;
}

AriInfo decode_ari(const ConfigSpace& config) {
  AriInfo info;
  const CapabilityLookup cap = find_extended_capability(config, regs::kExtCapIdAri);
  info.present = cap.present;
  info.offset = cap.offset;
  if (const auto reg = read16_at(config, cap, regs::kAriCapability)) {
    info.next_function = static_cast<std::uint8_t>(*reg >> regs::kAriNextFunctionShift);
  }
  return info;
}

SriovInfo decode_sriov(const ConfigSpace& config) {
  SriovInfo info;
  const CapabilityLookup cap = find_extended_capability(config, regs::kExtCapIdSriov);
  info.present = cap.present;
  info.offset = cap.offset;
  info.initial_vfs = read16_at(config, cap, regs::kSriovInitialVfs);
  info.total_vfs = read16_at(config, cap, regs::kSriovTotalVfs);
  info.num_vfs = read16_at(config, cap, regs::kSriovNumVfs);
  info.vf_offset = read16_at(config, cap, regs::kSriovVfOffset);
  info.vf_stride = read16_at(config, cap, regs::kSriovVfStride);
  info.vf_device_id = read16_at(config, cap, regs::kSriovVfDeviceId);
  return info;
}

}  // namespace isogroup::pci
