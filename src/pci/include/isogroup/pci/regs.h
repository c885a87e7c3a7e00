// Configuration-space register offsets and bits that isogroup reads.
//
// Sources: PCI Local Bus Specification 3.0 (PCI 3.0), PCI-to-PCI Bridge Architecture
// Specification 1.2 (PCI-PCI 1.2), PCI Express Base Specification r6.0 (PCIe r6.0).
// Offsets inside a capability are relative to that capability's header.
#pragma once

#include <cstddef>
#include <cstdint>

namespace isogroup::pci::regs {

// --- Common header, both layouts (PCI 3.0 §6.2, Figure 6-1) ---
inline constexpr std::size_t kVendorId = 0x00;       // PCI 3.0 §6.2.1
inline constexpr std::size_t kDeviceId = 0x02;       // PCI 3.0 §6.2.1
inline constexpr std::size_t kCommand = 0x04;        // PCI 3.0 §6.2.2
inline constexpr std::size_t kStatus = 0x06;         // PCI 3.0 §6.2.3
inline constexpr std::size_t kRevisionId = 0x08;     // PCI 3.0 §6.2.1
inline constexpr std::size_t kClassProgIf = 0x09;    // PCI 3.0 §6.2.1, Class Code bits 7:0
inline constexpr std::size_t kClassSub = 0x0a;       // PCI 3.0 §6.2.1, Class Code bits 15:8
inline constexpr std::size_t kClassBase = 0x0b;      // PCI 3.0 §6.2.1, Class Code bits 23:16
inline constexpr std::size_t kHeaderType = 0x0e;     // PCI 3.0 §6.2.1

// A read of a function that does not exist returns all ones (PCI 3.0 §6.2.1).
inline constexpr std::uint16_t kVendorIdNone = 0xffff;

// Status register bit 4: the function implements a capability list (PCI 3.0 §6.2.3).
inline constexpr std::uint16_t kStatusCapList = 0x0010;

// Header Type: bits 6:0 layout, bit 7 Multi-Function Device (PCI 3.0 §6.2.1).
inline constexpr std::uint8_t kHeaderTypeLayoutMask = 0x7f;
inline constexpr std::uint8_t kHeaderTypeMultifunction = 0x80;
inline constexpr std::uint8_t kHeaderLayoutNormal = 0x00;   // PCI 3.0 §6.2.1
inline constexpr std::uint8_t kHeaderLayoutBridge = 0x01;   // PCI-PCI 1.2 §3.2
inline constexpr std::uint8_t kHeaderLayoutCardBus = 0x02;  // PCI 3.0 §6.2.1 (PC Card spec)

// --- Type-0 header (PCI 3.0 §6.2.4-§6.2.5) ---
inline constexpr std::size_t kSubsystemVendorId = 0x2c;  // PCI 3.0 §6.2.4
inline constexpr std::size_t kSubsystemId = 0x2e;        // PCI 3.0 §6.2.4
// Capabilities Pointer, type-0 and type-1 headers (PCI 3.0 §6.7; PCI-PCI 1.2 §3.2.5.11).
inline constexpr std::size_t kCapabilitiesPointer = 0x34;
// CardBus bridges keep it at 0x14 (PC Card Standard, ExCA/CardBus bridge header).
inline constexpr std::size_t kCardBusCapabilitiesPointer = 0x14;

// --- Type-1 header bus numbers (PCI-PCI 1.2 §3.2.5.2-§3.2.5.4) ---
inline constexpr std::size_t kPrimaryBus = 0x18;      // PCI-PCI 1.2 §3.2.5.2
inline constexpr std::size_t kSecondaryBus = 0x19;    // PCI-PCI 1.2 §3.2.5.3
inline constexpr std::size_t kSubordinateBus = 0x1a;  // PCI-PCI 1.2 §3.2.5.4

// Class code of a PCI-to-PCI bridge, base 06 sub 04 (PCI 3.0 Appendix D).
inline constexpr std::uint32_t kClassPciBridge = 0x060400;

// --- Standard capability list (PCI 3.0 §6.7) ---
// Capability ID at +0, Next Capability Pointer at +1. The bottom two bits of a pointer are
// reserved and must be masked off; capabilities live after the 64-byte header.
inline constexpr std::size_t kCapabilityId = 0x00;
inline constexpr std::size_t kCapabilityNext = 0x01;
inline constexpr std::uint8_t kCapabilityPointerMask = 0xfc;
inline constexpr std::size_t kCapabilityMinOffset = 0x40;
// 192 bytes after the header hold at most 48 four-byte-aligned capability headers.
inline constexpr std::size_t kMaxStandardCapabilities = 48;

// Standard capability IDs (PCI Code and ID Assignment Spec r1.11 §2).
inline constexpr std::uint8_t kCapIdPciX = 0x07;
inline constexpr std::uint8_t kCapIdSubsystemVendor = 0x0d;
inline constexpr std::uint8_t kCapIdPcie = 0x10;
// An ID of 0xff is what an absent or broken function returns, not a capability.
inline constexpr std::uint8_t kCapIdInvalid = 0xff;

// PCI-X capability: Status register at +4; bits 30/31 advertise 266/533 MHz support,
// which implies a 4096-byte config space (PCI-X Protocol Addendum 2.0a, PCI-X Status register).
inline constexpr std::size_t kPciXStatus = 0x04;
inline constexpr std::uint32_t kPciXStatus266Mhz = 0x40000000;
inline constexpr std::uint32_t kPciXStatus533Mhz = 0x80000000;

// --- PCI Express Capability structure (PCIe r6.0 §7.5.3) ---
inline constexpr std::size_t kPcieFlags = 0x02;  // PCI Express Capabilities register, §7.5.3.2
inline constexpr std::uint16_t kPcieFlagsVersionMask = 0x000f;  // §7.5.3.2 bits 3:0
inline constexpr std::uint16_t kPcieFlagsTypeMask = 0x00f0;     // §7.5.3.2 bits 7:4
inline constexpr unsigned kPcieFlagsTypeShift = 4;
inline constexpr std::uint16_t kPcieFlagsSlot = 0x0100;         // §7.5.3.2 bit 8
inline constexpr std::size_t kPcieCapabilityV2Size = 0x3c;      // §7.5.3, through Slot Status 2

// --- Extended capability list (PCIe r6.0 §7.6.3) ---
// Header dword: ID bits 15:0, version bits 19:16, next offset bits 31:20.
inline constexpr std::size_t kExtendedCapabilityStart = 0x100;
inline constexpr std::uint32_t kExtCapIdMask = 0x0000ffff;
inline constexpr unsigned kExtCapVersionShift = 16;
inline constexpr std::uint32_t kExtCapVersionMask = 0xf;
inline constexpr unsigned kExtCapNextShift = 20;
inline constexpr std::uint32_t kExtCapNextMask = 0xffc;  // bits 1:0 reserved, §7.6.3
// (4096 - 256) / 8: each extended capability is at least a header and one register.
inline constexpr std::size_t kMaxExtendedCapabilities = 480;

// Extended capability IDs (PCI Code and ID Assignment Spec r1.11 §3).
inline constexpr std::uint16_t kExtCapIdAcs = 0x000d;    // PCIe r6.0 §7.7.11
inline constexpr std::uint16_t kExtCapIdAri = 0x000e;    // PCIe r6.0 §7.8.7
inline constexpr std::uint16_t kExtCapIdSriov = 0x0010;  // PCIe r6.0 §9.3.3

// ACS Extended Capability (PCIe r6.0 §7.7.11).
inline constexpr std::size_t kAcsCapability = 0x04;  // §7.7.11.2, 16 bits
inline constexpr std::size_t kAcsControl = 0x06;     // §7.7.11.3, 16 bits

// ARI Extended Capability (PCIe r6.0 §7.8.7).
inline constexpr std::size_t kAriCapability = 0x04;  // §7.8.7.2, 16 bits
inline constexpr std::size_t kAriControl = 0x06;     // §7.8.7.3, 16 bits
inline constexpr unsigned kAriNextFunctionShift = 8;  // §7.8.7.2 bits 15:8

// SR-IOV Extended Capability (PCIe r6.0 §9.3.3).
inline constexpr std::size_t kSriovCapabilities = 0x04;  // §9.3.3.2, 32 bits
inline constexpr std::size_t kSriovControl = 0x08;       // §9.3.3.3, 16 bits
inline constexpr std::size_t kSriovInitialVfs = 0x0c;    // §9.3.3.5
inline constexpr std::size_t kSriovTotalVfs = 0x0e;      // §9.3.3.6
inline constexpr std::size_t kSriovNumVfs = 0x10;        // §9.3.3.7
inline constexpr std::size_t kSriovVfOffset = 0x14;      // §9.3.3.9
inline constexpr std::size_t kSriovVfStride = 0x16;      // §9.3.3.10
inline constexpr std::size_t kSriovVfDeviceId = 0x1a;    // §9.3.3.11
inline constexpr std::size_t kSriovCapabilitySize = 0x40;  // §9.3.3, through the VF Migration State Array Offset

}  // namespace isogroup::pci::regs
