// Kernel command-line parsing for the parameters that change ACS and grouping:
//   pcie_acs_override=  the out-of-tree patch (§4.5 of the reference, common variant)
//   pci=disable_acs_redir=, pci=config_acs=  (drivers/pci/pci.c, §4.2)
//   iommu=group_mf  (legacy x86 option)
// and pci_dev_str_match(), the device syntax of the pci= entries.
#include "isogroup/grouping/boot_parameters.h"

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "isogroup/grouping/policy.h"

namespace isogroup {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_xdigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
unsigned hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  return static_cast<unsigned>(c - 'A' + 10);
}

// The kernel's vsscanf "%x": skip white space, need a hex digit, accept a "0x" prefix,
// read digits; the value wraps like an unsigned long long truncated to the target.
std::optional<std::uint64_t> scan_hex(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && is_space(s[pos])) ++pos;
  if (pos >= s.size() || !is_xdigit(s[pos])) return std::nullopt;
  if (s[pos] == '0' && pos + 2 < s.size() && (s[pos + 1] == 'x' || s[pos + 1] == 'X') &&
      is_xdigit(s[pos + 2])) {
    pos += 2;
  }
  std::uint64_t value = 0;
  while (pos < s.size() && is_xdigit(s[pos])) {
    value = value * 16 + hex_value(s[pos]);
    ++pos;
  }
  return value;
}

bool scan_literal(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// Runs a vsscanf-like pattern of "%x" (x) and literal characters, then "%c" at the end
// when trailing_char is set; returns the number of conversions, as sscanf does.
struct ScanResult {
  int count = 0;
  std::vector<std::uint64_t> values;
  std::size_t consumed = 0;
};
ScanResult scan(std::string_view s, std::string_view pattern, bool trailing_char) {
  ScanResult r;
  std::size_t pos = 0;
  for (const char p : pattern) {
    if (p == 'x') {
      const auto v = scan_hex(s, pos);
      if (!v) return r;
      r.values.push_back(*v);
      ++r.count;
      r.consumed = pos;
    } else if (!scan_literal(s, pos, p)) {
      return r;
    }
  }
  r.consumed = pos;
  if (trailing_char && pos < s.size()) ++r.count;
  return r;
}

std::uint8_t kernel_devfn(std::uint64_t slot, std::uint64_t func) {
  return static_cast<std::uint8_t>(((slot & 0x1f) << 3) | (func & 0x07));
}

// pci_upstream_bridge(): the PF stands in for a VF, then the bridge above its bus.
FunctionId upstream_bridge(const Topology& topology, FunctionId f) {
  const Function& fn = topology.function(f);
  if (fn.is_virtfn && fn.physfn != kNoFunction) return upstream_bridge(topology, fn.physfn);
  if (fn.bus == kNoBus) return kNoFunction;
  const Bus& bus = topology.bus(fn.bus);
  return bus.is_root ? kNoFunction : bus.self;
}

struct IdSpec {
  std::uint16_t vendor = 0, device = 0, subvendor = 0, subdevice = 0;
  std::size_t consumed = 0;  // characters after "pci:"
};
std::optional<IdSpec> parse_id_spec(std::string_view after_prefix) {
  IdSpec spec;
  ScanResult r = scan(after_prefix, "x:x:x:x", false);
  if (r.count == 4) {
    spec.subvendor = static_cast<std::uint16_t>(r.values[2]);
    spec.subdevice = static_cast<std::uint16_t>(r.values[3]);
  } else {
    r = scan(after_prefix, "x:x", false);
    if (r.count != 2) return std::nullopt;
  }
  spec.vendor = static_cast<std::uint16_t>(r.values[0]);
  spec.device = static_cast<std::uint16_t>(r.values[1]);
  spec.consumed = r.consumed;
  return spec;
}

bool has_prefix(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

DeviceMatch match_device_spec(const Topology& topology, FunctionId f, std::string_view spec) {
  if (has_prefix(spec, "pci:")) {
    const auto ids = parse_id_spec(spec.substr(4));
    if (!ids) return DeviceMatch::kInvalid;
    const pci::Identity& id = topology.function(f).identity;
    const auto test = [](std::uint16_t want, const std::optional<std::uint16_t>& have) {
      if (want == 0) return Tristate::kTrue;
      if (!have) return Tristate::kUnknown;
      return to_tristate(*have == want);
    };
    const Tristate all = test(ids->vendor, id.vendor_id) && test(ids->device, id.device_id) &&
                         test(ids->subvendor, id.subsystem_vendor_id) &&
                         test(ids->subdevice, id.subsystem_id);
    return all == Tristate::kTrue ? DeviceMatch::kYes
           : all == Tristate::kFalse ? DeviceMatch::kNo
                                     : DeviceMatch::kUnknown;
  }
  // A path: the entry ends at ';'. Elements are checked from the last one upwards.
  std::string_view path = spec.substr(0, spec.find(';'));
  FunctionId dev = f;
  while (true) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) break;
    const ScanResult r = scan(path.substr(slash + 1), "x.x", true);
    if (r.count != 2) return DeviceMatch::kInvalid;
    if (topology.function(dev).address.devfn != kernel_devfn(r.values[0], r.values[1])) {
      return DeviceMatch::kNo;
    }
    dev = upstream_bridge(topology, dev);
    if (dev == kNoFunction) return DeviceMatch::kNo;
    path = path.substr(0, slash);
  }
  std::uint64_t seg = 0, bus = 0, slot = 0, func = 0;
  ScanResult r = scan(path, "x:x:x.x", true);
  if (r.count == 4) {
    seg = r.values[0], bus = r.values[1], slot = r.values[2], func = r.values[3];
  } else {
    r = scan(path, "x:x.x", true);
    if (r.count != 3) return DeviceMatch::kInvalid;
    bus = r.values[0], slot = r.values[1], func = r.values[2];
  }
  const Bdf& a = topology.function(dev).address;
  // The kernel reads the numbers as unsigned int: wider values wrap.
  const bool match = (seg & 0xffffffffu) == a.domain && (bus & 0xffffffffu) == a.bus &&
                     a.devfn == kernel_devfn(slot, func);
  return match ? DeviceMatch::kYes : DeviceMatch::kNo;
}

