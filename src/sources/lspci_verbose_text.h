// Text helpers for the lspci -vv parser: logical lines (CRLF, stray stderr text removed)
// and small, bounds-checked field parsers. Private to sources/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace isogroup::lspci_verbose {

// One line as lspci meant to print it. `number` is the 1-based physical line where it
// starts (a line repaired from stray stderr text spans two physical lines).
struct TextLine {
  std::string text;
  std::size_t number = 0;
};

// Splits TEXT into lines, dropping a trailing '\r' (CRLF pastes). lspci's stderr shares
// the terminal with its stdout, so a message such as "pcilib: sysfs_read_vpd: read
// failed: ..." can land in the middle of a line: the message runs to the end of that
// physical line and the interrupted line continues on the next one. Such lines are
// rejoined and the message dropped; `repaired` counts them.
std::vector<TextLine> split_lines(std::string_view text, std::size_t& repaired);

std::string_view trim(std::string_view s);
std::string_view trim_left(std::string_view s);

// If S starts with KEY, the rest after KEY with leading whitespace removed.
std::optional<std::string_view> after_key(std::string_view s, std::string_view key);

// Exactly DIGITS hex digits at the start of S (no sign, no prefix).
std::optional<std::uint32_t> hex_prefix(std::string_view s, std::size_t digits);
// The whole of S as hex (1..max_digits digits).
std::optional<std::uint32_t> parse_hex(std::string_view s, std::size_t max_digits);
// A decimal number at the start of S, at most MAX; `used` receives the digits consumed.
std::optional<std::uint32_t> decimal_prefix(std::string_view s, std::uint32_t max,
                                            std::size_t* used = nullptr);
// The decimal value after "KEY" somewhere in S ("Total VFs: 8" -> 8), at most MAX.
std::optional<std::uint32_t> decimal_after(std::string_view s, std::string_view key,
                                           std::uint32_t max);
// The hex value (1..max_digits digits) after "KEY" somewhere in S.
std::optional<std::uint32_t> hex_after(std::string_view s, std::string_view key,
                                       std::size_t max_digits);

// The last "[vvvv:dddd]" in S: its position and the two numbers.
struct IdPair {
  std::size_t position = 0;
  std::uint16_t first = 0, second = 0;
};
std::optional<IdPair> last_id_pair(std::string_view s);

// lspci's flag notation: "Label+" means set, "Label-" clear. Returns the OR of the masks
// of the labels shown set, or nullopt if any label is absent.
struct FlagBit {
  std::string_view label;
  std::uint16_t mask = 0;
};
std::optional<std::uint16_t> flag_word(std::string_view s, std::span<const FlagBit> flags);
// One flag: kTrue/kFalse as optional<bool>.
std::optional<bool> flag(std::string_view s, std::string_view label);

}  // namespace isogroup::lspci_verbose
