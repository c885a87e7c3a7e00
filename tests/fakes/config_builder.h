// ConfigBuilder: makes config spaces for tests, register by register, the way real
// hardware lays them out (capability lists chained from 0x34 and 0x100).
#pragma once

#include <cstdint>
#include <vector>

#include "isogroup/pci/config_space.h"
#include "isogroup/pci/decode.h"

namespace isogroup::testing {

class ConfigBuilder {
 public:
  // A type-0 (endpoint) or type-1 (bridge) header with the given ids and class
  // (base << 16 | sub << 8 | prog-if). Known length 4096 unless truncate() is called.
  static ConfigBuilder endpoint(std::uint16_t vendor, std::uint16_t device, std::uint32_t class_code);
  static ConfigBuilder bridge(std::uint16_t vendor, std::uint16_t device, std::uint8_t primary,
                              std::uint8_t secondary, std::uint8_t subordinate);

  ConfigBuilder& multifunction(bool on = true);         // header type bit 7
  ConfigBuilder& subsystem(std::uint16_t vendor, std::uint16_t device);
  ConfigBuilder& revision(std::uint8_t rev);
  // Appends a PCI Express capability (ID 0x10) of this type to the standard list.
  ConfigBuilder& pcie(pci::PcieType type);
  // Appends a standard capability with an arbitrary ID and body size (for list tests).
  ConfigBuilder& standard_capability(std::uint8_t id, std::uint8_t size = 8);
  // Appends extended capabilities (requires pcie()).
  ConfigBuilder& acs(std::uint16_t capability, std::uint16_t control);
  ConfigBuilder& ari(std::uint8_t next_function = 0);
  ConfigBuilder& sriov(std::uint16_t total_vfs, std::uint16_t num_vfs, std::uint16_t vf_offset,
                       std::uint16_t vf_stride, std::uint16_t vf_device_id);
  ConfigBuilder& extended_capability(std::uint16_t id, std::uint8_t version = 1, std::uint16_t size = 8);
  // Direct pokes, for hostile layouts (loops, pointers into the header).
  ConfigBuilder& poke8(std::size_t offset, std::uint8_t value);
  ConfigBuilder& poke16(std::size_t offset, std::uint16_t value);
  ConfigBuilder& poke32(std::size_t offset, std::uint32_t value);
  // Keep only the first `length` bytes known (64 = unprivileged sysfs read, 256 = conventional).
  ConfigBuilder& truncate(std::size_t length);

  pci::ConfigSpace build() const;
  std::vector<std::uint8_t> bytes() const;  // the known prefix as raw bytes

 private:
  std::vector<std::uint8_t> bytes_ = std::vector<std::uint8_t>(4096, 0);
  std::size_t length_ = 4096;
  std::uint8_t last_standard_ = 0;    // offset of the last standard capability (0 = none)
  std::uint8_t next_standard_ = 0x40;
  std::uint16_t last_extended_ = 0;   // 0 = none yet
  std::uint16_t next_extended_ = 0x100;
};

}  // namespace isogroup::testing
