#include "lspci_verbose_block.h"

#include <fmt/format.h>

#include <limits>

#include "lspci_verbose_names.h"

namespace isogroup::lspci_verbose {
namespace {

// Status register flags as lspci prints them (PCI 3.0 §6.2.3). Bits 2:0 are not shown
// (reserved; bit 0 is Immediate Readiness since PCIe r4.0 §7.5.1.1.4).
constexpr FlagBit kStatusFlags[] = {
    {"INTx", 0x0008},    {"Cap", 0x0010},     {"66MHz", 0x0020},   {"UDF", 0x0040},
    {"FastB2B", 0x0080}, {"ParErr", 0x0100},  {">TAbort", 0x0800}, {"<TAbort", 0x1000},
    {"<MAbort", 0x2000}, {">SERR", 0x4000},   {"<PERR", 0x8000},
};
// DEVSEL timing, Status bits 10:9 (PCI 3.0 §6.2.3).
constexpr std::pair<std::string_view, std::uint16_t> kDevselTimings[] = {
    {"DEVSEL=fast", 0x0000}, {"DEVSEL=medium", 0x0200}, {"DEVSEL=slow", 0x0400}, {"DEVSEL=??", 0x0600}};

// ACS Capability and Control registers bits 6:0 (PCIe r6.0 §7.7.11.2-§7.7.11.3); lspci
// shows the same seven labels for both.
constexpr FlagBit kAcsFlags[] = {
    {"SrcValid", 0x0001},   {"TransBlk", 0x0002},   {"ReqRedir", 0x0004},   {"CmpltRedir", 0x0008},
    {"UpstreamFwd", 0x0010}, {"EgressCtrl", 0x0020}, {"DirectTrans", 0x0040},
};

// ARI Capability register bits 1:0 (PCIe r6.0 §7.8.7.2).
constexpr FlagBit kAriFlags[] = {{"MFVC", 0x01}, {"ACS", 0x02}};

bool parse_suffixes(std::string_view tail, HeaderText& h) {
  tail = trim(tail);
  if (tail.starts_with("(rev ")) {
    const auto rev = hex_prefix(tail.substr(5), 2);
    if (!rev || tail.size() < 8 || tail[7] != ')') return false;
    h.revision = static_cast<std::uint8_t>(*rev);
    tail = trim_left(tail.substr(8));
  }
  if (tail.starts_with("(prog-if ")) {
    const auto prog_if = hex_prefix(tail.substr(9), 2);
    if (!prog_if || tail.size() < 12 || (tail[11] != ')' && tail[11] != ' ')) return false;
    h.prog_if = static_cast<std::uint8_t>(*prog_if);
    return tail.back() == ')';
  }
  return tail.empty();
}

std::optional<std::uint16_t> status_word(std::string_view s) {
  const auto flags = flag_word(s, kStatusFlags);
  if (!flags) return std::nullopt;
  for (const auto& [label, bits] : kDevselTimings) {
    if (s.find(label) != std::string_view::npos) return static_cast<std::uint16_t>(*flags | bits);
  }
  return std::nullopt;
}

}  // namespace

std::optional<HeaderText> parse_header(std::string_view line) {
  line = trim(line);
  std::size_t end = 0;
  while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
  const std::string_view token = line.substr(0, end);
  // lspci prints BB:DD.F with an optional domain of 4-8 digits: anything else is not an
  // address (checked before Bdf::parse, which is slower: this runs for every line).
  if (token.size() < 7 || token.size() > 17 || token[token.size() - 2] != '.' ||
      token[token.size() - 5] != ':') {
    return std::nullopt;
  }
  const auto address = Bdf::parse(token);
  if (!address) return std::nullopt;

  HeaderText h;
  h.address = *address;
  const std::string_view rest = trim(line.substr(end));
  const std::size_t colon = rest.find(": ");
  const std::string_view class_text = colon == std::string_view::npos ? rest : rest.substr(0, colon);
  if (class_text.size() >= 6 && class_text.back() == ']' && class_text[class_text.size() - 6] == '[') {
    if (const auto c = hex_prefix(class_text.substr(class_text.size() - 5), 4)) {
      h.class_code = static_cast<std::uint16_t>(*c);
      h.numeric = true;
    }
  }
  if (colon == std::string_view::npos) {
    h.damaged = true;
    return h;
  }
  const std::string_view desc = trim(rest.substr(colon + 2));

  if (const auto ids = last_id_pair(desc)) {
    h.numeric = true;
    h.vendor_id = ids->first;
    h.device_id = ids->second;
    h.description = std::string(trim(desc.substr(0, ids->position)));
    if (parse_suffixes(desc.substr(ids->position + 11), h)) {
      // A whole line: lspci prints "(rev rr)" only when the revision is non-zero and
      // "(prog-if pp)" only when it is non-zero or has a name, so their absence says 0.
      if (!h.revision) h.revision = 0;
      if (!h.prog_if) h.prog_if = 0;
    } else {
      h.damaged = true;
    }
    return h;
  }

  // No "[vvvv:dddd]": either lspci ran without -nn, or the line was cut (lspci shortens
  // long names with "..."). What survived is still worth keeping.
  std::size_t cut = desc.size();
  for (std::string_view marker : {" (rev ", " (prog-if "}) {
    cut = std::min(cut, desc.find(marker));
  }
  std::string_view name = desc.substr(0, cut);
  if (h.numeric) {
    h.damaged = true;
    const std::size_t bracket = name.rfind('[');
    if (bracket != std::string_view::npos) {
      const std::string_view partial = name.substr(bracket + 1);
      if (const auto vendor = hex_prefix(partial, 4);
          vendor && (partial.size() == 4 || partial[4] == ':' || partial[4] == '.')) {
        h.vendor_id = static_cast<std::uint16_t>(*vendor);
        name = name.substr(0, bracket);
      }
    }
  }
  h.description = std::string(trim(name));
  if (cut < desc.size() && !parse_suffixes(desc.substr(cut), h)) h.damaged = true;
  return h;
}

FunctionText parse_block(std::span<const TextLine> lines, HeaderText header) {
  FunctionText f;
  f.header = std::move(header);
  f.line = lines.empty() ? 0 : lines.front().number;
  ChainText* current_chain = nullptr;
  CapabilityText* current = nullptr;
  bool seen_capabilities = false;

  auto note = [&f](std::size_t line, std::string text) {
    f.notes.push_back(fmt::format("line {}: {}", line, text));
  };

  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view t = trim(lines[i].text);
    const std::size_t number = lines[i].number;

    if (const auto rest = after_key(t, "Capabilities:")) {
      seen_capabilities = true;
      current = nullptr;
      if (rest->starts_with("<access denied>")) {
        if (f.standard.end == ChainEnd::kNone) {
          f.standard.end = ChainEnd::kAccessDenied;
          f.standard.end_line = number;
        }
        continue;
      }
      const std::size_t close = rest->find(']');
      if (!rest->starts_with('[') || close == std::string_view::npos) {
        note(number, "unreadable capability line");
        (f.extended.capabilities.empty() ? f.standard : f.extended).invalid = true;
        continue;
      }
      const std::string_view inside = rest->substr(1, close - 1);
      const std::size_t space = inside.find(' ');
      const std::string_view offset_text = inside.substr(0, space);
      const auto offset = parse_hex(offset_text, 3);
      std::optional<std::uint8_t> version;
      bool version_ok = true;
      if (space != std::string_view::npos) {
        const auto v = after_key(inside.substr(space + 1), "v");
        const auto value = v ? decimal_prefix(*v, 15) : std::nullopt;
        version_ok = value.has_value() && v->size() <= 2;
        if (value) version = static_cast<std::uint8_t>(*value);
      }
      const bool extended = version.has_value() || offset_text.size() >= 3;
      ChainText& chain = extended ? f.extended : f.standard;
      if (!offset || !version_ok) {
        note(number, fmt::format("unreadable capability position [{}]", inside));
        chain.invalid = true;
        continue;
      }
      if (!extended && !f.extended.capabilities.empty()) {
        note(number, "a standard capability listed after the extended ones; ignored");
        continue;
      }
      if (chain.end != ChainEnd::kNone || chain.invalid) {
        note(number, "capability listed after the end of its list; ignored");
        continue;
      }
      const std::string_view name = trim(rest->substr(close + 1));
      if (name.starts_with("<chain looped>") || name.starts_with("<chain broken>")) {
        chain.end = name.starts_with("<chain looped>") ? ChainEnd::kLooped : ChainEnd::kBroken;
        chain.end_offset = static_cast<std::uint16_t>(*offset);
        chain.end_line = number;
        continue;
      }
      CapabilityText cap;
      cap.line = number;
      cap.offset = static_cast<std::uint16_t>(*offset);
      cap.version = version;
      cap.extended = extended;
      cap.name = std::string(name);
      chain.capabilities.push_back(std::move(cap));
      current_chain = &chain;
      current = &chain.capabilities.back();
      continue;
    }

    if (!seen_capabilities) {
      if (const auto rest = after_key(t, "Subsystem:")) {
        if (const auto ids = last_id_pair(*rest); ids && !f.subsystem_vendor) {
          f.subsystem_vendor = ids->first;
          f.subsystem_device = ids->second;
        }
        continue;
      }
      if (const auto rest = after_key(t, "Status:"); rest && !f.status_cap_list) {
        f.status_cap_list = flag(*rest, "Cap");
        f.status = status_word(*rest);
        continue;
      }
      if (const auto rest = after_key(t, "Bus:"); rest && !f.bus) {
        const auto primary = hex_after(*rest, "primary=", 2);
        const auto secondary = hex_after(*rest, "secondary=", 2);
        const auto subordinate = hex_after(*rest, "subordinate=", 2);
        if (primary && secondary && subordinate) {
          BridgeBusText bus{static_cast<std::uint8_t>(*primary), static_cast<std::uint8_t>(*secondary),
                            static_cast<std::uint8_t>(*subordinate), std::nullopt};
          if (const auto latency = decimal_after(*rest, "sec-latency=", 255)) {
            bus.secondary_latency = static_cast<std::uint8_t>(*latency);
          }
          f.bus = bus;
          f.bus_line = number;
        } else {
          note(number, "unreadable Bus line");
        }
        continue;
      }
    }
    if (const auto rest = after_key(t, "Kernel driver in use:")) {
      current = nullptr;
      if (!f.driver) f.driver = std::string(trim(*rest));
      continue;
    }
    if (t.starts_with("Kernel modules:")) {
      current = nullptr;
      continue;
    }
    if (const auto rest = after_key(t, "IOMMU group:")) {
      const auto group = decimal_prefix(*rest, static_cast<std::uint32_t>(std::numeric_limits<int>::max()));
      if (!group) {
        note(number, "unreadable IOMMU group number");
      } else if (f.iommu_group && *f.iommu_group != static_cast<int>(*group)) {
        note(number, "a second, different IOMMU group line; the first one is kept");
      } else {
        f.iommu_group = static_cast<int>(*group);
      }
      continue;
    }
    if (const auto rest = after_key(t, "NUMA node:")) {
      if (const auto node = decimal_prefix(*rest, 0xffff); node && !f.numa_node) {
        f.numa_node = static_cast<int>(*node);
      }
      continue;
    }

    if (current == nullptr || current_chain != &f.extended) continue;
    if (const auto rest = after_key(t, "ACSCap:")) {
      current->acs_capability = flag_word(*rest, kAcsFlags);
    } else if (const auto ctl = after_key(t, "ACSCtl:")) {
      current->acs_control = flag_word(*ctl, kAcsFlags);
    } else if (const auto ari = after_key(t, "ARICap:")) {
      if (const auto next = decimal_after(*ari, "Next Function:", 255)) {
        current->ari_next_function = static_cast<std::uint8_t>(*next);
      }
      if (const auto bits = flag_word(*ari, kAriFlags)) current->ari_flags = static_cast<std::uint8_t>(*bits);
    } else if (t.starts_with("Initial VFs:")) {
      auto word = [&](std::string_view key) -> std::optional<std::uint16_t> {
        if (const auto v = decimal_after(t, key, 0xffff)) return static_cast<std::uint16_t>(*v);
        return std::nullopt;
      };
      current->sriov_initial_vfs = word("Initial VFs:");
      current->sriov_total_vfs = word("Total VFs:");
      current->sriov_num_vfs = word("Number of VFs:");
      if (const auto link = hex_after(t, "Function Dependency Link:", 2)) {
        current->sriov_dependency_link = static_cast<std::uint8_t>(*link);
      }
    } else if (t.starts_with("VF offset:")) {
      if (const auto v = decimal_after(t, "VF offset:", 0xffff)) {
        current->sriov_vf_offset = static_cast<std::uint16_t>(*v);
      }
      if (const auto v = decimal_after(t, "stride:", 0xffff)) {
        current->sriov_vf_stride = static_cast<std::uint16_t>(*v);
      }
      if (const auto v = hex_after(t, "Device ID:", 4)) {
        current->sriov_vf_device_id = static_cast<std::uint16_t>(*v);
      }
    }
  }
  return f;
}

}  // namespace isogroup::lspci_verbose
