#include "lspci_hex_line.h"

#include <fmt/format.h>

#include "isogroup/pci/config_space.h"

namespace isogroup::lspci_hex {
namespace {

constexpr bool is_space(char c) { return c == ' ' || c == '\t'; }

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool all_hex(std::string_view s) {
  for (char c : s) {
    if (hex_value(c) < 0) return false;
  }
  return !s.empty();
}

std::string_view first_token(std::string_view line) {
  std::size_t end = 0;
  while (end < line.size() && !is_space(line[end])) ++end;
  return line.substr(0, end);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

LineKind classify(std::string_view line) {
  if (trim(line).empty()) return LineKind::kBlank;
  if (is_space(line.front())) return LineKind::kDetail;
  if (line.starts_with("lspci:") || line.starts_with("pcilib:")) return LineKind::kDiagnostic;
  const std::string_view token = first_token(line);
  if (token.size() >= 2 && token.back() == ':' && all_hex(token.substr(0, token.size() - 1))) {
    return LineKind::kHexRow;
  }
  return LineKind::kHeader;
}

Result<HexRow> parse_hex_row(std::string_view line) {
  const std::string_view token = first_token(line);
  const std::string_view digits = token.substr(0, token.size() - 1);
  HexRow row;
  // More than 4 digits cannot be below 4096 (and could overflow the accumulator).
  bool too_far = digits.size() > 4;
  if (!too_far) {
    for (char c : digits) row.offset = row.offset * 16 + static_cast<std::size_t>(hex_value(c));
    too_far = row.offset >= pci::ConfigSpace::kMaxSize;
  }
  if (too_far) {
    return make_error(Errc::kInvalidInput,
                      fmt::format("row offset 0x{} is beyond the 4096-byte configuration space",
                                  printable(digits)));
  }

  std::string_view rest = line.substr(token.size());
  while (true) {
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    if (rest.empty()) break;
    const std::string_view byte = first_token(rest);
    rest.remove_prefix(byte.size());
    if (byte.size() != 2 || !all_hex(byte)) {
      return make_error(Errc::kInvalidInput,
                        fmt::format("'{}' is not a hex byte (two hex digits)", printable(byte)));
    }
    if (row.count == kRowBytes) {
      return make_error(Errc::kInvalidInput,
                        fmt::format("row 0x{:x} has more than {} bytes", row.offset, kRowBytes));
    }
    row.bytes[row.count++] =
        static_cast<std::uint8_t>(hex_value(byte[0]) * 16 + hex_value(byte[1]));
  }
  if (row.count == 0) {
    return make_error(Errc::kInvalidInput, fmt::format("row 0x{:x} has no bytes", row.offset));
  }
  if (row.offset + row.count > pci::ConfigSpace::kMaxSize) {
    return make_error(Errc::kInvalidInput,
                      fmt::format("row 0x{:x} runs past the 4096-byte configuration space",
                                  row.offset));
  }
  return row;
}

HeaderParts split_header(std::string_view line) {
  const std::string_view address = first_token(line);
  return HeaderParts{address, trim(line.substr(address.size()))};
}

}  // namespace isogroup::lspci_hex
