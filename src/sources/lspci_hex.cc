// Reader for lspci hex dumps: `lspci -x`, `-xxx`, `-xxxx`, with or without -D, and
// combined with -n, -v, -vv, -k. The line grammar lives in lspci_hex_line.h.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "isogroup/sources/read.h"
#include "lspci_hex_line.h"

namespace isogroup {
namespace {

using lspci_hex::LineKind;

// Each function carries a 4 KiB configuration image; the cap bounds memory on hostile
// input. Real machines have hundreds to a few thousand functions.
constexpr std::size_t kMaxFunctions = 65536;
// lspci's own messages (stderr captured with 2>&1) are noted, a few of them.
constexpr std::size_t kMaxDiagnosticNotes = 8;

constexpr std::string_view kFormatHint =
    "expected the output of `lspci -xxxx` (or -x, -xxx; -D, -n, -v, -k may be added): "
    "a line '[DDDD:]BB:DD.F description' per function, then rows 'OO: xx xx ...'";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::string_view> after_prefix(std::string_view s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return std::nullopt;
  return trim(s.substr(prefix.size()));
}

class HexDumpParser {
 public:
  explicit HexDumpParser(std::string_view name) : name_(name) {
    snapshot_.kind = SourceKind::kLspciHex;
    snapshot_.source = std::string(name);
  }

  Status line(std::string_view raw, std::size_t number) {
    number_ = number;
    const std::string_view text = lspci_hex::strip_cr(raw);
    switch (lspci_hex::classify(text)) {
      case LineKind::kBlank: current_.reset(); return {};
      case LineKind::kDiagnostic:
        if (++diagnostics_ <= kMaxDiagnosticNotes) {
          snapshot_.notes.push_back(fmt::format("{}: skipped a message from lspci: {}", where(),
                                                lspci_hex::printable(text, 200)));
        }
        return {};
      case LineKind::kDetail: return detail(trim(text));
      case LineKind::kHexRow: return hex_row(text);
      case LineKind::kHeader: return header(text);
    }
    return {};
  }

  Result<Snapshot> finish() &&;

 private:
  std::string where() const { return fmt::format("{}:{}", name_, number_); }

  tl::unexpected<Error> fail(Errc code, std::string message, std::string hint = {}) const {
    return make_error(code, std::move(message), where(), std::move(hint));
  }

  Status header(std::string_view text) {
    const auto parts = lspci_hex::split_header(text);
    auto address = Bdf::parse(parts.address);
    if (!address) {
      return fail(Errc::kInvalidInput,
                  fmt::format("'{}' is not a function address", lspci_hex::printable(parts.address)),
                  std::string(kFormatHint) + "; lspci -P paths and -m formats are not hex dumps");
    }
    if (auto [it, inserted] = index_.try_emplace(*address, snapshot_.functions.size()); !inserted) {
      return fail(Errc::kInconsistent,
                  fmt::format("{} appears twice (first at {})", address->to_string(),
                              snapshot_.functions[it->second].origin),
                  "a dump must hold each function once; concatenated dumps of different "
                  "machines cannot be read as one");
    }
    if (snapshot_.functions.size() == kMaxFunctions) {
      return fail(Errc::kUnsupported, fmt::format("more than {} functions", kMaxFunctions));
    }
    SnapshotFunction& function = snapshot_.functions.emplace_back();
    function.address = *address;
    function.origin = where();
    if (!parts.text.empty()) function.name = std::string(parts.text);
    known_end_.push_back(0);
    current_ = snapshot_.functions.size() - 1;
    return {};
  }

  Status hex_row(std::string_view text) {
    if (!current_) {
      return fail(Errc::kInvalidInput, "hex row outside a function's block",
                  "every block of rows must directly follow its function's header line; " +
                      std::string(kFormatHint));
    }
    auto row = lspci_hex::parse_hex_row(text);
    if (!row) return tl::unexpected(std::move(row.error()).with_context(where()));
    SnapshotFunction& function = snapshot_.functions[*current_];
    for (std::size_t i = 0; i < row->count; ++i) {
      if (function.config.is_known(row->offset + i)) {
        return fail(Errc::kInconsistent,
                    fmt::format("byte 0x{:x} of {} is given twice", row->offset + i,
                                function.address.to_string()));
      }
      function.config.set8(row->offset + i, row->bytes[i]);
    }
    known_end_[*current_] = std::max(known_end_[*current_], row->offset + row->count);
    saw_row_ = true;
    return {};
  }

