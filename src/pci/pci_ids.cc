#include "isogroup/pci/pci_ids.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace isogroup::pci {
namespace {

constexpr std::uint32_t kBaseKey = 0x1000000;
constexpr std::uint32_t kSubKey = 0x2000000;

// "hhhh  Name" with exactly `digits` hex digits, then whitespace, then the name.
bool split_id(std::string_view line, std::size_t digits, std::uint32_t& id, std::string_view& name) {
  if (line.size() <= digits + 1) return false;
  auto [ptr, ec] = std::from_chars(line.data(), line.data() + digits, id, 16);
  if (ec != std::errc() || ptr != line.data() + digits) return false;
  if (line[digits] != ' ' && line[digits] != '\t') return false;
  name = line.substr(digits);
  const auto start = name.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  name.remove_prefix(start);
  while (!name.empty() && (name.back() == '\r' || name.back() == ' ')) name.remove_suffix(1);
  return !name.empty();
}

}  // namespace

Result<PciIds> PciIds::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_errno_error(errno, "cannot open the pci.ids database", path.string(),
                            "install Debian's pci.ids package; names are optional");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

PciIds PciIds::parse(std::string_view text) {
  PciIds ids;
  enum class Section { kNone, kVendor, kClass } section = Section::kNone;
  std::uint32_t vendor = 0, base = 0, sub = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty() || line.front() == '#') continue;

    std::uint32_t id = 0;
    std::string_view name;
    const std::size_t tabs = line.find_first_not_of('\t');
    if (tabs == std::string_view::npos) continue;
    line.remove_prefix(tabs);
    if (tabs == 0) {
      if (line.size() > 2 && line[0] == 'C' && line[1] == ' ' && split_id(line.substr(2), 2, id, name)) {
        section = Section::kClass;
        base = id;
        ids.classes_.emplace(kBaseKey | base << 16, name);
      } else if (split_id(line, 4, id, name)) {
        section = Section::kVendor;
        vendor = id;
        ids.vendors_.emplace(static_cast<std::uint16_t>(id), name);
      } else {
        section = Section::kNone;  // device-class lists we do not use ("X ", "L ", ...)
      }
    } else if (tabs == 1 && section == Section::kVendor && split_id(line, 4, id, name)) {
      ids.devices_.emplace(vendor << 16 | id, name);
    } else if (tabs == 1 && section == Section::kClass && split_id(line, 2, id, name)) {
      sub = id;
      ids.classes_.emplace(kSubKey | base << 16 | sub << 8, name);
    }
    // Subsystem lines (two tabs in a vendor section) are not needed.
  }
  return ids;
}

std::optional<std::string_view> PciIds::vendor(std::uint16_t vendor_id) const {
  const auto it = vendors_.find(vendor_id);
  if (it == vendors_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> PciIds::device(std::uint16_t vendor_id, std::uint16_t device_id) const {
  const auto it = devices_.find(static_cast<std::uint32_t>(vendor_id) << 16 | device_id);
  if (it == devices_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string_view> PciIds::class_name(std::uint32_t class_code) const {
  class_code &= 0xffffff;
  // The subclass name is what lspci prints ("USB controller"); prog-if names ("XHCI")
  // alone say too little.
  for (const std::uint32_t key : {kSubKey | (class_code & 0xffff00), kBaseKey | (class_code & 0xff0000)}) {
    const auto it = classes_.find(key);
    if (it != classes_.end()) return it->second;
  }
  return std::nullopt;
}

}  // namespace isogroup::pci
