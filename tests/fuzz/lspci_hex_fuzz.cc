// Fuzzes parse_lspci_hex: any text must give a Snapshot or an Error, never a crash or a
// hang, and a Snapshot must hold what the reader promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "isogroup/pci/capabilities.h"
#include "isogroup/pci/decode.h"
#include "isogroup/sources/read.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto snapshot = isogroup::parse_lspci_hex(text, "fuzz");
  if (!snapshot) {
    // Every failure says where.
    if (snapshot.error().context_.empty()) std::abort();
    return 0;
  }
  std::set<isogroup::Bdf> seen;
  for (const auto& function : snapshot->functions) {
    if (!seen.insert(function.address).second) std::abort();  // duplicates are errors
    if (function.origin.empty()) std::abort();
    // The decoders run on whatever the dump held, as the model will.
    (void)isogroup::pci::walk_standard_capabilities(function.config);
    (void)isogroup::pci::walk_extended_capabilities(function.config);
    (void)isogroup::pci::decode_pcie(function.config);
    (void)isogroup::pci::decode_acs(function.config);
  }
  if (!snapshot->has_kernel_groups && !snapshot->kernel_groups.empty()) std::abort();
  return 0;
}
