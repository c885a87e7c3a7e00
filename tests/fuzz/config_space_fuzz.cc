// Arbitrary bytes, of any length, as a config space: the walkers and decoders must neither
// crash, hang nor read out of bounds, and must keep their own promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "isogroup/pci/capabilities.h"
#include "isogroup/pci/config_space.h"
#include "isogroup/pci/decode.h"

namespace {

using namespace isogroup;
using namespace isogroup::pci;

void check(bool ok) {
  if (!ok) std::abort();
}

void exercise(const ConfigSpace& config) {
  const CapabilityList standard = walk_standard_capabilities(config);
  check(standard.capabilities.size() <= 48);
  for (const Capability& cap : standard.capabilities) {
    check(cap.offset >= 0x40 && cap.offset <= 0xfc && cap.offset % 4 == 0 && !cap.extended);
  }
  const CapabilityList extended = walk_extended_capabilities(config);
  check(extended.capabilities.size() <= 480);
  for (const Capability& cap : extended.capabilities) {
    check(cap.offset >= 0x100 && cap.offset <= 0xffc && cap.offset % 4 == 0 && cap.extended);
  }
  // A lookup is "absent" only over a completely known list.
  const CapabilityLookup acs = find_extended_capability(config, 0x000d);
  check(acs.present != Tristate::kFalse || extended.complete == Tristate::kTrue);
  const CapabilityLookup pcie = find_standard_capability(config, 0x10);
  check(pcie.present != Tristate::kFalse || standard.complete == Tristate::kTrue);

  (void)decode_identity(config);
  (void)decode_header_layout(config);
  (void)decode_multifunction_bit(config);
  (void)decode_bridge_buses(config);
  const PcieInfo info = decode_pcie(config);
  if (info.type) (void)to_string(*info.type);
  (void)decode_acs(config);
  (void)decode_ari(config);
  (void)decode_sriov(config);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const ConfigSpace config = ConfigSpace::from_bytes(bytes);
  check(config.known_prefix() == (size < ConfigSpace::kMaxSize ? size : ConfigSpace::kMaxSize));
  exercise(config);

  // The same bytes with holes, as a text source would leave them: the first byte of the
  // input picks a window to forget.
  if (size > 2) {
    ConfigSpace holey = config;
    const std::size_t at = static_cast<std::size_t>(data[0]) * 16;
    holey.forget(at, static_cast<std::size_t>(data[1]) * 4 + 1);
    exercise(holey);
  }
  return 0;
}
