#include "fakes/config_builder.h"

#include <algorithm>
#include <span>

#include "isogroup/pci/regs.h"

namespace isogroup::testing {

namespace regs = pci::regs;

ConfigBuilder ConfigBuilder::endpoint(std::uint16_t vendor, std::uint16_t device,
                                      std::uint32_t class_code) {
  ConfigBuilder b;
  b.poke16(regs::kVendorId, vendor);
  b.poke16(regs::kDeviceId, device);
  b.poke8(regs::kClassProgIf, static_cast<std::uint8_t>(class_code & 0xff));
  b.poke8(regs::kClassSub, static_cast<std::uint8_t>((class_code >> 8) & 0xff));
  b.poke8(regs::kClassBase, static_cast<std::uint8_t>((class_code >> 16) & 0xff));
  b.poke8(regs::kHeaderType, regs::kHeaderLayoutNormal);
  return b;
}

ConfigBuilder ConfigBuilder::bridge(std::uint16_t vendor, std::uint16_t device, std::uint8_t primary,
                                    std::uint8_t secondary, std::uint8_t subordinate) {
  ConfigBuilder b = endpoint(vendor, device, regs::kClassPciBridge);
  b.poke8(regs::kHeaderType, regs::kHeaderLayoutBridge);
  b.poke8(regs::kPrimaryBus, primary);
  b.poke8(regs::kSecondaryBus, secondary);
  b.poke8(regs::kSubordinateBus, subordinate);
  return b;
}

ConfigBuilder& ConfigBuilder::multifunction(bool on) {
  auto header = bytes_[regs::kHeaderType];
  header = static_cast<std::uint8_t>(on ? header | regs::kHeaderTypeMultifunction
                                        : header & ~regs::kHeaderTypeMultifunction);
  return poke8(regs::kHeaderType, header);
}

ConfigBuilder& ConfigBuilder::subsystem(std::uint16_t vendor, std::uint16_t device) {
  poke16(regs::kSubsystemVendorId, vendor);
  return poke16(regs::kSubsystemId, device);
}

ConfigBuilder& ConfigBuilder::revision(std::uint8_t rev) { return poke8(regs::kRevisionId, rev); }

ConfigBuilder& ConfigBuilder::standard_capability(std::uint8_t id, std::uint8_t size) {
  const std::size_t at = next_standard_;
  const std::size_t span = std::max<std::size_t>(4, (static_cast<std::size_t>(size) + 3) & ~std::size_t{3});
  if (at + span > pci::ConfigSpace::kLegacySize) return *this;  // no room left: a test bug
  const auto offset = static_cast<std::uint8_t>(at);
  poke8(at + regs::kCapabilityId, id);
  poke8(at + regs::kCapabilityNext, 0);
  if (last_standard_ == 0) {
    poke8(regs::kCapabilitiesPointer, offset);
    poke16(regs::kStatus, static_cast<std::uint16_t>(bytes_[regs::kStatus] |
                                                     bytes_[regs::kStatus + 1] << 8 |
                                                     regs::kStatusCapList));
  } else {
    poke8(last_standard_ + regs::kCapabilityNext, offset);
  }
  last_standard_ = offset;
  next_standard_ = static_cast<std::uint8_t>(std::min<std::size_t>(at + span, 0xff));
  return *this;
}

ConfigBuilder& ConfigBuilder::pcie(pci::PcieType type) {
  const std::uint8_t at = next_standard_;
  standard_capability(regs::kCapIdPcie, static_cast<std::uint8_t>(regs::kPcieCapabilityV2Size));
  if (last_standard_ != at) return *this;
  // Capability version 2 (PCIe r6.0 §7.5.3.2), the only one current hardware reports.
  const auto flags = static_cast<std::uint16_t>(2 | static_cast<unsigned>(type) << regs::kPcieFlagsTypeShift);
  return poke16(at + regs::kPcieFlags, flags);
}

ConfigBuilder& ConfigBuilder::extended_capability(std::uint16_t id, std::uint8_t version,
                                                  std::uint16_t size) {
  const std::size_t at = next_extended_;
  const std::size_t span = std::max<std::size_t>(4, (static_cast<std::size_t>(size) + 3) & ~std::size_t{3});
  if (at + span > pci::ConfigSpace::kMaxSize) return *this;
  poke32(at, static_cast<std::uint32_t>(id) |
                 (static_cast<std::uint32_t>(version) & regs::kExtCapVersionMask) << regs::kExtCapVersionShift);
  if (last_extended_ != 0) {
    const std::size_t prev = last_extended_;
    std::uint32_t header = static_cast<std::uint32_t>(bytes_[prev]) |
                           static_cast<std::uint32_t>(bytes_[prev + 1]) << 8 |
                           static_cast<std::uint32_t>(bytes_[prev + 2]) << 16 |
                           static_cast<std::uint32_t>(bytes_[prev + 3]) << 24;
    header = (header & 0x000fffff) | static_cast<std::uint32_t>(at) << regs::kExtCapNextShift;
    poke32(prev, header);
  }
  last_extended_ = static_cast<std::uint16_t>(at);
  next_extended_ = static_cast<std::uint16_t>(at + span);
  return *this;
}

ConfigBuilder& ConfigBuilder::acs(std::uint16_t capability, std::uint16_t control) {
  const std::size_t at = next_extended_;
  extended_capability(regs::kExtCapIdAcs, 1, 8);
  if (last_extended_ != at) return *this;
  poke16(at + regs::kAcsCapability, capability);
  return poke16(at + regs::kAcsControl, control);
}

ConfigBuilder& ConfigBuilder::ari(std::uint8_t next_function) {
  const std::size_t at = next_extended_;
  extended_capability(regs::kExtCapIdAri, 1, 8);
  if (last_extended_ != at) return *this;
  return poke16(at + regs::kAriCapability,
                static_cast<std::uint16_t>(next_function << regs::kAriNextFunctionShift));
}

ConfigBuilder& ConfigBuilder::sriov(std::uint16_t total_vfs, std::uint16_t num_vfs,
                                    std::uint16_t vf_offset, std::uint16_t vf_stride,
                                    std::uint16_t vf_device_id) {
  const std::size_t at = next_extended_;
  extended_capability(regs::kExtCapIdSriov, 1, regs::kSriovCapabilitySize);
  if (last_extended_ != at) return *this;
  poke16(at + regs::kSriovInitialVfs, total_vfs);
  poke16(at + regs::kSriovTotalVfs, total_vfs);
  poke16(at + regs::kSriovNumVfs, num_vfs);
  poke16(at + regs::kSriovVfOffset, vf_offset);
  poke16(at + regs::kSriovVfStride, vf_stride);
  return poke16(at + regs::kSriovVfDeviceId, vf_device_id);
}

ConfigBuilder& ConfigBuilder::poke8(std::size_t offset, std::uint8_t value) {
  if (offset < bytes_.size()) bytes_[offset] = value;
  return *this;
}

ConfigBuilder& ConfigBuilder::poke16(std::size_t offset, std::uint16_t value) {
  poke8(offset, static_cast<std::uint8_t>(value & 0xff));
  return poke8(offset + 1, static_cast<std::uint8_t>(value >> 8));
}

ConfigBuilder& ConfigBuilder::poke32(std::size_t offset, std::uint32_t value) {
  poke16(offset, static_cast<std::uint16_t>(value & 0xffff));
  return poke16(offset + 2, static_cast<std::uint16_t>(value >> 16));
}

ConfigBuilder& ConfigBuilder::truncate(std::size_t length) {
  length_ = std::min(length, bytes_.size());
  return *this;
}

pci::ConfigSpace ConfigBuilder::build() const {
  return pci::ConfigSpace::from_bytes(std::span<const std::uint8_t>(bytes_.data(), length_));
}

std::vector<std::uint8_t> ConfigBuilder::bytes() const {
  return {bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(length_)};
}

}  // namespace isogroup::testing
