// Line grammar shared by the lspci hex-dump parser and format detection.
//
// `lspci -x` (and -xxx, -xxxx, optionally with -D, -n, -v, -k) prints, per function,
// a header line "[DDDD:]BB:DD.F text", then optionally tab-indented detail lines, then
// rows "OO: xx xx ..." (offset in hex, 2 or 3 digits, up to 16 bytes), then a blank line.
// pciutils reads the same text back with `lspci -F`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "isogroup/core/error.h"

namespace isogroup::lspci_hex {

enum class LineKind {
  kBlank,       // empty or whitespace only: ends a function's block
  kDetail,      // starts with whitespace: -v/-k detail ("\tKernel driver in use: ...")
  kHexRow,      // "OO: xx xx ..."
  kDiagnostic,  // "lspci: ..." or "pcilib: ...": the tool's stderr captured with 2>&1
  kHeader,      // anything else: must start with a function address
};

// Strips a trailing '\r' (files that went through Windows) so rows still parse.
std::string_view strip_cr(std::string_view line);

LineKind classify(std::string_view line);

// Rows hold at most 16 bytes (lspci prints 16 per row).
inline constexpr std::size_t kRowBytes = 16;

struct HexRow {
  std::size_t offset = 0;
  std::array<std::uint8_t, kRowBytes> bytes{};
  std::size_t count = 0;
};

// Parses a line that classify() called kHexRow. The error has no context; the caller
// adds "name:line".
Result<HexRow> parse_hex_row(std::string_view line);

// Splits a header line into its address token and the rest (trimmed).
struct HeaderParts {
  std::string_view address;
  std::string_view text;
};
HeaderParts split_header(std::string_view line);

// For quoting input in messages: cut to `max` characters, non-printable bytes as '?'.
std::string printable(std::string_view s, std::size_t max = 32);

}  // namespace isogroup::lspci_hex
