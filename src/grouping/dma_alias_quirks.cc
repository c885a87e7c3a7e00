// DMA-alias quirks as data (§5.1). "since" versions are approximate (from memory of when
// each fixup landed); where unsure the range starts earlier, and the comment says so.
#include "isogroup/grouping/dma_alias_quirks.h"

#include <initializer_list>

namespace isogroup {
namespace {

constexpr VersionRange since(int major, int minor) { return VersionRange{{major, minor, 0}, {999, 0, 0}}; }

struct TableBuilder {
  std::vector<DmaAliasQuirkRow> rows;
  void add(std::uint16_t vendor, std::initializer_list<std::uint16_t> devices, DmaAliasQuirkFn fn,
           VersionRange kernels, std::string_view citation, std::uint32_t class_upper = kAnyId) {
    for (const auto d : devices) {
      DmaAliasQuirkRow row;
      row.vendor = vendor;
      row.device = d;
      row.fn = fn;
      row.kernels = kernels;
      row.citation = citation;
      row.class_upper = class_upper;
      rows.push_back(row);
    }
  }
};

std::vector<DmaAliasQuirkRow> make_table() {
  using F = DmaAliasQuirkFn;
  TableBuilder t;
  t.add(0x1180, {0xe832, 0xe476}, F::kFunc0, since(3, 14), "Ricoh card reader (≈3.14, unsure)");
  t.add(0x6766, {0x3d40, 0x3d41}, F::kFunc0, since(6, 0), "Glenfly Arise (vendor id 6766: verify; ≈6.x, unsure)");
  t.add(0x1b4b,
        {0x9120, 0x9123, 0x9125, 0x9128, 0x9130, 0x9170, 0x9172, 0x917a, 0x9182, 0x9183, 0x91a0, 0x9215,
         0x9220, 0x9230, 0x9235},
        F::kFunc1, since(3, 14), "Marvell SATA (ids added over 3.14-4.x; kept wide)");
  t.add(0x1103, {0x0642, 0x0645}, F::kFunc1, since(3, 14), "HighPoint/TTI RocketRAID (vendor id 1103: verify)");
  t.add(0x197b, {0x2392}, F::kFunc1, since(3, 19), "JMicron JMB388_ESD (unsure when; kept wide)");
  t.add(0x1c28, {0x0122}, F::kFunc1, since(4, 19), "Lite-On/Plextor M6e (Marvell 88SS9183; unsure when)");
  {
    DmaAliasQuirkRow adaptec;
    adaptec.vendor = 0x9005;
    adaptec.device = 0x0285;
    adaptec.fn = F::kFixed;
    adaptec.kernels = since(3, 14);
    adaptec.citation = "Adaptec 3405 (subsystem 9005:02bb)";
    adaptec.subsystem_vendor = 0x9005;
    adaptec.subsystem_device = 0x02bb;
    t.rows.push_back(adaptec);
    adaptec.citation = "Adaptec 3805 (subsystem 9005:02bc)";
    adaptec.subsystem_device = 0x02bc;
    t.rows.push_back(adaptec);
  }
  t.add(0x1b21, {0x1080}, F::kPcieBridgeAlias, since(3, 14), "ASMedia ASM1083/1085 PCIe-to-PCI bridge");
  t.add(0x10e3, {0x8113}, F::kPcieBridgeAlias, since(3, 14), "Tundra 8113 PCIe-to-PCI bridge");
  t.add(0x1283, {0x8892, 0x8893}, F::kPcieBridgeAlias, since(3, 14), "ITE 8892/8893 PCIe-to-PCI bridge");
  t.add(0x8086, {0x244e}, F::kPcieBridgeAlias, since(3, 14), "Intel 82801 PCI bridge");
  t.add(0x8086, {0x2260, 0x2264}, F::kMicX200, since(4, 9), "Intel Xeon Phi x200 (MIC)");
  t.add(0x8086, {0x2954, 0x2955, 0x2956, 0x2958, 0x2959, 0x295a}, F::kPexVca, since(4, 10),
        "Intel Visual Compute Accelerator (≈4.10, unsure)");
  t.add(0x14e4, {0x9000, 0x9084}, F::kXlateRoot, since(4, 14), "Cavium/Broadcom ThunderX2 PCIe root");
  t.add(0x10b5, {0x87b0, 0x87b1}, F::kPlxNtbAll, since(5, 5), "PLX/Broadcom NTB (needs alias ranges, ≈5.5)");
  constexpr std::uint32_t kBridgeOther = 0x0680;
  t.add(0x11f8,
        {0x8531, 0x8532, 0x8533, 0x8534, 0x8535, 0x8536, 0x8541, 0x8542, 0x8543, 0x8544, 0x8545, 0x8546,
         0x8551, 0x8552, 0x8553, 0x8554, 0x8555, 0x8556, 0x8561, 0x8562, 0x8563, 0x8564, 0x8565, 0x8566,
         0x8571, 0x8572, 0x8573, 0x8574, 0x8575, 0x8576},
        F::kSwitchtec, since(4, 16), "Microsemi Switchtec Gen3 NTB", kBridgeOther);
  t.add(0x11f8,
        {0x4000, 0x4084, 0x4068, 0x4052, 0x4036, 0x4028, 0x4100, 0x4184, 0x4168, 0x4152, 0x4136, 0x4128,
         0x4200, 0x4284, 0x4268, 0x4252, 0x4236, 0x4228, 0x4352, 0x4336, 0x4328, 0x4452, 0x4436, 0x4428,
         0x4552, 0x4536, 0x4528},
        F::kSwitchtec, since(5, 8), "Microsemi Switchtec Gen4 NTB (≈5.8, unsure)", kBridgeOther);
  t.add(0x11f8,
        {0x5000, 0x5084, 0x5068, 0x5052, 0x5036, 0x5028, 0x5100, 0x5184, 0x5168, 0x5152, 0x5136, 0x5128,
         0x5200, 0x5284, 0x5268, 0x5252, 0x5236, 0x5228, 0x5300, 0x5384, 0x5368, 0x5352, 0x5336, 0x5328,
         0x5400, 0x5484, 0x5468, 0x5452, 0x5436, 0x5428, 0x5500, 0x5584, 0x5568, 0x5552, 0x5536, 0x5528},
        F::kSwitchtec, since(6, 0), "Microsemi Switchtec Gen5 NTB (≈6.x, unsure)", kBridgeOther);
  t.add(0x1055, {0x1001, 0x1002, 0x1003, 0x1004, 0x1005, 0x1006}, F::kSwitchtec, since(6, 0),
        "EFAR/Switchtec NTB (≈6.x, unsure)", kBridgeOther);
  return t.rows;
}

bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
unsigned hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  return static_cast<unsigned>(c - 'A' + 10);
}

// "%02x.%d" as pci_add_dma_alias() prints a devfn: slot in hex, function in decimal.
std::optional<std::uint8_t> read_devfn(std::string_view s, std::size_t& pos) {
  if (pos + 4 > s.size() || !hex(s[pos]) || !hex(s[pos + 1]) || s[pos + 2] != '.' || s[pos + 3] < '0' ||
      s[pos + 3] > '7') {
    return std::nullopt;
  }
  const unsigned slot = hex_value(s[pos]) * 16 + hex_value(s[pos + 1]);
  const unsigned fn = static_cast<unsigned>(s[pos + 3] - '0');
  pos += 4;
  if (slot > 0x1f) return std::nullopt;
  return static_cast<std::uint8_t>(slot << 3 | fn);
}

}  // namespace

