// Fuzzes the kernel command-line parser and the pci_dev_str_match() device matcher.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "isogroup/grouping/boot_parameters.h"
#include "isogroup/grouping/policy.h"
#include "isogroup/model/topology.h"

namespace {

isogroup::pci::ConfigSpace header(std::uint16_t vendor, std::uint16_t device, std::uint32_t class_code,
                                  std::uint8_t header_type) {
  isogroup::pci::ConfigSpace cs;
  std::uint8_t bytes[256] = {};
  cs = isogroup::pci::ConfigSpace::from_bytes(bytes);
  cs.set16(0x00, vendor);
  cs.set16(0x02, device);
  cs.set8(0x09, static_cast<std::uint8_t>(class_code));
  cs.set8(0x0a, static_cast<std::uint8_t>(class_code >> 8));
  cs.set8(0x0b, static_cast<std::uint8_t>(class_code >> 16));
  cs.set8(0x0e, header_type);
  if (header_type == 1) {
    cs.set8(0x19, 1);
    cs.set8(0x1a, 1);
  }
  return cs;
}

// 00:00.0 host bridge, 00:1e.0 bridge to bus 01, 01:00.0 endpoint.
const isogroup::Topology& topology() {
  static const isogroup::Topology t = [] {
    isogroup::Snapshot s;
    const auto add = [&](isogroup::Bdf a, isogroup::pci::ConfigSpace cs) {
      isogroup::SnapshotFunction f;
      f.address = a;
      f.config = cs;
      s.functions.push_back(std::move(f));
    };
    add(isogroup::Bdf::make(0, 0, 0, 0), header(0x8086, 0x29c0, 0x060000, 0));
    add(isogroup::Bdf::make(0, 0, 0x1e, 0), header(0x8086, 0x244e, 0x060400, 1));
    add(isogroup::Bdf::make(0, 1, 0, 0), header(0x10ec, 0x8139, 0x020000, 0));
    auto built = isogroup::Topology::build(s);
    return built ? std::move(*built) : isogroup::Topology{};
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const isogroup::BootParameters b = isogroup::parse_boot_parameters(text);
  const isogroup::Topology& t = topology();
  for (const auto* list : {&b.config_acs, &b.disable_acs_redir}) {
    for (const auto& e : *list) {
      (void)isogroup::device_spec_well_formed(e.device);
      for (isogroup::FunctionId f = 0; f < t.functions().size(); ++f) {
        (void)isogroup::match_device_spec(t, f, e.device);
      }
    }
  }
  // The raw text as one device spec, too.
  for (isogroup::FunctionId f = 0; f < t.functions().size(); ++f) (void)isogroup::match_device_spec(t, f, text);
  isogroup::Policy p;
  p.boot = b;
  (void)p.describe_lines();
  return 0;
}
