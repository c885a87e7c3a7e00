#include "isogroup/ownership/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "isogroup/grouping/kernel_version.h"
#include "isogroup/ownership/viability.h"

namespace isogroup {
namespace {

// v5.19: a bridge bound to a kernel DMA driver (e.g. shpchp) keeps the group non-viable
// (reference §6.2); before, any bridge was accepted (§6.3).
constexpr KernelVersion kOwnershipModel{5, 19, 0};

constexpr std::string_view kSriovCheck = "sriov";

bool is_modern_kernel(const Topology& topology) {
  const auto& release = topology.snapshot().kernel_release;
  if (!release) return true;  // unknown: apply the stricter, current rule
  auto version = KernelVersion::parse(*release);
  return !version || *version >= kOwnershipModel;
}

std::string driver_text(const std::string& driver) { return driver.empty() ? "no driver" : driver; }

// Splits candidate findings into refusals and forced ones; a --force that matched nothing
// is said out loud, so a typo never passes for an override.
void apply_force(std::vector<PlanFinding> findings, const std::vector<std::string>& force,
                 AssignPlan& plan) {
  std::vector<bool> used(force.size(), false);
  for (auto& finding : findings) {
    const auto it = finding.check.empty() ? force.end()
                                          : std::find(force.begin(), force.end(), finding.check);
    if (it == force.end()) {
      plan.refusals.push_back(std::move(finding));
      continue;
    }
    used[static_cast<std::size_t>(it - force.begin())] = true;
    plan.warnings.push_back(fmt::format("forced past check '{}': {}", finding.check, finding.what));
    plan.forced.push_back(std::move(finding));
  }
  for (std::size_t i = 0; i < force.size(); ++i) {
    if (!used[i]) {
      plan.warnings.push_back(
          fmt::format("--force {} matched no finding in this group; nothing was overridden", force[i]));
    }
  }
}

void add_noiommu_explanation(const FunctionPlan& fn, AssignPlan& plan) {
  plan.warnings.push_back(fmt::format(
      "{} has no IOMMU group: vfio can take it only in no-IOMMU mode. Load vfio with "
      "enable_unsafe_noiommu_mode=1 (echo 1 > /sys/module/vfio/parameters/"
      "enable_unsafe_noiommu_mode); binding then taints the kernel (TAINT_USER, \"Adding kernel "
      "taint for vfio-noiommu group on device\")",
      fn.address.to_string()));
  plan.warnings.push_back(
      "the group node will be /dev/vfio/noiommu-N (N: the lowest free group id at bind time); "
      "opening it needs CAP_SYS_RAWIO");
  plan.warnings.push_back(
      "no DMA isolation at all: the device can read and write any host memory, and so can "
      "whoever drives it; use it only for a trusted device and a trusted program");
}

void add_interrupt_warning(const Topology& topology, AssignPlan& plan) {
  const Tristate remapping = interrupt_remapping_enabled(topology.snapshot().dmesg);
  if (remapping == Tristate::kTrue) return;
  plan.warnings.push_back(fmt::format(
      "interrupt remapping is {}: without it vfio_iommu_type1 refuses to attach the group "
      "unless vfio_iommu_type1.allow_unsafe_interrupts=1 (iommufd: "
      "iommufd.allow_unsafe_interrupts=1), which lets the device send forged MSIs to the host",
      remapping == Tristate::kFalse ? "off" : "not confirmed by the kernel log"));
}

}  // namespace

std::string_view to_string(PlanAction action) {
  return action == PlanAction::kAssign ? "assign" : "release";
}

Result<PlanTarget> PlanTarget::parse(std::string_view text) {
  PlanTarget target;
  if (text.find(':') != std::string_view::npos) {
    auto address = Bdf::parse(text);
    if (!address) return tl::unexpected(std::move(address.error()));
    target.address = *address;
    return target;
  }
  int group = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), group);
  if (ec != std::errc() || end != text.data() + text.size() || group < 0) {
    return make_error(Errc::kInvalidInput, fmt::format("'{}' is neither a PCI address nor a group number", text),
                      "ADDRESS|GROUP", "give an address such as 0000:01:00.0 or a group id such as 7");
  }
  target.group = group;
  return target;
}

std::string PlanTarget::to_string() const {
  if (address) return address->to_string();
  if (group) return fmt::format("group {}", *group);
  return "nothing";
}

std::size_t AssignPlan::moving() const {
  return static_cast<std::size_t>(
      std::count_if(functions.begin(), functions.end(), [](const FunctionPlan& f) { return f.moves; }));
}

