// Fuzzes the snapshot tar reader in memory (nothing is extracted): it must never crash or
// read out of bounds, and whatever it accepts must survive a write/parse round trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "isogroup/sources/snapshot_tar.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view archive(reinterpret_cast<const char*>(data), size);
  isogroup::TarLimits limits;
  limits.max_entries = 4096;
  limits.max_total_bytes = 1u << 20;
  auto entries = isogroup::parse_tar(archive, "fuzz.tar", limits);
  if (!entries) return 0;
  const auto again = isogroup::parse_tar(isogroup::write_tar(*entries, 0), "again.tar");
  if (!again || again->size() != entries->size()) __builtin_trap();
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const auto& a = (*entries)[i];
    const auto& b = (*again)[i];
    if (a.type != b.type || a.path != b.path || a.data != b.data || a.link_target != b.link_target) {
      __builtin_trap();
    }
  }
  return 0;
}
