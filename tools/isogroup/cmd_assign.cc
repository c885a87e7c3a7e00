// isogroup assign ADDRESS|GROUP [--driver vfio-pci|pci-stub] [--dry-run] [--json]
//   [--force CHECK]... [--unsafe-noiommu] [--persist] [--owner USER[:GROUP]]
// The whole group moves, or nothing does (docs/ownership.md).
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli.h"
#include "isogroup/ownership/apply.h"
#include "isogroup/ownership/persistence.h"
#include "isogroup/ownership/plan.h"
#include "isogroup/ownership/sysfs_binder.h"

namespace isogroup::cli {
namespace {

struct AssignOptions {
  std::string target;
  std::string sysfs = "/";
  PlanOptions plan;
  bool dry_run = false;
  bool json = false;
  bool persist = false;
  std::string owner;
};


int run_assign(const AssignOptions& options) {
  auto target = PlanTarget::parse(options.target);
  if (!target) return report(target.error());
  InputOptions input;
  input.sysfs = options.sysfs;
  auto topology = load_topology(input);
  if (!topology) return report(topology.error());
  auto root = RootDir::open(options.sysfs);
  if (!root) return report(root.error());
  auto plan = plan_assign_live(*root, *topology, *target, options.plan);
  if (!plan) return report(plan.error());
  print(options.json ? render_plan_json(*plan, *topology) : render_plan_text(*plan, *topology));
  if (plan->refused()) return kExitDifferent;
  if (options.dry_run) return kExitOk;

  SysfsBinder binder(*root);
  JournalStore journals(*root);
  auto done = apply_plan(*plan, binder, journals);
  if (!done) return report(done.error());
  if (!options.json) {
    for (const auto& line : done->log) print(line + "\n");
    if (!done->journal_path.empty()) print(fmt::format("journal: {}\n", done->journal_path));
  }
  if (options.persist || !options.owner.empty()) {
    auto members = group_members(*topology, *target);
    if (!members) return report(members.error());
    ClaimSpec spec;
    spec.name = claim_name(*plan);
    spec.noiommu = plan->noiommu;
    spec.driver = options.plan.driver;
    if (!options.owner.empty()) spec.owner = options.owner;
    spec.group_id = plan->group.value_or(-1);
    auto rules = install_claim_rules(*root, *topology, members->members, spec);
    if (!rules) return report(rules.error());
    if (!options.json) {
      print(fmt::format("udev rules: /{} (udevadm control --reload applies them now)\n", rules->file));
    }
  }
  return kExitOk;
}

}  // namespace

void add_assign_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<AssignOptions>();
  CLI::App* cmd = app.add_subcommand("assign", "give a whole IOMMU group to vfio-pci (or pci-stub), safely");
  cmd->add_option("target", options->target, "a function address (its whole group) or a group number")
      ->required();
  cmd->add_option("--sysfs", options->sysfs, "root of the live system (default /)");
  cmd->add_option("--driver", options->plan.driver, "vfio-pci (default) or pci-stub")
      ->check(CLI::IsMember({"vfio-pci", "pci-stub"}));
  cmd->add_flag("--dry-run", options->dry_run, "print the plan; change nothing");
  cmd->add_flag("--json", options->json, "print the plan as JSON (schema isogroup-plan)");
  cmd->add_option("--force", options->plan.force,
                  "override one named safety check (repeat the flag for each one)")
      ->take_all()
      ->expected(1);
  cmd->add_flag("--unsafe-noiommu", options->plan.unsafe_noiommu,
                "allow a device without an IOMMU group (vfio no-IOMMU mode: taints, no isolation)");
  cmd->add_flag("--persist", options->persist, "write udev rules so the claim survives reboot and hot-plug");
  cmd->add_option("--owner", options->owner, "USER or USER:GROUP that owns /dev/vfio/N (udev rule)");
  cmd->callback([options, &exit_code] { exit_code = run_assign(*options); });
}

}  // namespace isogroup::cli
