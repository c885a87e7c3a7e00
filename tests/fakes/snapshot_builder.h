// SnapshotBuilder: small machines for tests, function by function, plus ready-made parts
// (ports with and without ACS, switches, multifunction endpoints) in the shape QEMU's
// emulated devices and common hardware have.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fakes/config_builder.h"
#include "isogroup/model/topology.h"
#include "isogroup/snapshot/snapshot.h"

namespace isogroup::testing {

class SnapshotBuilder {
 public:
  // `address` is "DDDD:BB:DD.F" or "BB:DD.F"; a malformed one fails the test.
  SnapshotBuilder& add(std::string_view address, const ConfigBuilder& config);
  SnapshotBuilder& add(std::string_view address, const pci::ConfigSpace& config);
  SnapshotBuilder& driver(std::string_view address, std::string driver);
  SnapshotBuilder& kernel_group(std::string_view address, int group);
  SnapshotBuilder& physfn(std::string_view vf, std::string_view pf);
  SnapshotBuilder& root_bus_order(std::vector<BusAddress> order);
  SnapshotBuilder& kernel_release(std::string release);
  SnapshotBuilder& cmdline(std::string cmdline);
  SnapshotBuilder& dmesg(std::string line);
  SnapshotBuilder& iommu_active(bool active);

  // Additions for model/ tests.
  SnapshotBuilder& kind(SourceKind kind);  // default kSnapshotDir
  // The sysfs facts of a live capture: the bridge above a function, or that it sits
  // directly below a host bridge.
  SnapshotBuilder& sysfs_parent(std::string_view address, std::string_view bridge);
  SnapshotBuilder& on_root_bus(std::string_view address);
  // Ids a text source states directly (they override the config bytes).
  SnapshotBuilder& ids(std::string_view address, std::optional<std::uint16_t> vendor,
                       std::optional<std::uint16_t> device);
  SnapshotBuilder& origin(std::string_view address, std::string origin);
  SnapshotBuilder& root_bus(BusAddress bus, std::string firmware_node);  // appends one
  // The function added last / by address, for tweaks the setters above do not cover.
  SnapshotFunction& function(std::string_view address);

  Snapshot build() const;
  // Builds the Topology; a build error fails the calling test (ADD_FAILURE) and yields
  // an empty topology.
  Topology topology() const;

 private:
  SnapshotFunction* find(std::string_view address);

  Snapshot snapshot_;
  std::unordered_map<Bdf, std::size_t> index_;
};

// Ready-made functions (vendor/device ids of the QEMU models where there is one).
namespace parts {
// pcie-root-port (1b36:000c): ACS capability SV|TB|RR|CR|UF; control 0x1d when acs_on.
ConfigBuilder root_port(std::uint8_t primary, std::uint8_t secondary, std::uint8_t subordinate,
                        bool has_acs = true, bool acs_on = true);
// xio3130-downstream (104c:8233) / x3130-upstream (104c:8232): no ACS.
ConfigBuilder downstream_port(std::uint8_t primary, std::uint8_t secondary, std::uint8_t subordinate,
                              bool has_acs = false);
ConfigBuilder upstream_port(std::uint8_t primary, std::uint8_t secondary, std::uint8_t subordinate);
// pcie-pci-bridge (1b36:000e): PCIe-to-PCI bridge.
ConfigBuilder pcie_to_pci_bridge(std::uint8_t primary, std::uint8_t secondary, std::uint8_t subordinate);
// pci-bridge (1b36:0001): conventional PCI-to-PCI bridge, no PCIe capability.
ConfigBuilder pci_bridge(std::uint8_t primary, std::uint8_t secondary, std::uint8_t subordinate);
// A PCIe endpoint (e1000e 8086:10d3 by default), optionally multifunction, optionally with ACS.
ConfigBuilder pcie_endpoint(std::uint16_t vendor = 0x8086, std::uint16_t device = 0x10d3,
                            bool multifunction = false);
// A conventional endpoint (no PCIe capability).
ConfigBuilder pci_endpoint(std::uint16_t vendor = 0x8086, std::uint16_t device = 0x100e);
// A root-complex integrated endpoint.
ConfigBuilder rc_endpoint(std::uint16_t vendor = 0x8086, std::uint16_t device = 0x2922,
                          bool multifunction = false);
// Host bridge 00:00.0 (q35 8086:29c0), conventional.
ConfigBuilder host_bridge();
}  // namespace parts

}  // namespace isogroup::testing
