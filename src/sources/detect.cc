// Input kind detection: from what the path holds, never from its name.
#include <fmt/format.h>

#include <cstring>
#include <system_error>

#include "isogroup/sources/read.h"
#include "lspci_hex_line.h"
#include "read_text_file.h"

namespace isogroup {
namespace {

namespace fs = std::filesystem;
using lspci_hex::LineKind;

// Enough for the first function of any lspci output, even -vv -xxxx (about 20 KiB).
constexpr std::size_t kSniffBytes = 64 * 1024;

// POSIX ustar header: the magic "ustar" at offset 257 of the first 512-byte block.
constexpr std::size_t kUstarMagicOffset = 257;
constexpr std::string_view kUstarMagic = "ustar";

constexpr std::string_view kAcceptedInputs =
    "accepted inputs: a sysfs root (a directory with sys/bus/pci, e.g. /), a snapshot "
    "directory or .tar written by `isogroup capture`, the output of `lspci -xxxx` "
    "(or -x, -xxx, with or without -D), or the output of `lspci -vvnn` (or -vv)";

tl::unexpected<Error> unknown_kind(const fs::path& path, std::string why) {
  return make_error(Errc::kInvalidInput, "cannot tell what kind of input this is: " + why,
                    path.string(), std::string(kAcceptedInputs));
}

bool exists_as(const fs::path& path, fs::file_type type) {
  std::error_code ec;
  return fs::status(path, ec).type() == type;
}

// lspci text: the first function's block decides. Hex rows under its header make a hex
// dump (also when -v lines precede them: the bytes say more than the decoded text);
// otherwise it is lspci text without bytes, which the verbose reader takes.
std::optional<SourceKind> classify_text(std::string_view text, bool truncated) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  // A cut-off last line could look like anything: leave it out.
  if (truncated) {
    const std::size_t last = text.rfind('\n');
    text = last == std::string_view::npos ? std::string_view{} : text.substr(0, last);
  }
  bool in_first_block = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t newline = text.find('\n', pos);
    const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    const std::string_view line = lspci_hex::strip_cr(text.substr(pos, end - pos));
    pos = end + 1;
    switch (lspci_hex::classify(line)) {
      case LineKind::kDiagnostic: continue;
      case LineKind::kBlank:
        if (in_first_block) return SourceKind::kLspciVerbose;
        continue;
      case LineKind::kDetail:
        if (!in_first_block) return std::nullopt;  // text before any function header
        continue;
      case LineKind::kHexRow:
        if (!in_first_block) return std::nullopt;
        return SourceKind::kLspciHex;
      case LineKind::kHeader:
        if (in_first_block) return SourceKind::kLspciVerbose;  // plain `lspci`
        if (!Bdf::parse(lspci_hex::split_header(line).address)) return std::nullopt;
        in_first_block = true;
        continue;
    }
  }
  if (in_first_block) return SourceKind::kLspciVerbose;
  return std::nullopt;
}

}  // namespace

Result<SourceKind> detect_source_kind(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) {
    return make_errno_error(ec.value(), "cannot open the input", path.string(),
                            std::string(kAcceptedInputs));
  }
  if (status.type() == fs::file_type::directory) {
    if (exists_as(path / "isogroup" / "manifest.json", fs::file_type::regular)) {
      return SourceKind::kSnapshotDir;
    }
    if (exists_as(path / "sys" / "bus" / "pci", fs::file_type::directory)) {
      return SourceKind::kLiveSysfs;
    }
    return unknown_kind(path, "a directory without isogroup/manifest.json or sys/bus/pci");
  }

  auto head = sources_internal::read_file_prefix(path, kSniffBytes);
  if (!head) return tl::unexpected(std::move(head.error()));
  if (head->size() >= kUstarMagicOffset + kUstarMagic.size() &&
      std::string_view(*head).substr(kUstarMagicOffset, kUstarMagic.size()) == kUstarMagic) {
    return SourceKind::kSnapshotTar;
  }
  if (head->empty()) return unknown_kind(path, "the file is empty");
  if (auto kind = classify_text(*head, head->size() == kSniffBytes)) return *kind;
  return unknown_kind(path, "it does not start with a PCI function line such as '00:00.0 Host bridge: ...'");
}

}  // namespace isogroup
