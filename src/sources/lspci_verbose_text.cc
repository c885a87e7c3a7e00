#include "lspci_verbose_text.h"

#include <charconv>

namespace isogroup::lspci_verbose {
namespace {

// Messages lspci and libpci write to stderr; a capture that merged both streams carries
// them wherever the two happened to interleave.
constexpr std::string_view kStrayPrefixes[] = {"pcilib: ", "lspci: "};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Where a stray stderr message starts in LINE, if any. "lspci: " only counts at the start
// of a line: it is too plain a word to cut lines at anywhere else.
std::optional<std::size_t> stray_start(std::string_view line) {
  std::optional<std::size_t> best;
  for (std::string_view prefix : kStrayPrefixes) {
    const std::size_t at = line.find(prefix);
    if (at == std::string_view::npos) continue;
    if (prefix == "lspci: " && at != 0) continue;
    if (!best || at < *best) best = at;
  }
  return best;
}

}  // namespace

std::vector<TextLine> split_lines(std::string_view text, std::size_t& repaired) {
  std::vector<std::string_view> physical;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    physical.push_back(line);
    start = end + 1;
  }

  std::vector<TextLine> lines;
  lines.reserve(physical.size());
  repaired = 0;
  for (std::size_t i = 0; i < physical.size(); ++i) {
    TextLine line{std::string(physical[i]), i + 1};
    // Each pass consumes one physical line, so this ends.
    while (const auto at = stray_start(line.text)) {
      line.text.resize(*at);
      ++repaired;
      if (i + 1 >= physical.size()) break;
      line.text += physical[++i];
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string_view trim_left(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<std::string_view> after_key(std::string_view s, std::string_view key) {
  if (!s.starts_with(key)) return std::nullopt;
  return trim_left(s.substr(key.size()));
}

std::optional<std::uint32_t> hex_prefix(std::string_view s, std::size_t digits) {
  if (digits == 0 || digits > 8 || s.size() < digits) return std::nullopt;
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (!is_hex(s[i])) return std::nullopt;
  }
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + digits, value, 16);
  if (ec != std::errc() || ptr != s.data() + digits) return std::nullopt;
  return value;
}

std::optional<std::uint32_t> parse_hex(std::string_view s, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  return hex_prefix(s, s.size());
}

std::optional<std::uint32_t> decimal_prefix(std::string_view s, std::uint32_t max, std::size_t* used) {
  std::size_t n = 0;
  std::uint64_t value = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
    value = value * 10 + static_cast<std::uint64_t>(s[n] - '0');
    if (value > max) return std::nullopt;
    ++n;
  }
  if (n == 0) return std::nullopt;
  if (used) *used = n;
  return static_cast<std::uint32_t>(value);
}

std::optional<std::uint32_t> decimal_after(std::string_view s, std::string_view key, std::uint32_t max) {
  const std::size_t at = s.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  return decimal_prefix(trim_left(s.substr(at + key.size())), max);
}

std::optional<std::uint32_t> hex_after(std::string_view s, std::string_view key, std::size_t max_digits) {
  const std::size_t at = s.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view rest = trim_left(s.substr(at + key.size()));
  std::size_t n = 0;
  while (n < rest.size() && is_hex(rest[n])) ++n;
  return parse_hex(rest.substr(0, n), max_digits);
}

std::optional<IdPair> last_id_pair(std::string_view s) {
  // "[vvvv:dddd]" is 11 characters.
  std::size_t at = s.rfind('[');
  while (at != std::string_view::npos) {
    const std::string_view rest = s.substr(at);
    if (rest.size() >= 11 && rest[5] == ':' && rest[10] == ']') {
      const auto first = hex_prefix(rest.substr(1), 4);
      const auto second = hex_prefix(rest.substr(6), 4);
      if (first && second) {
        return IdPair{at, static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*second)};
      }
    }
    if (at == 0) break;
    at = s.rfind('[', at - 1);
  }
  return std::nullopt;
}

std::optional<bool> flag(std::string_view s, std::string_view label) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (is_space(s[i]) || s[i] == ',')) ++i;
    std::size_t j = i;
    while (j < s.size() && !is_space(s[j]) && s[j] != ',') ++j;
    const std::string_view token = s.substr(i, j - i);
    if (token.size() == label.size() + 1 && token.starts_with(label)) {
      if (token.back() == '+') return true;
      if (token.back() == '-') return false;
    }
    i = j;
  }
  return std::nullopt;
}

std::optional<std::uint16_t> flag_word(std::string_view s, std::span<const FlagBit> flags) {
  std::uint16_t word = 0;
  for (const FlagBit& f : flags) {
    const auto set = flag(s, f.label);
    if (!set) return std::nullopt;
    if (*set) word = static_cast<std::uint16_t>(word | f.mask);
  }
  return word;
}

}  // namespace isogroup::lspci_verbose
