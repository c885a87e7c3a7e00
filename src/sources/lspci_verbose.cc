// parse_lspci_verbose: `lspci -vv` / `-vvv` / `-vvnn` text -> Snapshot. Each function's
// decoded registers are turned back into a partially known ConfigSpace
// (lspci_verbose_config.cc), so the rest of isogroup decodes text and binary inputs alike.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "isogroup/sources/read.h"
#include "lspci_verbose_block.h"
#include "lspci_verbose_config.h"
#include "lspci_verbose_names.h"
#include "lspci_verbose_text.h"

namespace isogroup {
namespace {

using lspci_verbose::FunctionText;
using lspci_verbose::TextLine;

// Hostile input can produce a note per line; the user needs the first ones, not a million.
constexpr std::size_t kMaxNotes = 200;

class Notes {
 public:
  explicit Notes(std::vector<std::string>& out) : out_(out) {}
  void add(std::string note) {
    if (out_.size() < kMaxNotes) {
      out_.push_back(std::move(note));
    } else {
      ++dropped_;
    }
  }
  void finish() {
    if (dropped_ > 0) out_.push_back(fmt::format("{} more notes not shown", dropped_));
  }

 private:
  std::vector<std::string>& out_;
  std::size_t dropped_ = 0;
};

bool is_blank(std::string_view s) { return lspci_verbose::trim(s).empty(); }

// lspci prints the kernel driver and module lines last in a block.
bool is_block_tail(std::string_view s) {
  const std::string_view t = lspci_verbose::trim(s);
  return t.starts_with("Kernel driver in use:") || t.starts_with("Kernel modules:");
}

using SlotKey = std::tuple<std::uint32_t, std::uint8_t, std::uint8_t>;
SlotKey slot_of(const Bdf& b) { return {b.domain, b.bus, b.device()}; }

bool lists_mfvc(const FunctionText& f) {
  return std::any_of(f.extended.capabilities.begin(), f.extended.capabilities.end(), [](const auto& cap) {
    const auto name = lspci_verbose::extended_capability_id(cap.name);
    return name && name->id == lspci_verbose::kExtCapIdMfvc;
  });
}

}  // namespace

Result<Snapshot> parse_lspci_verbose(std::string_view text, std::string_view name) {
  Snapshot snapshot;
  snapshot.kind = SourceKind::kLspciVerbose;
  snapshot.source = std::string(name);
  Notes notes(snapshot.notes);
  auto where = [&](std::size_t line) { return fmt::format("{}:{}", name, line); };

  std::size_t repaired = 0;
  const std::vector<TextLine> lines = lspci_verbose::split_lines(text, repaired);

  // Cut the text into blocks: a function's line, then everything up to a blank line.
  std::vector<FunctionText> functions;
  std::size_t ignored = 0, first_ignored = 0;
  for (std::size_t i = 0; i < lines.size();) {
    auto header = lspci_verbose::parse_header(lines[i].text);
    if (!header) {
      if (!is_blank(lines[i].text)) {
        if (ignored++ == 0) first_ignored = lines[i].number;
      }
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < lines.size() && !is_blank(lines[end].text) && !lspci_verbose::parse_header(lines[end].text)) {
      ++end;
    }
    FunctionText f = lspci_verbose::parse_block(std::span<const TextLine>(lines).subspan(i, end - i),
                                                std::move(*header));
    f.complete = end < lines.size() || is_block_tail(lines[end - 1].text);
    functions.push_back(std::move(f));
    i = end;
  }

  if (functions.empty()) {
    return make_error(Errc::kInvalidInput, "no PCI function found in the text", std::string(name),
                      "expected the output of `lspci -vvnn` (each function starts with its address, "
                      "e.g. \"00:1f.0 ISA bridge [0601]: ...\")");
  }

  std::map<Bdf, std::size_t> seen;
  std::map<SlotKey, std::size_t> slot_functions;
  std::set<SlotKey> mfvc_slots;
  bool any_driver_line = false, any_group_line = false, any_access_denied = false, any_capability = false;
  bool any_plain_header = false;
  for (const FunctionText& f : functions) {
    const auto [it, inserted] = seen.emplace(f.header.address, f.line);
    if (!inserted) {
      return make_error(Errc::kInconsistent,
                        fmt::format("function {} appears twice, at lines {} and {}",
                                    f.header.address.to_string(), it->second, f.line),
                        where(f.line), "the text looks like two captures pasted together; keep one");
    }
    ++slot_functions[slot_of(f.header.address)];
    if (lists_mfvc(f)) mfvc_slots.insert(slot_of(f.header.address));
    any_driver_line |= f.driver.has_value();
    any_group_line |= f.iommu_group.has_value();
    any_access_denied |= f.standard.end == lspci_verbose::ChainEnd::kAccessDenied;
    any_capability |= !f.standard.capabilities.empty();
    any_plain_header |= !f.header.numeric;
  }

  if (repaired > 0) {
    notes.add(fmt::format("{}: removed {} piece(s) of lspci error output mixed into the text", name, repaired));
  }
  if (ignored > 0) {
    notes.add(fmt::format("{}: ignored {} line(s) outside any function block", where(first_ignored), ignored));
  }
  if (any_plain_header) {
    notes.add(fmt::format("{}: some functions have no numeric IDs (lspci ran without -nn); their vendor, "
                          "device and class are unknown",
                          name));
  }

  std::vector<std::string> no_extended;
  bool any_multifunction = false;
  std::map<int, std::vector<Bdf>> groups;
  for (FunctionText& f : functions) {
    const SlotKey slot = slot_of(f.header.address);
    lspci_verbose::SlotFacts facts;
    facts.other_functions = slot_functions[slot] > 1;
    facts.mfvc = mfvc_slots.contains(slot);
    any_multifunction |= facts.other_functions;
    lspci_verbose::Synthesis synthesis = lspci_verbose::synthesize_config(f, facts);

    if (f.header.damaged) {
      notes.add(fmt::format("{}: the line of {} is cut short or garbled; what it does not show is unknown",
                            where(f.line), f.header.address.to_string()));
    }
    for (const std::string& n : f.notes) notes.add(fmt::format("{}: {}: {}", name, f.header.address.to_string(), n));
    for (const std::string& n : synthesis.notes) {
      notes.add(fmt::format("{}: {}: {}", name, f.header.address.to_string(), n));
    }
    if (synthesis.pcie_without_extended) {
      no_extended.push_back(fmt::format("{} (line {})", f.header.address.to_short_string(), f.line));
    }

    SnapshotFunction out;
    out.address = f.header.address;
    out.origin = where(f.line);
    out.config = std::move(synthesis.config);
    out.vendor_id = f.header.vendor_id;
    out.device_id = f.header.device_id;
    if (f.header.class_code && f.header.prog_if) {
      out.class_code = static_cast<std::uint32_t>(*f.header.class_code) << 8 | *f.header.prog_if;
    }
    if (!f.header.description.empty()) out.name = f.header.description;
    // With -k output elsewhere in the file, a function without the line has no driver.
    if (f.driver) {
      out.driver = f.driver;
    } else if (any_driver_line) {
      out.driver = std::string();
    }
    out.iommu_group = f.iommu_group;
    out.numa_node = f.numa_node;
    if (f.iommu_group) groups[*f.iommu_group].push_back(f.header.address);
    snapshot.functions.push_back(std::move(out));
  }

  if (!no_extended.empty()) {
    const std::size_t shown = std::min<std::size_t>(no_extended.size(), 8);
    std::string list;
    for (std::size_t i = 0; i < shown; ++i) list += (i ? ", " : "") + no_extended[i];
    if (shown < no_extended.size()) list += fmt::format(" and {} more", no_extended.size() - shown);
    notes.add(fmt::format("{}: {} PCI Express function(s) list no extended capabilities: {}. lspci shows none "
                          "when it cannot read them (device in D3cold, unprivileged run), so their ACS, ARI and "
                          "SR-IOV are unknown, not absent",
                          name, no_extended.size(), list));
  }
  if (any_multifunction) {
    notes.add(fmt::format("{}: lspci does not print the multi-function bit; it was inferred from other "
                          "functions of the same slot being listed",
                          name));
  }

  snapshot.has_kernel_groups = any_group_line;
  for (auto& [id, devices] : groups) {
    std::sort(devices.begin(), devices.end());
    snapshot.kernel_groups.push_back(KernelGroup{id, std::move(devices), {}, {}, {}, {}});
  }
  // Capabilities live above the 64 bytes an unprivileged read returns: any listed
  // capability proves a privileged read, "<access denied>" an unprivileged one.
  if (any_access_denied) {
    snapshot.privileged = Tristate::kFalse;
    notes.add(fmt::format("{}: lspci ran without root (\"Capabilities: <access denied>\"): capabilities, "
                          "port types and ACS are unknown",
                          name));
  } else if (any_capability) {
    snapshot.privileged = Tristate::kTrue;
  }
  notes.finish();
  return snapshot;
}

}  // namespace isogroup