bool device_spec_well_formed(std::string_view spec) {
  if (has_prefix(spec, "pci:")) return parse_id_spec(spec.substr(4)).has_value();
  std::string_view path = spec.substr(0, spec.find(';'));
  while (true) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) break;
    if (scan(path.substr(slash + 1), "x.x", true).count != 2) return false;
    path = path.substr(0, slash);
  }
  return scan(path, "x:x:x.x", true).count == 4 || scan(path, "x:x.x", true).count == 3;
}

namespace {

constexpr std::uint16_t kAcsConfigurable = pci::kAcsSv | pci::kAcsTb | pci::kAcsRr | pci::kAcsCr |
                                           pci::kAcsUf | pci::kAcsEc | pci::kAcsDt;

// __pci_config_acs()'s walk over "<entry>[;<entry>]*", done once without a device: the
// entries up to the first one every device would stop at. `with_flags` selects
// config_acs ("<bits>@<device>") over disable_acs_redir ("<device>", mask RR|CR|EC, value 0).
std::vector<AcsConfigEntry> parse_acs_entries(std::string_view param, bool with_flags,
                                              std::vector<std::string>& warnings) {
  const std::string name = with_flags ? "pci=config_acs" : "pci=disable_acs_redir";
  std::vector<AcsConfigEntry> entries;
  std::size_t p = 0;
  while (p < param.size()) {
    AcsConfigEntry entry;
    if (with_flags) {
      const std::size_t at = param.find('@', p);
      if (at == std::string_view::npos) {
        warnings.push_back(fmt::format("{}: ACS Flags missing (in '{}'); the rest is ignored", name,
                                       param.substr(p)));
        return entries;
      }
      // Rightmost character is bit 0 (SV); '1' set, '0' clear, 'x' keep the firmware value.
      unsigned shift = 0;
      for (std::size_t i = at; i > p; --i, ++shift) {
        const char c = param[i - 1];
        const std::uint32_t bit = shift < 16 ? (1u << shift) : 0u;
        if (c == '0') {
          entry.mask = static_cast<std::uint16_t>(entry.mask | bit);
        } else if (c == '1') {
          entry.mask = static_cast<std::uint16_t>(entry.mask | bit);
          entry.value = static_cast<std::uint16_t>(entry.value | bit);
        } else if (c != 'x' && c != 'X') {
          warnings.push_back(fmt::format("{}: Invalid ACS flags '{}'... Ignoring; the rest is ignored",
                                         name, param.substr(p, at - p)));
          return entries;
        }
      }
      p = at + 1;
    } else {
      entry.mask = pci::kAcsRr | pci::kAcsCr | pci::kAcsEc;
      entry.value = 0;
    }
    if ((entry.mask & ~kAcsConfigurable) != 0) {
      warnings.push_back(fmt::format("{}: Invalid ACS flags specified (mask {:#06x}); the rest is ignored",
                                     name, entry.mask));
      return entries;
    }
    const std::string_view rest = param.substr(p);
    std::size_t length = 0;
    if (has_prefix(rest, "pci:")) {
      const auto ids = parse_id_spec(rest.substr(4));
      if (!ids) {
        warnings.push_back(fmt::format("{}: PCI: Can't parse ACS command line parameter ('{}'); the rest is ignored",
                                       name, rest));
        return entries;
      }
      length = 4 + ids->consumed;
    } else {
      length = std::min(rest.find(';'), rest.size());
      if (!device_spec_well_formed(rest.substr(0, length))) {
        // Device-dependent in the kernel: it stops here only for functions whose lower
        // path elements match. The entry is kept and the matcher reports kInvalid.
        warnings.push_back(fmt::format("{}: PCI: Can't parse ACS command line parameter ('{}')", name,
                                       rest.substr(0, length)));
      }
    }
    entry.device = std::string(rest.substr(0, length));
    entries.push_back(std::move(entry));
    p += length;
    if (p >= param.size() || (param[p] != ';' && param[p] != ',')) break;  // end or bad format
    ++p;
  }
  return entries;
}

// pcie_acs_override= (§4.5): comma-separated tokens recognised by prefix.
void parse_acs_override(std::string_view value, BootParameters& out) {
  constexpr std::size_t kMaxIds = 15;  // 16 slots, "full" tested at 15
  std::size_t p = 0;
  while (p < value.size()) {
    const std::string_view token = value.substr(p, std::min(value.find(',', p), value.size()) - p);
    if (has_prefix(token, "downstream")) out.acs_override.downstream = true;
    if (has_prefix(token, "multifunction")) out.acs_override.multifunction = true;
    if (has_prefix(token, "id:")) {
      if (out.acs_override.ids.size() >= kMaxIds) {
        out.warnings.push_back("pcie_acs_override: Out of PCIe ACS override slots (16)");
      } else {
        // Each id is the next (at most) four characters, read as a whole hex number.
        const auto read_id = [](std::string_view s) -> std::optional<std::uint16_t> {
          std::string_view four = s.substr(0, 4);
          if (four.size() > 2 && four[0] == '0' && (four[1] == 'x' || four[1] == 'X')) four = four.substr(2);
          if (four.empty()) return std::nullopt;
          unsigned v = 0;
          for (const char c : four) {
            if (!is_xdigit(c)) return std::nullopt;
            v = v * 16 + hex_value(c);
          }
          return static_cast<std::uint16_t>(v);
        };
        std::string_view rest = token.substr(3);
        const auto vendor = read_id(rest);
        const std::size_t colon = rest.find(':');
        if (!vendor) {
          out.warnings.push_back(fmt::format("pcie_acs_override: PCIe ACS ID parse error ('{}')", token));
        } else if (colon == std::string_view::npos) {
          out.warnings.push_back(fmt::format("pcie_acs_override: PCIe ACS invalid ID ('{}')", token));
        } else if (const auto device = read_id(rest.substr(colon + 1)); !device) {
          out.warnings.push_back(fmt::format("pcie_acs_override: PCIe ACS ID parse error ('{}')", token));
        } else {
          out.acs_override.ids.emplace_back(*vendor, *device);
        }
      }
    }
    p += token.size();
    if (p < value.size()) ++p;  // the comma
  }
}

// next_arg() of kernel/params.c: white space separates, double quotes group, and the
// quotes around a whole argument or around its value are dropped.
std::vector<std::pair<std::string, std::optional<std::string>>> split_cmdline(std::string_view cmdline) {
  std::vector<std::pair<std::string, std::optional<std::string>>> args;
  std::size_t p = 0;
  while (p < cmdline.size()) {
    while (p < cmdline.size() && is_space(cmdline[p])) ++p;
    if (p >= cmdline.size()) break;
    bool in_quote = false;
    const std::size_t start = p;
    for (; p < cmdline.size(); ++p) {
      if (is_space(cmdline[p]) && !in_quote) break;
      if (cmdline[p] == '"') in_quote = !in_quote;
    }
    std::string_view arg = cmdline.substr(start, p - start);
    if (arg == "--") break;  // the rest belongs to init
    const bool quoted = arg.front() == '"';
    if (quoted) arg.remove_prefix(1);
    const std::size_t equals = arg.find('=');
    if (equals == std::string_view::npos) {
      if (quoted && !arg.empty() && arg.back() == '"') arg.remove_suffix(1);
      args.emplace_back(std::string(arg), std::nullopt);
      continue;
    }
    std::string_view name = arg.substr(0, equals);
    std::string_view value = arg.substr(equals + 1);
    const bool value_quoted = !value.empty() && value.front() == '"';
    if (value_quoted) value.remove_prefix(1);
    if ((quoted || value_quoted) && !value.empty() && value.back() == '"') value.remove_suffix(1);
    args.emplace_back(std::string(name), std::string(value));
  }
  return args;
}

// parameq(): '-' and '_' are the same in parameter names.
std::string normalise_name(std::string name) {
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

}  // namespace

BootParameters parse_boot_parameters(std::string_view cmdline) {
  BootParameters out;
  out.cmdline = std::string(cmdline);
  std::optional<std::string> disable_acs_redir, config_acs;
  for (auto& [raw_name, value] : split_cmdline(cmdline)) {
    const std::string name = normalise_name(raw_name);
    if (!value) continue;
    if (name == "pcie_acs_override") {
      parse_acs_override(*value, out);
    } else if (name == "pci") {
      // pci_setup(): comma-separated options; a later pci= replaces an earlier value.
      std::string_view v = *value;
      std::size_t p = 0;
      while (p <= v.size()) {
        const std::size_t comma = std::min(v.find(',', p), v.size());
        const std::string_view option = v.substr(p, comma - p);
        if (has_prefix(option, "disable_acs_redir=")) {
          disable_acs_redir = std::string(option.substr(18));
        } else if (has_prefix(option, "config_acs=")) {
          config_acs = std::string(option.substr(11));
        }
        p = comma + 1;
      }
    } else if (name == "iommu") {
      // x86 iommu_setup(): comma-separated options matched by prefix.
      std::string_view v = *value;
      std::size_t p = 0;
      while (p < v.size()) {
        const std::size_t comma = std::min(v.find(',', p), v.size());
        if (has_prefix(v.substr(p, comma - p), "group_mf")) out.group_mf = true;
        p = comma + 1;
      }
    }
  }
  if (disable_acs_redir) out.disable_acs_redir = parse_acs_entries(*disable_acs_redir, false, out.warnings);
  if (config_acs) out.config_acs = parse_acs_entries(*config_acs, true, out.warnings);
  return out;
}

}  // namespace isogroup