Tristate interrupt_remapping_enabled(std::span<const std::string> dmesg) {
  Tristate out = Tristate::kUnknown;
  for (const auto& line : dmesg) {
    // drivers/iommu/intel/irq_remapping.c and drivers/iommu/amd/init.c.
    if (line.find("Enabled IRQ remapping") != std::string::npos ||
        line.find("Interrupt remapping enabled") != std::string::npos) {
      return Tristate::kTrue;
    }
    if (line.find("Not enabling interrupt remapping") != std::string::npos ||
        line.find("IRQ remapping disabled") != std::string::npos) {
      out = Tristate::kFalse;
    }
  }
  return out;
}

Result<GroupMembers> group_members(const Topology& topology, const PlanTarget& target) {
  GroupMembers out;
  if (target.address) {
    const auto f = topology.find(*target.address);
    if (!f) {
      return make_error(Errc::kNotFound, "no such PCI function", target.address->to_string(),
                        "see `isogroup list` for the functions of this machine");
    }
    out.group = topology.function(*f).kernel_group;
    if (!out.group) {
      out.members.push_back(*f);
      return out;
    }
  } else if (target.group) {
    out.group = target.group;
  }
  for (FunctionId f = 0; f < topology.functions().size(); ++f) {
    if (topology.function(f).kernel_group == out.group) out.members.push_back(f);
  }
  if (out.members.empty()) {
    return make_error(Errc::kNotFound, fmt::format("no IOMMU group {}", *out.group), "",
                      "see `isogroup list` for the groups of this machine");
  }
  std::sort(out.members.begin(), out.members.end(), [&](FunctionId a, FunctionId b) {
    return topology.function(a).address < topology.function(b).address;
  });
  return out;
}

Result<AssignPlan> plan_assign(const Topology& topology, const PlanTarget& target,
                               const PlanOptions& options, std::span<const HostUsage> usage) {
  if (options.driver != "vfio-pci" && options.driver != "pci-stub") {
    return make_error(Errc::kInvalidInput, fmt::format("cannot assign to '{}'", options.driver), "--driver",
                      "use vfio-pci (for VFIO users such as QEMU) or pci-stub (to keep host drivers off)");
  }
  auto group = group_members(topology, target);
  if (!group) return tl::unexpected(std::move(group.error()));

  AssignPlan plan;
  plan.action = PlanAction::kAssign;
  plan.target = target;
  plan.group = group->group;
  plan.driver = options.driver;
  const bool modern = is_modern_kernel(topology);
  std::vector<PlanFinding> findings;

  if (!plan.group) {
    const Function& fn = topology.function(group->members.front());
    if (!options.unsafe_noiommu) {
      plan.refusals.push_back(
          {"", fn.address, fmt::format("{} has no IOMMU group: no IOMMU isolates it", fn.address.to_string()),
           "enable the IOMMU (intel_iommu=on / amd_iommu=on, VT-d or AMD-Vi in the firmware), or, "
           "only for a trusted device, pass --unsafe-noiommu"});
    } else {
      plan.noiommu = true;
    }
  }

  // Non-PCI members (platform devices) cannot be moved by a PCI driver_override.
  for (const auto& kernel_group : topology.snapshot().kernel_groups) {
    if (!plan.group || kernel_group.id != *plan.group) continue;
    for (const auto& other : kernel_group.other_devices) {
      findings.push_back({"", std::nullopt,
                          fmt::format("group {} also holds {}, which is not a PCI function", *plan.group, other),
                          "unbind that device from its driver by hand first; isogroup moves PCI functions only"});
    }
  }

  for (const FunctionId f : group->members) {
    const Function& fn = topology.function(f);
    FunctionPlan step;
    step.function = f;
    step.address = fn.address;
    step.from.driver = fn.driver.value_or("");
    step.from.driver_override = fn.driver_override.value_or("");
    step.to = step.from;
    if (!fn.driver) {
      findings.push_back({"", fn.address, fmt::format("{}: which driver is bound is unknown", fn.address.to_string()),
                          "plan from the live system (--sysfs /), where the driver link can be read"});
      step.why = "driver unknown";
    } else if (!fn.layout) {
      findings.push_back({"", fn.address,
                          fmt::format("{}: its header type is unknown, so whether it is a bridge is unknown",
                                      fn.address.to_string()),
                          "read the live system as root so config space is readable"});
      step.why = "header type unknown";
    } else if (fn.is_bridge()) {
      const DriverRole role = classify_driver(fn.driver);
      step.why = fmt::format(
          "a bridge: stays with {}; vfio-pci never binds a bridge (it needs a type-0 header), and a "
          "bridge on pcieport or no driver does not stop the group being viable",
          driver_text(step.from.driver));
      if (role == DriverRole::kKernelDma && modern) {
        findings.push_back({"", fn.address,
                            fmt::format("bridge {} is bound to {}, a kernel DMA driver: the group can never be "
                                        "viable while it is (v5.19+ DMA ownership)",
                                        fn.address.to_string(), step.from.driver),
                            fmt::format("unbind {} from {} (it is not needed for the devices behind it), then "
                                        "assign again", fn.address.to_string(), step.from.driver)});
      }
    } else if (step.from.driver == options.driver) {
      step.why = fmt::format("already on {}", options.driver);
      if (step.from.driver_override != options.driver) {
        // Keep it there across a later unbind/probe too.
        step.moves = true;
        step.to = {options.driver, options.driver};
        step.why += "; driver_override is set so it stays there";
      }
    } else if (options.driver == "vfio-pci" && classify_driver(fn.driver) == DriverRole::kVfio) {
      step.why = fmt::format("already on {}, a vfio-pci variant: userspace can own it as it is",
                             step.from.driver);
    } else {
      step.moves = true;
      step.to = {options.driver, options.driver};
      step.why = step.from.driver.empty()
                     ? fmt::format("unbound: claimed by {} so no host driver binds it later", options.driver)
                     : fmt::format("{} uses kernel DMA; the group is viable only when no function does",
                                   step.from.driver);
      if (!fn.virtfns.empty()) {
        findings.push_back(
            {std::string(kSriovCheck), fn.address,
             fmt::format("{} is an SR-IOV PF with {} VFs enabled: unbinding {} disables SR-IOV and removes "
                         "them, wherever they are assigned",
                         fn.address.to_string(), fn.virtfns.size(), driver_text(step.from.driver)),
             "set sriov_numvfs to 0 first, or assign the VFs instead of the PF"});
      }
    }
    plan.functions.push_back(std::move(step));
  }

  for (const auto& found : usage) {
    std::optional<Bdf> address;
    if (found.function != kNoFunction && found.function < topology.functions().size()) {
      address = topology.function(found.function).address;
    }
    findings.push_back({found.check, address, found.what, found.way_out});
  }
  apply_force(std::move(findings), options.force, plan);

  if (plan.noiommu) add_noiommu_explanation(plan.functions.front(), plan);
  if (options.driver == "vfio-pci") add_interrupt_warning(topology, plan);
  return plan;
}

