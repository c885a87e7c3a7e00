#include "lspci_verbose_config.h"

#include <fmt/format.h>

#include <array>
#include <bitset>

#include "isogroup/pci/regs.h"
#include "lspci_verbose_names.h"

namespace isogroup::lspci_verbose {
namespace {

namespace regs = pci::regs;

constexpr std::size_t kSecondaryLatency = 0x1b;          // PCI-PCI 1.2 §3.2.5.5
constexpr std::size_t kSriovDependencyLink = 0x12;       // PCIe r6.0 §9.3.3.8
constexpr std::uint16_t kClassPciBridge = 0x0604;         // PCI Code and ID r1.11 §1.7
constexpr std::uint16_t kClassCardBusBridge = 0x0607;
constexpr std::uint16_t kClassSemiTransparentBridge = 0x0609;

// Config bytes plus which capability each one was written for, so that hostile text
// (capabilities that overlap) cannot make one capability's fields overwrite another's.
class Writer {
 public:
  explicit Writer(Synthesis& out) : out_(out) { owner_.fill(kFree); }

  void note(std::size_t line, std::string text) {
    out_.notes.push_back(fmt::format("line {}: {}", line, std::move(text)));
  }

  // Reserves [offset, offset + length) for OWNER; false if another owner holds a byte.
  bool claim(std::size_t offset, std::size_t length, int owner) {
    if (offset > pci::ConfigSpace::kMaxSize || length > pci::ConfigSpace::kMaxSize - offset) return false;
    for (std::size_t i = offset; i < offset + length; ++i) {
      if (owner_[i] != kFree && owner_[i] != owner) return false;
    }
    for (std::size_t i = offset; i < offset + length; ++i) owner_[i] = static_cast<std::int16_t>(owner);
    return true;
  }

  void put8(int owner, std::size_t offset, std::uint8_t value, std::size_t line) {
    if (claim(offset, 1, owner)) {
      out_.config.set8(offset, value);
    } else {
      note(line, fmt::format("register at 0x{:03x} overlaps another capability; left unknown", offset));
    }
  }
  void put16(int owner, std::size_t offset, std::uint16_t value, std::size_t line) {
    if (claim(offset, 2, owner)) {
      out_.config.set16(offset, value);
    } else {
      note(line, fmt::format("register at 0x{:03x} overlaps another capability; left unknown", offset));
    }
  }

  pci::ConfigSpace& config() { return out_.config; }