std::string_view to_string(DmaAliasQuirkFn fn) {
  switch (fn) {
    case DmaAliasQuirkFn::kFunc0: return "DMA as function 0";
    case DmaAliasQuirkFn::kFunc1: return "DMA as function 1";
    case DmaAliasQuirkFn::kFixed: return "fixed DMA alias 01.0";
    case DmaAliasQuirkFn::kMicX200: return "Xeon Phi x200 DMA aliases";
    case DmaAliasQuirkFn::kPexVca: return "VCA DMA aliases";
    case DmaAliasQuirkFn::kXlateRoot: return "alias walk stops at this bridge (XLATE_ROOT)";
    case DmaAliasQuirkFn::kPlxNtbAll: return "PLX NTB aliases every devfn of its bus";
    case DmaAliasQuirkFn::kSwitchtec: return "Switchtec NTB proxy aliases";
    case DmaAliasQuirkFn::kPcieBridgeAlias: return "PCIe bridge alias";
  }
  return "unknown quirk";
}

const std::vector<DmaAliasQuirkRow>& dma_alias_quirk_table() {
  static const std::vector<DmaAliasQuirkRow> table = make_table();
  return table;
}

const std::vector<std::uint16_t>& vmd_device_ids() {
  // vmd_ids[]: 201d and 28c0 (Xeon), then client parts. Checked against vmd.c patches
  // in the public index; a newer id not listed here is caught by the class fallback.
  static const std::vector<std::uint16_t> ids = {0x201d, 0x28c0, 0x467f, 0x4c3d, 0xa77f, 0x7d0b,
                                                 0xad0b, 0x9a0b, 0xb60b, 0xb06f};
  return ids;
}

std::optional<LoggedAlias> parse_dma_alias_log(std::string_view text) {
  const std::size_t at = text.find(kDmaAliasLog);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + kDmaAliasLog.size());
  constexpr std::string_view kOne = " to ";
  constexpr std::string_view kRange = " for devfn range from ";
  std::size_t pos = 0;
  if (rest.substr(0, kOne.size()) == kOne) {
    pos = kOne.size();
    const auto d = read_devfn(rest, pos);
    if (!d) return std::nullopt;
    return LoggedAlias{*d, *d};
  }
  if (rest.substr(0, kRange.size()) == kRange) {
    pos = kRange.size();
    const auto first = read_devfn(rest, pos);
    if (!first || rest.substr(pos, 4) != " to ") return std::nullopt;
    pos += 4;
    const auto last = read_devfn(rest, pos);
    if (!last || *last < *first) return std::nullopt;
    return LoggedAlias{*first, *last};
  }
  return std::nullopt;
}

}  // namespace isogroup
