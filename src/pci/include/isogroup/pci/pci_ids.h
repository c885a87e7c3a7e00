// PciIds: vendor, device and class names from the pci.ids database.
//
// We read Debian's pci.ids package (/usr/share/misc/pci.ids) as a plain file instead of
// linking libpci: the names are the only thing we need from it, the parser is small, and
// the static isogroup that runs inside the test guests then needs no libpci. Without the
// file, names are simply absent and ids are printed instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "isogroup/core/error.h"

namespace isogroup::pci {

class PciIds {
 public:
  static constexpr std::string_view kDefaultPath = "/usr/share/misc/pci.ids";

  static Result<PciIds> load(const std::filesystem::path& path = kDefaultPath);
  static PciIds parse(std::string_view text);  // lines it cannot read are skipped

  std::optional<std::string_view> vendor(std::uint16_t vendor_id) const;
  std::optional<std::string_view> device(std::uint16_t vendor_id, std::uint16_t device_id) const;
  // The name of a class code's subclass, else of its base class.
  std::optional<std::string_view> class_name(std::uint32_t class_code) const;

  std::size_t size() const { return vendors_.size() + devices_.size() + classes_.size(); }

 private:
  std::unordered_map<std::uint16_t, std::string> vendors_;
  std::unordered_map<std::uint32_t, std::string> devices_;  // vendor << 16 | device
  // Keys: 0x1_cc0000 base class, 0x2_ccss00 subclass.
  std::unordered_map<std::uint32_t, std::string> classes_;
};

}  // namespace isogroup::pci