 private:
  static constexpr std::int16_t kFree = -1;
  Synthesis& out_;
  std::array<std::int16_t, pci::ConfigSpace::kMaxSize> owner_{};
};

// The entries of one capability list that can be laid out, and how the last one ends.
struct ChainPlan {
  std::vector<const CapabilityText*> entries;
  std::optional<std::uint16_t> last_next;  // next pointer of the last entry; nullopt = unknown
  std::optional<std::uint16_t> broken_at;  // lspci saw ID 0xff here
};

ChainPlan plan_chain(const ChainText& chain, bool extended, bool block_complete, Writer& w) {
  // Standard capabilities live in 0x40-0xff (PCI 3.0 §6.7), extended ones in
  // 0x100-0xfff (PCIe r6.0 §7.6.3); both are dword aligned.
  const std::uint16_t min = extended ? 0x100 : 0x40;
  const std::uint16_t max = extended ? 0xffc : 0xfc;
  auto valid = [&](std::uint16_t offset) { return offset >= min && offset <= max && offset % 4 == 0; };

  ChainPlan plan;
  std::bitset<pci::ConfigSpace::kMaxSize> seen;
  for (const CapabilityText& cap : chain.capabilities) {
    if (!valid(cap.offset)) {
      w.note(cap.line, fmt::format("capability position [{:x}] is not a valid {} position; the list is unknown from here",
                                   cap.offset, extended ? "extended" : "standard"));
      return plan;
    }
    if (extended && plan.entries.empty() && cap.offset != regs::kExtendedCapabilityStart) {
      w.note(cap.line, "the extended capability list does not start at [100]; it is left unknown");
      return plan;
    }
    if (seen.test(cap.offset)) {
      w.note(cap.line, fmt::format("capability [{:x}] is listed twice; kept as a loop", cap.offset));
      plan.last_next = cap.offset;
      return plan;
    }
    seen.set(cap.offset);
    plan.entries.push_back(&cap);
  }
  if (chain.invalid) return plan;
  switch (chain.end) {
    case ChainEnd::kNone:
      // A block that did not end the way lspci ends blocks may have lost capabilities.
      if (block_complete) plan.last_next = 0;
      break;
    case ChainEnd::kLooped:
      if (valid(chain.end_offset) && seen.test(chain.end_offset)) plan.last_next = chain.end_offset;
      break;
    case ChainEnd::kBroken:
      if (valid(chain.end_offset) && !seen.test(chain.end_offset)) {
        plan.last_next = chain.end_offset;
        plan.broken_at = chain.end_offset;
      }
      break;
    case ChainEnd::kAccessDenied: break;
  }
  return plan;
}

// "Express (v2) Root Port (Slot+), MSI 00" -> PCI Express Capabilities register
// (PCIe r6.0 §7.5.3.2): version in 3:0, Device/Port Type in 7:4, Slot Implemented in 8,
// Interrupt Message Number in 13:9. lspci shows "(Slot±)" only for the port types where the
// bit is defined, and does not show bits 15:14 (undefined; Flit Mode Supported since
// r6.0): those are written as 0 because ConfigSpace knows whole bytes and the decoders
// read the register as a word.
std::optional<std::uint16_t> pcie_flags(std::string_view name) {
  auto rest = after_key(name, "Express");
  if (!rest || !rest->starts_with("(v")) return std::nullopt;
  std::size_t used = 0;
  const auto version = decimal_prefix(rest->substr(2), 15, &used);
  if (!version || rest->size() <= 2 + used || (*rest)[2 + used] != ')') return std::nullopt;
  const std::string_view described = rest->substr(3 + used);
  const auto type = pcie_port_type(described);
  if (!type) return std::nullopt;
  std::optional<std::uint32_t> message;
  if (const std::size_t at = described.find(", MSI "); at != std::string_view::npos) {
    message = hex_prefix(described.substr(at + 6), 2);
  } else {
    message = decimal_after(described, ", IntMsgNum ", 31);
  }
  if (!message || *message > 31) return std::nullopt;
  const bool slot = described.find("(Slot+)") != std::string_view::npos;
  return static_cast<std::uint16_t>(*version | static_cast<std::uint32_t>(*type) << 4 | (slot ? 0x100u : 0u) |
                                    *message << 9);
}

std::optional<std::uint8_t> header_layout(const FunctionText& f, Synthesis& out, Writer& w) {
  const auto& cls = f.header.class_code;
  if (f.bus) {
    // lspci prints "Bus:" for type-1 and type-2 (CardBus) headers only.
    return cls == kClassCardBusBridge ? regs::kHeaderLayoutCardBus : regs::kHeaderLayoutBridge;
  }
  if (cls == kClassPciBridge || cls == kClassSemiTransparentBridge || cls == kClassCardBusBridge) {
    out.layout_from_class = true;
    w.note(f.line, "a bridge class without a Bus line: header layout taken from the class, bus numbers unknown");
    return cls == kClassCardBusBridge ? regs::kHeaderLayoutCardBus : regs::kHeaderLayoutBridge;
  }
  if (cls) return regs::kHeaderLayoutNormal;
  // Without a class, the missing Bus line says "type 0" only if the block is whole.
  if (f.complete) return regs::kHeaderLayoutNormal;
  return std::nullopt;
}

}  // namespace

Synthesis synthesize_config(const FunctionText& f, const SlotFacts& slot) {
  Synthesis out;
  Writer w(out);
  pci::ConfigSpace& config = w.config();
  const HeaderText& h = f.header;
  constexpr int kHeader = -2;  // owner of header registers

  // Identity (PCI 3.0 §6.2.1).
  if (h.vendor_id) config.set16(regs::kVendorId, *h.vendor_id);
  if (h.device_id) config.set16(regs::kDeviceId, *h.device_id);
  if (h.revision) config.set8(regs::kRevisionId, *h.revision);
  if (h.prog_if) config.set8(regs::kClassProgIf, *h.prog_if);
  if (h.class_code) {
    config.set8(regs::kClassSub, static_cast<std::uint8_t>(*h.class_code & 0xff));
    config.set8(regs::kClassBase, static_cast<std::uint8_t>(*h.class_code >> 8));
  }
  w.claim(0, 0x40, kHeader);

  // Header Type (PCI 3.0 §6.2.1). lspci never prints the Multi-Function Device bit, but
  // the kernel (pci_scan_slot) probes functions 1-7 only when function 0 has it, so another
  // function of the same slot in the text means the bit was set. The inference fails only
  // where the kernel scans functions without it: ARI devices (functions beyond 7 land in
  // other "slots") and hypervisors that pass single functions through
  // (hypervisor_isolated_pci_functions, e.g. Jailhouse, s390). A lone function is taken as
  // single-function, although `lspci -s` may have filtered its siblings out.
  const auto layout = header_layout(f, out, w);
  if (layout) {
    config.set8(regs::kHeaderType,
                static_cast<std::uint8_t>(*layout | (slot.other_functions ? regs::kHeaderTypeMultifunction : 0)));
  }

  if (layout == regs::kHeaderLayoutNormal && f.subsystem_vendor && f.subsystem_device) {
    config.set16(regs::kSubsystemVendorId, *f.subsystem_vendor);
    config.set16(regs::kSubsystemId, *f.subsystem_device);
  }
  if (f.bus && layout && *layout != regs::kHeaderLayoutNormal) {
    config.set8(regs::kPrimaryBus, f.bus->primary);
    config.set8(regs::kSecondaryBus, f.bus->secondary);
    config.set8(regs::kSubordinateBus, f.bus->subordinate);
    if (f.bus->secondary_latency) config.set8(kSecondaryLatency, *f.bus->secondary_latency);
  }

  // Status (PCI 3.0 §6.2.3). Bit 4 says whether there is a capability list at all; a
  // listed capability proves it. When the Status line does not show every flag, only bit 4
  // is meaningful and the others are written as 0 (ConfigSpace knows whole bytes; nothing
  // in isogroup reads them). Bits 2:0 are never printed and are 0 in both cases.
  const bool caps_listed = !f.standard.capabilities.empty() || f.standard.end != ChainEnd::kNone;
  std::optional<bool> cap_list = f.status_cap_list;
  if (caps_listed) {
    if (cap_list == false) w.note(f.line, "Status shows Cap- but capabilities are listed; the list is used");
    cap_list = true;
  }
  if (f.status) {
    config.set16(regs::kStatus, static_cast<std::uint16_t>((*f.status & ~regs::kStatusCapList) |
                                                           (cap_list == true ? regs::kStatusCapList : 0)));
  } else if (cap_list) {
    config.set16(regs::kStatus, *cap_list ? regs::kStatusCapList : std::uint16_t{0});
  }

  // Standard capability list (PCI 3.0 §6.7): pointer, then ID and next pointer per entry.
  bool is_pcie = false;
  if (layout && cap_list == true) {
    const std::size_t pointer = *layout == regs::kHeaderLayoutCardBus ? regs::kCardBusCapabilitiesPointer
                                                                       : regs::kCapabilitiesPointer;
    const ChainPlan plan = plan_chain(f.standard, false, f.complete, w);
    if (!plan.entries.empty()) {
      config.set8(pointer, static_cast<std::uint8_t>(plan.entries.front()->offset));
    } else if (plan.broken_at) {
      config.set8(pointer, static_cast<std::uint8_t>(*plan.broken_at));
    } else if (plan.last_next == 0 && f.standard.end == ChainEnd::kNone && !f.standard.invalid) {
      // "Cap+" and a whole block without a single capability line: lspci walks from the
      // pointer and found it 0 (it would print "<access denied>" had it been unreadable).
      config.set8(pointer, 0);
    }
    for (std::size_t i = 0; i < plan.entries.size(); ++i) {
      const CapabilityText& cap = *plan.entries[i];
      const int owner = static_cast<int>(i);
      const auto id = standard_capability_id(cap.name);
      if (!id) w.note(cap.line, fmt::format("capability \"{}\" not recognised; its ID is unknown", cap.name));
      const std::optional<std::uint16_t> next =
          i + 1 < plan.entries.size() ? std::optional<std::uint16_t>(plan.entries[i + 1]->offset) : plan.last_next;
      if (id) w.put8(owner, cap.offset + regs::kCapabilityId, *id, cap.line);
      if (next) w.put8(owner, cap.offset + regs::kCapabilityNext, static_cast<std::uint8_t>(*next), cap.line);
      if (id == regs::kCapIdPcie) {
        is_pcie = true;
        if (const auto flags = pcie_flags(cap.name)) {
          w.put16(owner, cap.offset + regs::kPcieFlags, *flags, cap.line);
        } else {
          w.note(cap.line, "PCI Express version or port type not recognised; left unknown");
        }
      }
    }
    if (plan.broken_at) w.put8(-3, *plan.broken_at, regs::kCapIdInvalid, f.standard.end_line);
  }

  // Extended capability list (PCIe r6.0 §7.6.3): a header dword per entry.
  const ChainText& ext = f.extended;
  if (ext.capabilities.empty() && !ext.invalid && ext.end == ChainEnd::kNone) {
    // No extended capability shown. lspci shows none when it could not read past 256
    // bytes (device in D3cold, some unprivileged runs), which looks the same as having
    // none: leave 0x100 unknown rather than claim "no ACS".
    out.pcie_without_extended = is_pcie && f.standard.end != ChainEnd::kAccessDenied;
    return out;
  }
  const ChainPlan plan = plan_chain(ext, true, f.complete, w);
  constexpr int kExtendedOwnerBase = 1000;
  // Headers first: they hold the chain together, so a register of one capability that
  // overlaps another's header (hostile text) is the one left unknown.
  std::vector<std::optional<std::uint16_t>> ids(plan.entries.size());
  for (std::size_t i = 0; i < plan.entries.size(); ++i) {
    const CapabilityText& cap = *plan.entries[i];
    const int owner = kExtendedOwnerBase + static_cast<int>(i);
    if (const auto name = extended_capability_id(cap.name)) {
      ids[i] = name->virtual_channel && slot.mfvc ? kExtCapIdVcMfvc : name->id;
    } else {
      w.note(cap.line, fmt::format("extended capability \"{}\" not recognised; its ID is unknown", cap.name));
    }
    const std::optional<std::uint16_t> next =
        i + 1 < plan.entries.size() ? std::optional<std::uint16_t>(plan.entries[i + 1]->offset) : plan.last_next;
    if (!w.claim(cap.offset, 4, owner)) {
      w.note(cap.line, "capability header overlaps another capability; left unknown");
      ids[i].reset();
      continue;
    }
    // Header: ID bits 15:0, version bits 19:16, next offset bits 31:20.
    if (ids[i]) config.set16(cap.offset, *ids[i]);
    if (next && cap.version) {
      config.set8(cap.offset + 2, static_cast<std::uint8_t>(*cap.version | (*next & 0xf) << 4));
    }
    if (next) config.set8(cap.offset + 3, static_cast<std::uint8_t>(*next >> 4));
  }

  for (std::size_t i = 0; i < plan.entries.size(); ++i) {
    const CapabilityText& cap = *plan.entries[i];
    const int owner = kExtendedOwnerBase + static_cast<int>(i);
    const std::optional<std::uint16_t>& id = ids[i];
    if (id == regs::kExtCapIdAcs) {
      // lspci decodes ACS bits 6:0 only. The rest of each register (Capability: bit 7
      // Enhanced Capability, 15:8 Egress Control Vector Size; Control: the enhanced
      // blocking/redirect bits) is written as 0 because ConfigSpace knows whole bytes.
      if (cap.acs_capability) w.put16(owner, cap.offset + regs::kAcsCapability, *cap.acs_capability, cap.line);
      if (cap.acs_control) w.put16(owner, cap.offset + regs::kAcsControl, *cap.acs_control, cap.line);
    } else if (id == regs::kExtCapIdAri) {
      // ARI Capability register (PCIe r6.0 §7.8.7.2): MFVC bit 0, ACS bit 1, bits 7:2
      // reserved (0), Next Function Number bits 15:8.
      if (cap.ari_next_function && cap.ari_flags) {
        w.put16(owner, cap.offset + regs::kAriCapability,
                static_cast<std::uint16_t>(*cap.ari_flags | *cap.ari_next_function << 8), cap.line);
      }
    } else if (id == regs::kExtCapIdSriov) {
      auto put16 = [&](std::size_t reg, const std::optional<std::uint16_t>& v) {
        if (v) w.put16(owner, cap.offset + reg, *v, cap.line);
      };
      put16(regs::kSriovInitialVfs, cap.sriov_initial_vfs);
      put16(regs::kSriovTotalVfs, cap.sriov_total_vfs);
      put16(regs::kSriovNumVfs, cap.sriov_num_vfs);
      if (cap.sriov_dependency_link) {
        w.put8(owner, cap.offset + kSriovDependencyLink, *cap.sriov_dependency_link, cap.line);
      }
      put16(regs::kSriovVfOffset, cap.sriov_vf_offset);
      put16(regs::kSriovVfStride, cap.sriov_vf_stride);
      put16(regs::kSriovVfDeviceId, cap.sriov_vf_device_id);
    }
  }
  return out;
}

}  // namespace isogroup::lspci_verbose
