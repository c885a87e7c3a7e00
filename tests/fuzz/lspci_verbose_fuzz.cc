// libFuzzer target: parse_lspci_verbose on arbitrary text, then decode every rebuilt
// config space the way the model will. Seeds: tests/data/linuxhw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "isogroup/pci/capabilities.h"
#include "isogroup/pci/decode.h"
#include "isogroup/sources/read.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto snapshot = isogroup::parse_lspci_verbose(text, "fuzz.txt");
  if (!snapshot) return 0;
  for (const auto& f : snapshot->functions) {
    (void)isogroup::pci::decode_identity(f.config);
    (void)isogroup::pci::decode_bridge_buses(f.config);
    (void)isogroup::pci::decode_pcie(f.config);
    (void)isogroup::pci::decode_acs(f.config);
    (void)isogroup::pci::decode_ari(f.config);
    (void)isogroup::pci::decode_sriov(f.config);
    (void)isogroup::pci::walk_standard_capabilities(f.config);
    (void)isogroup::pci::walk_extended_capabilities(f.config);
  }
  return 0;
}
