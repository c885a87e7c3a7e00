#include "fakes/snapshot_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace isogroup::testing {
namespace {

Bdf parse_or_fail(std::string_view address) {
  auto parsed = Bdf::parse(address);
  if (!parsed) {
    ADD_FAILURE() << "SnapshotBuilder: " << parsed.error().to_string();
    return Bdf{};
  }
  return *parsed;
}

}  // namespace

SnapshotBuilder& SnapshotBuilder::add(std::string_view address, const ConfigBuilder& config) {
  return add(address, config.build());
}

SnapshotBuilder& SnapshotBuilder::add(std::string_view address, const pci::ConfigSpace& config) {
  if (snapshot_.source.empty()) {
    snapshot_.kind = SourceKind::kSnapshotDir;
    snapshot_.source = "SnapshotBuilder";
  }
  SnapshotFunction f;
  f.address = parse_or_fail(address);
  f.origin = "builder:" + f.address.to_short_string();
  f.config = config;
  index_.emplace(f.address, snapshot_.functions.size());  // a duplicate keeps the first
  snapshot_.functions.push_back(std::move(f));
  return *this;
}

SnapshotFunction* SnapshotBuilder::find(std::string_view address) {
  auto it = index_.find(parse_or_fail(address));
  if (it == index_.end()) {
    ADD_FAILURE() << "SnapshotBuilder: " << address << " was not added";
    return nullptr;
  }
  return &snapshot_.functions[it->second];
}

SnapshotFunction& SnapshotBuilder::function(std::string_view address) {
  if (SnapshotFunction* f = find(address)) return *f;
  static SnapshotFunction scratch;  // keeps a failing test from crashing
  return scratch;
}

SnapshotBuilder& SnapshotBuilder::driver(std::string_view address, std::string driver) {
  if (auto* f = find(address)) f->driver = std::move(driver);
  return *this;
}

SnapshotBuilder& SnapshotBuilder::kernel_group(std::string_view address, int group) {
  if (auto* f = find(address)) f->iommu_group = group;
  snapshot_.has_kernel_groups = true;
  return *this;
}

SnapshotBuilder& SnapshotBuilder::physfn(std::string_view vf, std::string_view pf) {
  auto* v = find(vf);
  auto* p = find(pf);
  if (v && p) {
    v->physfn = p->address;
    p->virtfns.push_back(v->address);
  }
  return *this;
}

SnapshotBuilder& SnapshotBuilder::root_bus_order(std::vector<BusAddress> order) {
  snapshot_.root_buses.clear();
  for (const BusAddress& bus : order) snapshot_.root_buses.push_back(RootBus{bus, std::nullopt});
  return *this;
}

SnapshotBuilder& SnapshotBuilder::root_bus(BusAddress bus, std::string firmware_node) {
  snapshot_.root_buses.push_back(RootBus{bus, std::move(firmware_node)});
  return *this;
}

SnapshotBuilder& SnapshotBuilder::kernel_release(std::string release) {
  snapshot_.kernel_release = std::move(release);
  return *this;
}

SnapshotBuilder& SnapshotBuilder::cmdline(std::string cmdline) {
  snapshot_.cmdline = std::move(cmdline);
  return *this;
}

SnapshotBuilder& SnapshotBuilder::dmesg(std::string line) {
  snapshot_.dmesg.push_back(std::move(line));
  return *this;
}

SnapshotBuilder& SnapshotBuilder::iommu_active(bool active) {
  snapshot_.iommu_active = to_tristate(active);
  return *this;
}

SnapshotBuilder& SnapshotBuilder::kind(SourceKind kind) {
  snapshot_.kind = kind;
  if (snapshot_.source.empty()) snapshot_.source = "SnapshotBuilder";
  return *this;
}

SnapshotBuilder& SnapshotBuilder::sysfs_parent(std::string_view address, std::string_view bridge) {
  if (auto* f = find(address)) f->sysfs_parent = parse_or_fail(bridge);
  return *this;
}

SnapshotBuilder& SnapshotBuilder::on_root_bus(std::string_view address) {
  if (auto* f = find(address)) f->on_root_bus = true;
  return *this;
}

SnapshotBuilder& SnapshotBuilder::ids(std::string_view address, std::optional<std::uint16_t> vendor,
                                      std::optional<std::uint16_t> device) {
  if (auto* f = find(address)) {
    f->vendor_id = vendor;
    f->device_id = device;
  }
  return *this;
}

SnapshotBuilder& SnapshotBuilder::origin(std::string_view address, std::string origin) {
  if (auto* f = find(address)) f->origin = std::move(origin);
  return *this;
}