Result<AssignPlan> plan_assign_live(const RootDir& root, const Topology& topology,
                                    const PlanTarget& target, const PlanOptions& options) {
  auto group = group_members(topology, target);
  if (!group) return tl::unexpected(std::move(group.error()));
  auto usage = find_host_usage(root, topology, group->members);
  if (!usage) return tl::unexpected(std::move(usage.error()));
  return plan_assign(topology, target, options, *usage);
}

Result<AssignPlan> plan_release(const Topology& topology, const PlanTarget& target,
                                const std::optional<ReleaseOrigin>& origin) {
  auto group = group_members(topology, target);
  if (!group) return tl::unexpected(std::move(group.error()));
  AssignPlan plan;
  plan.action = PlanAction::kRelease;
  plan.target = target;
  plan.group = group->group;
  plan.noiommu = !plan.group;
  if (origin) plan.journal = origin->journal;
  for (const FunctionId f : group->members) {
    const Function& fn = topology.function(f);
    FunctionPlan step;
    step.function = f;
    step.address = fn.address;
    step.from = {fn.driver.value_or(""), fn.driver_override.value_or("")};
    step.to = step.from;
    const DriverRole role = classify_driver(fn.driver);
    const bool claimed = role == DriverRole::kVfio || role == DriverRole::kStub;
    const BindingState* original = nullptr;
    if (origin) {
      for (const auto& [address, state] : origin->originals) {
        if (address == fn.address) original = &state;
      }
    }
    if (!fn.driver) {
      plan.refusals.push_back({"", fn.address, fmt::format("{}: which driver is bound is unknown",
                                                           fn.address.to_string()),
                               "release on the live system (--sysfs /)"});
      step.why = "driver unknown";
    } else if (original) {
      step.to = *original;
      step.moves = step.to != step.from;
      step.why = step.moves ? fmt::format("back to {} as recorded in journal {}", driver_text(original->driver),
                                          origin->journal)
                            : "already as recorded before the assign";
    } else if (claimed) {
      step.moves = true;
      step.kernel_chooses = true;
      step.to = {"", ""};
      step.why = fmt::format(
          "no journal records its driver before {}: driver_override is cleared and drivers_probe lets the "
          "kernel choose", step.from.driver);
    } else {
      step.why = fmt::format("on {}, not claimed by isogroup: left alone", driver_text(step.from.driver));
    }
    if (plan.driver.empty() && claimed) plan.driver = step.from.driver;
    plan.functions.push_back(std::move(step));
  }
  return plan;
}

std::string claim_name(const AssignPlan& plan) {
  if (plan.group) return fmt::format("group-{}", *plan.group);
  std::string name = "function-" + plan.functions.front().address.to_string();
  for (char& c : name) {
    if (c == ':') c = '-';
  }
  return name;
}

}  // namespace isogroup
