#include "isogroup/pci/config_space.h"

#include <algorithm>

namespace isogroup::pci {
namespace {

// True when [offset, offset + length) lies inside config space, without overflowing.
constexpr bool in_range(std::size_t offset, std::size_t length) {
  return offset <= ConfigSpace::kMaxSize && length <= ConfigSpace::kMaxSize - offset;
}

}  // namespace

ConfigSpace ConfigSpace::from_bytes(std::span<const std::uint8_t> bytes) {
  ConfigSpace config;
  const std::size_t n = std::min(bytes.size(), kMaxSize);
  std::copy_n(bytes.begin(), n, config.bytes_.begin());
  for (std::size_t i = 0; i < n; ++i) config.known_.set(i);
  return config;
}

void ConfigSpace::set8(std::size_t offset, std::uint8_t value) {
  if (!in_range(offset, 1)) return;
  bytes_[offset] = value;
  known_.set(offset);
}

void ConfigSpace::set16(std::size_t offset, std::uint16_t value) {
  if (!in_range(offset, 2)) return;
  set8(offset, static_cast<std::uint8_t>(value & 0xff));
  set8(offset + 1, static_cast<std::uint8_t>(value >> 8));
}

void ConfigSpace::set32(std::size_t offset, std::uint32_t value) {
  if (!in_range(offset, 4)) return;
  set16(offset, static_cast<std::uint16_t>(value & 0xffff));
  set16(offset + 2, static_cast<std::uint16_t>(value >> 16));
}

void ConfigSpace::forget(std::size_t offset, std::size_t length) {
  if (offset >= kMaxSize) return;
  const std::size_t end = std::min(kMaxSize, offset + std::min(length, kMaxSize));
  for (std::size_t i = offset; i < end; ++i) {
    known_.reset(i);
    bytes_[i] = 0;
  }
}

bool ConfigSpace::is_known(std::size_t offset, std::size_t length) const {
  if (!in_range(offset, length)) return false;
  for (std::size_t i = offset; i < offset + length; ++i) {
    if (!known_.test(i)) return false;
  }
  return true;
}

std::optional<std::uint8_t> ConfigSpace::read8(std::size_t offset) const {
  if (!is_known(offset, 1)) return std::nullopt;
  return bytes_[offset];
}

std::optional<std::uint16_t> ConfigSpace::read16(std::size_t offset) const {
  if (!is_known(offset, 2)) return std::nullopt;
  return static_cast<std::uint16_t>(bytes_[offset] | bytes_[offset + 1] << 8);
}

std::optional<std::uint32_t> ConfigSpace::read32(std::size_t offset) const {
  if (!is_known(offset, 4)) return std::nullopt;
  return static_cast<std::uint32_t>(bytes_[offset]) |
         static_cast<std::uint32_t>(bytes_[offset + 1]) << 8 |
         static_cast<std::uint32_t>(bytes_[offset + 2]) << 16 |
         static_cast<std::uint32_t>(bytes_[offset + 3]) << 24;
}

std::size_t ConfigSpace::known_prefix() const {
  std::size_t n = 0;
  while (n < kMaxSize && known_.test(n)) ++n;
  return n;
}

}  // namespace isogroup::pci
