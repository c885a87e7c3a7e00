#include "isogroup/core/bdf.h"

#include <fmt/format.h>

#include <charconv>

namespace isogroup {
namespace {

bool parse_hex(std::string_view s, std::size_t max_digits, std::uint32_t& out) {
  if (s.empty() || s.size() > max_digits) return false;
  const auto* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out, 16);
  return ec == std::errc() && ptr == end;
}

}  // namespace

Result<Bdf> Bdf::parse(std::string_view text) {
  auto fail = [&] {
    return make_error(Errc::kInvalidInput, fmt::format("'{}' is not a PCI address", text), {},
                      "write it as DDDD:BB:DD.F (e.g. 0000:01:00.0) or BB:DD.F");
  };
  std::uint32_t domain = 0;
  std::string_view rest = text;
  const auto first = rest.find(':');
  if (first == std::string_view::npos) return fail();
  if (rest.find(':', first + 1) != std::string_view::npos) {
    if (first < 4 || !parse_hex(rest.substr(0, first), 8, domain)) return fail();
    rest.remove_prefix(first + 1);
  }
  const auto colon = rest.find(':');
  const auto dot = rest.find('.');
  if (colon == std::string_view::npos || dot == std::string_view::npos || dot < colon) return fail();
  std::uint32_t bus = 0, dev = 0, fn = 0;
  if (!parse_hex(rest.substr(0, colon), 2, bus) ||
      !parse_hex(rest.substr(colon + 1, dot - colon - 1), 2, dev) ||
      !parse_hex(rest.substr(dot + 1), 1, fn) || dev > 0x1f || fn > 7) {
    return fail();
  }
  return Bdf::make(domain, static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(dev),
                   static_cast<std::uint8_t>(fn));
}

std::string Bdf::to_string() const {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device(), function());
}

std::string Bdf::to_short_string() const {
  if (domain != 0) return to_string();
  return fmt::format("{:02x}:{:02x}.{:x}", bus, device(), function());
}

std::string BusAddress::to_string() const { return fmt::format("{:04x}:{:02x}", domain, bus); }

}  // namespace isogroup