Snapshot SnapshotBuilder::build() const {
  Snapshot s = snapshot_;
  if (s.source.empty()) s.source = "SnapshotBuilder";
  // The kernel's groups as sysfs lists them: by id, devices sorted.
  std::map<int, std::vector<Bdf>> groups;
  for (const SnapshotFunction& f : s.functions) {
    if (f.iommu_group) groups[*f.iommu_group].push_back(f.address);
  }
  s.kernel_groups.clear();
  for (auto& [id, devices] : groups) {
    std::sort(devices.begin(), devices.end());
    KernelGroup g;
    g.id = id;
    g.devices = std::move(devices);
    s.kernel_groups.push_back(std::move(g));
  }
  return s;
}

Topology SnapshotBuilder::topology() const {
  auto topology = Topology::build(build());
  if (!topology) {
    ADD_FAILURE() << "Topology::build failed: " << topology.error().to_string()
                  << " (hint: " << topology.error().hint_ << ")";
    return Topology{};
  }
  return std::move(*topology);
}

namespace parts {
namespace {

// ACS as the kernel leaves QEMU's pcie-root-port: capability SV|TB|RR|CR|UF, control
// SV|RR|CR|UF (pci_std_enable_acs, reference §4.2).
constexpr std::uint16_t kQemuAcsCapability =
    pci::kAcsSv | pci::kAcsTb | pci::kAcsRr | pci::kAcsCr | pci::kAcsUf;
constexpr std::uint16_t kKernelAcsControl = pci::kAcsSv | pci::kAcsRr | pci::kAcsCr | pci::kAcsUf;

constexpr std::uint32_t kClassEthernet = 0x020000;
constexpr std::uint32_t kClassSataAhci = 0x010601;
constexpr std::uint32_t kClassHostBridge = 0x060000;

}  // namespace

ConfigBuilder root_port(std::uint8_t primary, std::uint8_t secondary, std::uint8_t subordinate,
                        bool has_acs, bool acs_on) {
  auto b = ConfigBuilder::bridge(0x1b36, 0x000c, primary, secondary, subordinate);
  b.pcie(pci::PcieType::kRootPort);
  if (has_acs) b.acs(kQemuAcsCapability, acs_on ? kKernelAcsControl : 0);
  return b;
}

ConfigBuilder downstream_port(std::uint8_t primary, std::uint8_t secondary, std::uint8_t subordinate,
                              bool has_acs) {
  auto b = ConfigBuilder::bridge(0x104c, 0x8233, primary, secondary, subordinate);
  b.pcie(pci::PcieType::kDownstreamPort);
  if (has_acs) b.acs(kQemuAcsCapability, kKernelAcsControl);
  return b;
}

ConfigBuilder upstream_port(std::uint8_t primary, std::uint8_t secondary, std::uint8_t subordinate) {
  auto b = ConfigBuilder::bridge(0x104c, 0x8232, primary, secondary, subordinate);
  b.pcie(pci::PcieType::kUpstreamPort);
  return b;
}

ConfigBuilder pcie_to_pci_bridge(std::uint8_t primary, std::uint8_t secondary,
                                 std::uint8_t subordinate) {
  auto b = ConfigBuilder::bridge(0x1b36, 0x000e, primary, secondary, subordinate);
  b.pcie(pci::PcieType::kPcieToPciBridge);
  return b;
}

ConfigBuilder pci_bridge(std::uint8_t primary, std::uint8_t secondary, std::uint8_t subordinate) {
  return ConfigBuilder::bridge(0x1b36, 0x0001, primary, secondary, subordinate);
}

ConfigBuilder pcie_endpoint(std::uint16_t vendor, std::uint16_t device, bool multifunction) {
  auto b = ConfigBuilder::endpoint(vendor, device, kClassEthernet);
  b.multifunction(multifunction).pcie(pci::PcieType::kEndpoint);
  return b;
}

ConfigBuilder pci_endpoint(std::uint16_t vendor, std::uint16_t device) {
  return ConfigBuilder::endpoint(vendor, device, kClassEthernet);
}

ConfigBuilder rc_endpoint(std::uint16_t vendor, std::uint16_t device, bool multifunction) {
  auto b = ConfigBuilder::endpoint(vendor, device, kClassSataAhci);
  b.multifunction(multifunction).pcie(pci::PcieType::kRcIntegratedEndpoint);
  return b;
}

ConfigBuilder host_bridge() { return ConfigBuilder::endpoint(0x8086, 0x29c0, kClassHostBridge); }

}  // namespace parts
}  // namespace isogroup::testing
