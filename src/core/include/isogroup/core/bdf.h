// Bdf: one PCI function's address, domain:bus:device.function.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "isogroup/core/error.h"

namespace isogroup {

struct Bdf {
  // Domains above 0xffff exist: Intel VMD places its buses in domain 0x10000+.
  std::uint32_t domain = 0;
  std::uint8_t bus = 0;
  std::uint8_t devfn = 0;  // device << 3 | function, as the kernel stores it

  static constexpr Bdf make(std::uint32_t domain, std::uint8_t bus, std::uint8_t device,
                            std::uint8_t function) {
    return Bdf{domain, bus, static_cast<std::uint8_t>((device & 0x1f) << 3 | (function & 0x7))};
  }

  constexpr std::uint8_t device() const { return static_cast<std::uint8_t>(devfn >> 3); }
  constexpr std::uint8_t function() const { return static_cast<std::uint8_t>(devfn & 0x7); }
  // The kernel's PCI_SLOT(devfn): with ARI, functions 0-7, 8-15, ... fall into different slots.
  constexpr std::uint8_t slot() const { return device(); }

  // "DDDD:BB:DD.F" (the domain has at least four hex digits) or "BB:DD.F" (domain 0).
  static Result<Bdf> parse(std::string_view text);

  std::string to_string() const;        // always with domain: 0000:00:1c.4
  std::string to_short_string() const;  // without domain when it is 0: 00:1c.4

  friend constexpr auto operator<=>(const Bdf&, const Bdf&) = default;
};

// A bus: domain and number. Used as a map key for buses.
struct BusAddress {
  std::uint32_t domain = 0;
  std::uint8_t bus = 0;
  friend constexpr auto operator<=>(const BusAddress&, const BusAddress&) = default;
  std::string to_string() const;  // 0000:03
};

}  // namespace isogroup

template <>
struct std::hash<isogroup::Bdf> {
  std::size_t operator()(const isogroup::Bdf& b) const noexcept {
    return std::hash<std::uint64_t>{}(static_cast<std::uint64_t>(b.domain) << 16 |
                                      static_cast<std::uint64_t>(b.bus) << 8 | b.devfn);
  }
};
