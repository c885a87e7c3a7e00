// Topology: the typed PCI tree the kernel would build from a Snapshot: root buses, buses,
// bridges and ports, functions, SR-IOV VFs, and the kernel's device registration order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "isogroup/core/bdf.h"
#include "isogroup/core/error.h"
#include "isogroup/core/tristate.h"
#include "isogroup/pci/decode.h"
#include "isogroup/snapshot/snapshot.h"

namespace isogroup {

using FunctionId = std::uint32_t;
using BusId = std::uint32_t;
inline constexpr FunctionId kNoFunction = 0xffffffffu;
inline constexpr BusId kNoBus = 0xffffffffu;

struct Function {
  Bdf address;
  std::string origin;  // where the source described it (file:line, sysfs path)
  std::uint32_t snapshot_index = 0;  // its SnapshotFunction, for raw config reads (quirks)

  // Decoded facts (optional = unknown).
  pci::Identity identity;
  std::optional<pci::HeaderLayout> layout;
  std::optional<pci::BridgeBuses> bridge_buses;  // type-1 and CardBus headers
  pci::PcieInfo pcie;
  pci::AcsInfo acs;
  pci::AriInfo ari;
  pci::SriovInfo sriov;
  // The kernel's pdev->multifunction: the function's own header bit for function 0,
  // always true for functions > 0 found by the slot scan (drivers/pci/probe.c
  // pci_scan_slot), false for VFs.
  Tristate multifunction = Tristate::kUnknown;

  bool is_bridge() const { return layout == pci::HeaderLayout::kBridge; }

  BusId bus = kNoBus;          // the bus the function sits on
  BusId secondary = kNoBus;    // the bus a bridge leads to (kNoBus for non-bridges)
  bool is_virtfn = false;
  FunctionId physfn = kNoFunction;
  std::vector<FunctionId> virtfns;

  // Host-side state from the source.
  std::optional<std::string> driver;  // "" = no driver; nullopt = unknown
  std::optional<int> kernel_group;
  std::optional<std::string> name;
  std::optional<bool> boot_vga;
  std::optional<std::string> driver_override;
};

struct Bus {
  BusAddress address;
  bool is_root = false;           // a host bridge's bus (bus->parent == NULL in the kernel)
  FunctionId self = kNoFunction;  // the bridge above it (kNoFunction for root and virtual buses)
  BusId parent = kNoBus;          // kNoBus for root buses
  std::vector<FunctionId> functions;  // ascending devfn
  std::vector<BusId> children;        // child buses in the order their bridges appear
};

class Topology {
 public:
  static Result<Topology> build(const Snapshot& snapshot);
  // The same without copying the snapshot (config spaces are 4.6 KiB per function).
  static Result<Topology> build(Snapshot&& snapshot);

  const std::vector<Function>& functions() const { return functions_; }
  const std::vector<Bus>& buses() const { return buses_; }
  const Function& function(FunctionId id) const { return functions_[id]; }
  const Bus& bus(BusId id) const { return buses_[id]; }
  std::optional<FunctionId> find(const Bdf& address) const;
  const pci::ConfigSpace& config(FunctionId id) const {
    return snapshot_.functions[functions_[id].snapshot_index].config;
  }

  // Root buses in host-bridge discovery order.
  const std::vector<BusId>& root_buses() const { return root_buses_; }
  // pci_bus_add_devices() order (drivers/pci/bus.c): per bus, every function in devfn
  // order, then recurse into each bridge's secondary bus in the same order; root buses in
  // discovery order; VFs after every boot-time function, PF by PF in this order, each PF's
  // VFs by index (they are added when sriov_numvfs creates them, after boot).
  const std::vector<FunctionId>& registration_order() const { return registration_order_; }
  // Whether the root-bus order came from the source (firmware_node) or was assumed.
  // True as well when there is at most one root bus: then there is no order to know.
  bool root_order_known() const { return root_order_known_; }

  const Snapshot& snapshot() const { return snapshot_; }
  // Assumptions made while building (e.g. "root bus order assumed ascending").
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  Snapshot snapshot_;
  std::vector<Function> functions_;
  std::vector<Bus> buses_;
  std::vector<BusId> root_buses_;
  std::vector<FunctionId> registration_order_;
  std::unordered_map<Bdf, FunctionId> index_;
  bool root_order_known_ = false;
  std::vector<std::string> notes_;

  friend class TopologyBuilder;
};

}  // namespace isogroup
