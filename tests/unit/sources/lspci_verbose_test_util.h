// Small lookups shared by the lspci -vv parser's tests.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "isogroup/pci/capabilities.h"
#include "isogroup/snapshot/snapshot.h"

namespace isogroup::lspci_verbose_test {

inline const SnapshotFunction* find(const Snapshot& s, std::string_view address) {
  const auto bdf = Bdf::parse(address);
  if (!bdf) return nullptr;
  for (const auto& f : s.functions) {
    if (f.address == *bdf) return &f;
  }
  return nullptr;
}

inline std::vector<std::uint16_t> ids(const pci::CapabilityList& list) {
  std::vector<std::uint16_t> out;
  for (const auto& c : list.capabilities) out.push_back(c.id);
  return out;
}

inline bool any_note_has(const Snapshot& s, std::string_view text) {
  for (const auto& n : s.notes) {
    if (n.find(text) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace isogroup::lspci_verbose_test
