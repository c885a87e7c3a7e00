#include "isogroup/pci/capabilities.h"

#include <bitset>

#include <fmt/format.h>

#include "isogroup/pci/regs.h"

namespace isogroup::pci {
namespace {

// Where the standard list starts for this header layout, as the kernel's
// pci_bus_find_cap_start() decides it. nullopt: the header type is unknown.
// 0: this layout defines no capability pointer.
std::optional<std::size_t> standard_list_start(const ConfigSpace& config) {
  const auto header = config.read8(regs::kHeaderType);
  if (!header) return std::nullopt;
  switch (*header & regs::kHeaderTypeLayoutMask) {
    case regs::kHeaderLayoutNormal:
    case regs::kHeaderLayoutBridge: return regs::kCapabilitiesPointer;
    case regs::kHeaderLayoutCardBus: return regs::kCardBusCapabilitiesPointer;
    default: return 0;
  }
}

std::optional<std::uint16_t> offset_of(const CapabilityList& list, std::uint16_t id) {
  for (const Capability& cap : list.capabilities) {
    if (cap.id == id) return cap.offset;
  }
  return std::nullopt;
}

// Does the function have the 4096-byte config space at all? The kernel's
// pci_cfg_space_size() gives extended space only to PCI Express and PCI-X 266/533
// functions; a conventional function's bytes above 0x100 mean nothing.
Tristate has_extended_space(const ConfigSpace& config) {
  const CapabilityList standard = walk_standard_capabilities(config);
  if (offset_of(standard, regs::kCapIdPcie)) return Tristate::kTrue;
  if (const auto pcix = offset_of(standard, regs::kCapIdPciX)) {
    const auto status = config.read32(*pcix + regs::kPciXStatus);
    if (!status) return Tristate::kUnknown;
    if ((*status & (regs::kPciXStatus266Mhz | regs::kPciXStatus533Mhz)) != 0) return Tristate::kTrue;
  }
  // Neither capability on the list: absent only if the list was read to its end.
  return standard.complete == Tristate::kTrue ? Tristate::kFalse : Tristate::kUnknown;
}

// Some host bridges decode only 8 register-address bits, so every 256-byte window repeats
// the header. The kernel (pci_ext_cfg_is_aliased(), built with CONFIG_PCI_QUIRKS) treats
// the function as conventional when the first dword of every window equals dword 0.
Tristate extended_space_aliases_header(const ConfigSpace& config) {
  const auto first = config.read32(0);
  if (!first) return Tristate::kUnknown;
  Tristate aliased = Tristate::kTrue;
  for (std::size_t at = ConfigSpace::kLegacySize; at < ConfigSpace::kMaxSize; at += ConfigSpace::kLegacySize) {
    const auto window = config.read32(at);
    if (!window) {
      aliased = Tristate::kUnknown;
    } else if (*window != *first) {
      return Tristate::kFalse;
    }
  }
  return aliased;
}

}  // namespace

CapabilityList walk_standard_capabilities(const ConfigSpace& config) {
  CapabilityList list;
  const auto status = config.read16(regs::kStatus);
  if (!status) {
    list.complete = Tristate::kUnknown;
    return list;
  }
  if ((*status & regs::kStatusCapList) == 0) return list;  // no list: complete and empty

  const auto start = standard_list_start(config);
  if (!start) {
    list.complete = Tristate::kUnknown;
    return list;
  }
  if (*start == 0) {
    list.problems.push_back("capability list flagged, but this header layout has no pointer");
    return list;
  }
  const auto first = config.read8(*start);
  if (!first) {
    list.complete = Tristate::kUnknown;
    return list;
  }

  std::bitset<ConfigSpace::kLegacySize> visited;
  std::uint8_t pointer = *first;
  for (std::size_t steps = 0;; ++steps) {
    if (pointer == 0) break;  // the normal end of the list
    if (pointer < regs::kCapabilityMinOffset) {
      list.problems.push_back(fmt::format("pointer 0x{:02x} into the header", pointer));
      break;
    }
    if ((pointer & ~regs::kCapabilityPointerMask) != 0) {
      list.problems.push_back(fmt::format("misaligned pointer 0x{:02x}", pointer));
    }
    const auto at = static_cast<std::uint8_t>(pointer & regs::kCapabilityPointerMask);
    if (visited.test(at)) {
      list.problems.push_back(fmt::format("loop at 0x{:02x}", at));
      break;
    }
    if (steps >= regs::kMaxStandardCapabilities) {
      list.problems.push_back("more capabilities than fit: list abandoned");
      break;
    }
    visited.set(at);
    const auto id = config.read8(at + regs::kCapabilityId);
    const auto next = config.read8(at + regs::kCapabilityNext);
    if (!id || !next) {
      list.complete = Tristate::kUnknown;
      break;
    }
    if (*id == regs::kCapIdInvalid) {
      list.problems.push_back(fmt::format("capability ID 0xff at 0x{:02x}", at));
      break;
    }
    list.capabilities.push_back(Capability{*id, at, 0, false});
    pointer = *next;
  }
  return list;
}

CapabilityList walk_extended_capabilities(const ConfigSpace& config) {
  CapabilityList list;
  const Tristate extended_space = has_extended_space(config);
  if (extended_space == Tristate::kFalse) return list;

  auto header = config.read32(regs::kExtendedCapabilityStart);
  if (!header) {
    list.complete = Tristate::kUnknown;
    return list;
  }
  // Nothing at 0x100 (PCIe r6.0 §7.6.3: an absent list reads as zero; all ones is a
  // failed read) means the function has no extended capabilities.
  if (*header == 0 || *header == 0xffffffff) return list;
  const Tristate aliased = extended_space_aliases_header(config);
  if (aliased == Tristate::kTrue) {
    list.problems.push_back("every 256-byte window repeats the header: no extended space");
    return list;
  }

  std::bitset<ConfigSpace::kMaxSize> visited;
  std::size_t at = regs::kExtendedCapabilityStart;
  for (std::size_t steps = 0;; ++steps) {
    if (visited.test(at)) {
      list.problems.push_back(fmt::format("loop at 0x{:03x}", at));
      break;
    }
    if (steps >= regs::kMaxExtendedCapabilities) {
      list.problems.push_back("more extended capabilities than fit: list abandoned");
      break;
    }
    visited.set(at);
    if (*header == 0 || *header == 0xffffffff) {
      list.problems.push_back(fmt::format("empty extended capability header at 0x{:03x}", at));
      break;
    }
    list.capabilities.push_back(Capability{
        static_cast<std::uint16_t>(*header & regs::kExtCapIdMask), static_cast<std::uint16_t>(at),
        static_cast<std::uint8_t>((*header >> regs::kExtCapVersionShift) & regs::kExtCapVersionMask),
        true});
    const std::size_t raw_next = *header >> regs::kExtCapNextShift;
    const std::size_t next = raw_next & regs::kExtCapNextMask;
    if (raw_next != next) {
      list.problems.push_back(fmt::format("misaligned pointer 0x{:03x}", raw_next));
    }
    if (next == 0) break;  // the normal end of the list
    if (next < regs::kExtendedCapabilityStart) {
      list.problems.push_back(fmt::format("pointer 0x{:03x} below the extended space", next));
      break;
    }
    at = next;
    header = config.read32(at);
    if (!header) {
      list.complete = Tristate::kUnknown;
      break;
    }
  }
  // Capabilities read where the space itself is in doubt are facts about bytes, not
  // about the function: keep them, but the list cannot be called complete.
  // (A partly read space might also be a mirror of the header.)
  if (extended_space == Tristate::kUnknown || aliased == Tristate::kUnknown) {
    list.complete = Tristate::kUnknown;
  }
  return list;
}

namespace {

CapabilityLookup find_in(const CapabilityList& list, std::uint16_t id) {
  for (const Capability& cap : list.capabilities) {
    if (cap.id == id) return CapabilityLookup{Tristate::kTrue, cap.offset};
  }
  // Absent for sure only when every link of the list was read.
  return CapabilityLookup{list.complete == Tristate::kTrue ? Tristate::kFalse : Tristate::kUnknown, 0};
}

}  // namespace

CapabilityLookup find_standard_capability(const ConfigSpace& config, std::uint8_t id) {
  return find_in(walk_standard_capabilities(config), id);
}

CapabilityLookup find_extended_capability(const ConfigSpace& config, std::uint16_t id) {
  return find_in(walk_extended_capabilities(config), id);
}

}  // namespace isogroup::pci
