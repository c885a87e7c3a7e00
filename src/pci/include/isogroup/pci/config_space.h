// ConfigSpace: the bytes of one function's configuration space and which of them are known.
//
// An unprivileged read of sysfs `config` returns only the first 64 bytes; conventional
// functions have 256, PCIe functions 4096 (PCI Express Base Spec r6.0, §7.2). A text source
// (lspci -vv) knows only the registers it decoded. Every byte therefore carries a "known"
// bit, and a read that touches an unknown byte yields std::nullopt, never zero.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <array>

namespace isogroup::pci {

class ConfigSpace {
 public:
  static constexpr std::size_t kMaxSize = 4096;
  static constexpr std::size_t kLegacySize = 256;
  static constexpr std::size_t kUnprivilegedSize = 64;

  ConfigSpace() = default;  // nothing known

  // The first min(bytes.size(), 4096) bytes are known; the rest unknown.
  static ConfigSpace from_bytes(std::span<const std::uint8_t> bytes);

  // Marks bytes known (used by text sources that rebuild registers from decoded fields).
  void set8(std::size_t offset, std::uint8_t value);
  void set16(std::size_t offset, std::uint16_t value);  // little-endian, as config space is
  void set32(std::size_t offset, std::uint32_t value);
  // Marks a range unknown again.
  void forget(std::size_t offset, std::size_t length);

  std::optional<std::uint8_t> read8(std::size_t offset) const;
  std::optional<std::uint16_t> read16(std::size_t offset) const;
  std::optional<std::uint32_t> read32(std::size_t offset) const;

  bool is_known(std::size_t offset, std::size_t length = 1) const;
  // The length of the known prefix: 0, 64, 256, 4096 for raw reads.
  std::size_t known_prefix() const;
  bool empty() const { return known_.none(); }

  // Raw bytes (unknown bytes read as 0): for writers such as capture, never for decisions.
  std::span<const std::uint8_t> raw() const { return bytes_; }

 private:
  std::array<std::uint8_t, kMaxSize> bytes_{};
  std::bitset<kMaxSize> known_;
};

}  // namespace isogroup::pci
