#include "isogroup/ownership/viability.h"

#include <fmt/format.h>

#include <array>

namespace isogroup {
namespace {

// v5.19 introduced driver_managed_dma (commit series "iommu-dma-ownership").
constexpr KernelVersion kOwnershipModel{5, 19, 0};

// Drivers that set driver_managed_dma = true besides the vfio-pci family, whose members
// are recognised by name ("vfio-pci", "mlx5_vfio_pci", "nvgrace_gpu_vfio_pci", ...).
constexpr std::array<std::pair<std::string_view, DriverRole>, 2> kDmaNeutralDrivers{{
    {"pci-stub", DriverRole::kStub},
    {"pcieport", DriverRole::kPortService},
}};

bool is_vfio_driver(std::string_view name) {
  return name == "vfio-pci" || name.ends_with("_vfio_pci") || name.ends_with("-vfio-pci");
}

}  // namespace

DriverRole classify_driver(const std::optional<std::string>& driver) {
  if (!driver) return DriverRole::kUnknown;
  if (driver->empty()) return DriverRole::kNone;
  if (is_vfio_driver(*driver)) return DriverRole::kVfio;
  for (const auto& [name, role] : kDmaNeutralDrivers) {
    if (*driver == name) return role;
  }
  return DriverRole::kKernelDma;
}

GroupViability group_viability(const Topology& topology, std::span<const FunctionId> members,
                               const KernelVersion& kernel) {
  GroupViability out;
  const bool ownership_model = kernel >= kOwnershipModel;
  out.rule = ownership_model
                 ? "v5.19+: no function may be bound to a kernel DMA driver "
                   "(vfio-pci and variants, pci-stub, pcieport or no driver are fine)"
                 : "before v5.19: every function unbound, bound to pci-stub or a vfio driver, "
                   "or a bridge";
  out.viable = Tristate::kTrue;
  for (const FunctionId f : members) {
    const Function& fn = topology.function(f);
    const DriverRole role = classify_driver(fn.driver);
    Tristate ok = Tristate::kTrue;
    switch (role) {
      case DriverRole::kNone:
      case DriverRole::kVfio:
      case DriverRole::kStub:
        break;
      case DriverRole::kPortService:
        // Before v5.19 only the allow-list (pci-stub) counted, but any bridge was accepted
        // whatever its driver; pcieport binds only bridges.
        ok = ownership_model || fn.is_bridge() ? Tristate::kTrue : Tristate::kFalse;
        break;
      case DriverRole::kKernelDma:
        ok = !ownership_model && fn.is_bridge() ? Tristate::kTrue : Tristate::kFalse;
        break;
      case DriverRole::kUnknown:
        ok = !ownership_model && fn.is_bridge() ? Tristate::kTrue : Tristate::kUnknown;
        break;
    }
    if (ok == Tristate::kTrue) continue;
    out.viable = out.viable && ok;
    out.blockers.push_back(
        {f, ok == Tristate::kUnknown
                ? fmt::format("{}: the input does not say which driver is bound",
                              fn.address.to_short_string())
                : fmt::format("{}: bound to {}, a kernel DMA driver", fn.address.to_short_string(),
                              *fn.driver)});
  }
  return out;
}

}  // namespace isogroup
