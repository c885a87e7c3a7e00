// Plans: what `assign` and `release` would do to a whole group, function by function, and
// why; or why they refuse and what the user can do. A plan is computed from facts only
// (the topology read from the live system, host-usage findings, a journal); nothing is
// changed until apply_plan() runs it. Rules: reference §6 (viability, device nodes,
// noiommu, interrupt isolation).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isogroup/core/bdf.h"
#include "isogroup/core/error.h"
#include "isogroup/model/topology.h"
#include "isogroup/ownership/host_usage.h"

namespace isogroup {

// What a function is bound to: driver ("" none) and driver_override ("" none).
struct BindingState {
  std::string driver;
  std::string driver_override;
  friend bool operator==(const BindingState&, const BindingState&) = default;
};

enum class PlanAction { kAssign, kRelease };
std::string_view to_string(PlanAction action);

// ADDRESS or GROUP as the user typed it.
struct PlanTarget {
  std::optional<Bdf> address;
  std::optional<int> group;
  static Result<PlanTarget> parse(std::string_view text);
  std::string to_string() const;
};

struct PlanOptions {
  std::string driver = "vfio-pci";   // vfio-pci or pci-stub
  std::vector<std::string> force;    // check names overridden by --force, one per flag
  bool unsafe_noiommu = false;
};

struct FunctionPlan {
  FunctionId function = kNoFunction;
  Bdf address;
  BindingState from;
  BindingState to;
  bool moves = false;
  // When release has no journal: the override is cleared and the kernel picks the driver,
  // so `to.driver` is not known in advance.
  bool kernel_chooses = false;
  std::string why;
};

// A reason not to go ahead. `check` is the name `--force` takes; an empty check cannot
// be forced (the plan would not be carried out correctly whatever the user says).
struct PlanFinding {
  std::string check;
  std::optional<Bdf> function;
  std::string what;
  std::string way_out;
};

struct AssignPlan {
  PlanAction action = PlanAction::kAssign;
  PlanTarget target;
  std::optional<int> group;  // the kernel's group id; nullopt without an IOMMU group
  std::string driver;        // the driver assign binds (release: the one it frees from)
  bool noiommu = false;      // the device has no IOMMU group and --unsafe-noiommu was given
  std::vector<FunctionPlan> functions;  // every member of the group, by address
  std::vector<PlanFinding> refusals;    // non-empty: the plan must not be applied
  std::vector<PlanFinding> forced;      // findings the user overrode, stated, never silent
  std::vector<std::string> warnings;    // noiommu explanations, interrupt remapping, ...
  std::optional<std::string> journal;   // release: the journal the original drivers come from

  bool refused() const { return !refusals.empty(); }
  std::size_t moving() const;
};

// The group of TARGET as the kernel formed it (Function::kernel_group), never a computed
// one: ownership acts on the groups that exist. Empty members when the target has no
// group (no IOMMU); an error when the target does not exist.
struct GroupMembers {
  std::optional<int> group;
  std::vector<FunctionId> members;  // by address
};
Result<GroupMembers> group_members(const Topology& topology, const PlanTarget& target);

// The assign plan for the whole group of TARGET. `usage` are the host-usage findings for
// the group's functions (find_host_usage); each one refuses unless forced by its check name.
Result<AssignPlan> plan_assign(const Topology& topology, const PlanTarget& target,
                               const PlanOptions& options, std::span<const HostUsage> usage);

// The same, with host usage looked up under ROOT (the live "/" or a test tree).
Result<AssignPlan> plan_assign_live(const RootDir& root, const Topology& topology,
                                    const PlanTarget& target, const PlanOptions& options);

// The release plan: every function on a vfio driver or pci-stub goes back to ORIGINALS
// (by address, from the assign journal) or, without one, has its override cleared and is
// probed so the kernel picks its driver.
struct ReleaseOrigin {
  std::string journal;  // its id, for the plan's text
  std::vector<std::pair<Bdf, BindingState>> originals;
};
Result<AssignPlan> plan_release(const Topology& topology, const PlanTarget& target,
                                const std::optional<ReleaseOrigin>& origin);

// Whether the kernel log shows interrupt remapping on ("DMAR-IR: Enabled IRQ remapping",
// "AMD-Vi: Interrupt remapping enabled"); unknown when the log says nothing either way.
Tristate interrupt_remapping_enabled(std::span<const std::string> dmesg);

// Text for people, JSON for programs (schema "isogroup-plan", version 1).
// The name of a claim's udev rules file: "group-N", or "function-DDDD-BB-DD.F" (':' is not
// allowed in it) when the function is in no group.
std::string claim_name(const AssignPlan& plan);

std::string render_plan_text(const AssignPlan& plan, const Topology& topology);
std::string render_plan_json(const AssignPlan& plan, const Topology& topology);

}  // namespace isogroup