  // -k and -v lines of a dump taken on the live machine. The rows say the rest.
  Status detail(std::string_view text) {
    if (!current_) return {};
    SnapshotFunction& function = snapshot_.functions[*current_];
    if (auto driver = after_prefix(text, "Kernel driver in use:")) {
      function.driver = std::string(*driver);
      saw_driver_info_ = true;
    } else if (after_prefix(text, "Kernel modules:")) {
      saw_driver_info_ = true;
    } else if (auto group = after_prefix(text, "IOMMU group:")) {
      int id = -1;
      const auto* end = group->data() + group->size();
      auto [ptr, ec] = std::from_chars(group->data(), end, id);
      if (ec != std::errc() || ptr != end || id < 0) {
        return fail(Errc::kInvalidInput, fmt::format("'{}' is not an IOMMU group number",
                                                     lspci_hex::printable(*group)));
      }
      function.iommu_group = id;
      saw_group_ = true;
    }
    return {};
  }

  std::string_view name_;
  std::size_t number_ = 0;
  Snapshot snapshot_;
  std::unordered_map<Bdf, std::size_t> index_;
  std::optional<std::size_t> current_;  // the function whose block we are in
  std::vector<std::size_t> known_end_;   // per function: highest known byte + 1
  std::size_t diagnostics_ = 0;
  bool saw_row_ = false;
  bool saw_driver_info_ = false;
  bool saw_group_ = false;
};

Result<Snapshot> HexDumpParser::finish() && {
  if (snapshot_.functions.empty()) {
    return make_error(Errc::kInvalidInput, "no PCI function in the input", std::string(name_),
                      std::string(kFormatHint));
  }
  if (!saw_row_) {
    return make_error(Errc::kInvalidInput, "no hex rows: this is lspci output without -x",
                      std::string(name_),
                      "make the dump with `lspci -xxxx` as root, or let isogroup detect the "
                      "input kind (lspci -vv text is read by its own reader)");
  }

  bool only_header = false;
  for (std::size_t i = 0; i < snapshot_.functions.size(); ++i) {
    SnapshotFunction& function = snapshot_.functions[i];
    const std::size_t end = known_end_[i];
    const std::size_t prefix = function.config.known_prefix();
    // Rows were set byte by byte, so a row missing from the middle leaves exactly its bytes
    // unknown while the rows after it still count: an extended capability past the gap
    // stays readable, and a read touching the gap yields "unknown", never zero.
    if (end == 0) {
      snapshot_.notes.push_back(fmt::format(
          "{} ({}): the dump has no configuration bytes for this function; its registers are unknown",
          function.address.to_string(), function.origin));
    } else if (prefix < end) {
      snapshot_.notes.push_back(fmt::format(
          "{} ({}): rows are missing from the dump between 0x{:x} and 0x{:x}; their bytes are unknown",
          function.address.to_string(), function.origin, prefix, end));
    }
    if (end > pci::ConfigSpace::kUnprivilegedSize) {
      snapshot_.privileged = Tristate::kTrue;
    } else if (end > 0) {
      only_header = true;
    }
    // lspci -k prints "Kernel driver in use" for every bound function when it runs on the
    // live machine, so once the dump shows such lines, a function without one is unbound.
    if (saw_driver_info_ && !function.driver) function.driver = "";
  }
  if (only_header) {
    snapshot_.notes.push_back(
        "some functions have only the first 64 bytes (lspci -x, or lspci run without root): "
        "their capabilities (PCI Express, ACS, ...) are unknown; `lspci -xxxx` as root dumps them");
  }
  if (!saw_driver_info_) {
    snapshot_.notes.push_back(
        "the dump does not say which driver each function uses; `lspci -k -xxxx` includes it");
  }

  // `lspci -v` prints "IOMMU group: N" for every function in a group when it runs on the
  // live machine; without such lines the dump says nothing about groups.
  snapshot_.has_kernel_groups = saw_group_;
  if (saw_group_) {
    std::map<int, KernelGroup> groups;
    for (const SnapshotFunction& function : snapshot_.functions) {
      if (!function.iommu_group) continue;
      KernelGroup& group = groups[*function.iommu_group];
      group.id = *function.iommu_group;
      group.devices.push_back(function.address);
    }
    for (auto& [id, group] : groups) {
      std::sort(group.devices.begin(), group.devices.end());
      snapshot_.kernel_groups.push_back(std::move(group));
    }
  }
  return std::move(snapshot_);
}

}  // namespace

Result<Snapshot> parse_lspci_hex(std::string_view text, std::string_view name) {
  HexDumpParser parser(name);
  std::size_t number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t newline = text.find('\n', pos);
    const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    if (auto status = parser.line(text.substr(pos, end - pos), ++number); !status) {
      return tl::unexpected(std::move(status.error()));
    }
    pos = end + 1;
  }
  return std::move(parser).finish();
}

}  // namespace isogroup
