// isogroup release ADDRESS|GROUP [--dry-run] [--json]: the group goes back to the drivers
// the assign journal recorded (or, without one, the kernel chooses).
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

struct ReleaseOptions {
  std::string target;
  std::string sysfs = "/";
  bool dry_run = false;
  bool json = false;
};


int run_release(const ReleaseOptions& options) {
  auto target = PlanTarget::parse(options.target);
  if (!target) return report(target.error());
  InputOptions input;
  input.sysfs = options.sysfs;
  auto topology = load_topology(input);
  if (!topology) return report(topology.error());
  auto root = RootDir::open(options.sysfs);
  if (!root) return report(root.error());
  auto members = group_members(*topology, *target);
  if (!members) return report(members.error());
  std::vector<Bdf> addresses;
  for (const FunctionId f : members->members) addresses.push_back(topology->function(f).address);

  JournalStore journals(*root);
  auto claim = journals.find_claim(members->group, addresses);
  if (!claim) return report(claim.error());
  std::optional<ReleaseOrigin> origin;
  if (*claim) {
    origin = ReleaseOrigin{(*claim)->id, {}};
    for (const auto& f : (*claim)->functions) origin->originals.emplace_back(f.address, f.original);
  }
  auto plan = plan_release(*topology, *target, origin);
  if (!plan) return report(plan.error());
  print(options.json ? render_plan_json(*plan, *topology) : render_plan_text(*plan, *topology));
  if (plan->refused()) return kExitDifferent;
  if (options.dry_run) return kExitOk;

  SysfsBinder binder(*root);
  auto done = apply_plan(*plan, binder, journals);
  if (!done) return report(done.error());
  if (!options.json) {
    for (const auto& line : done->log) print(line + "\n");
  }
  // The claim's udev rules, if `assign --persist` wrote them, go with the claim.
  ClaimSpec spec;
  spec.name = claim_name(*plan);
  spec.noiommu = plan->noiommu;
  spec.group_id = plan->group.value_or(-1);
  auto removed = remove_claim_rules(*root, *topology, members->members, spec);
  if (!removed) return report(removed.error());
  if (*removed && !options.json) print(fmt::format("removed udev rules /{}\n", **removed));
  return kExitOk;
}

}  // namespace

void add_release_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReleaseOptions>();
  CLI::App* cmd = app.add_subcommand("release", "return an assigned group to its original drivers");
  cmd->add_option("target", options->target, "a function address (its whole group) or a group number")
      ->required();
  cmd->add_option("--sysfs", options->sysfs, "root of the live system (default /)");
  cmd->add_flag("--dry-run", options->dry_run, "print the plan; change nothing");
  cmd->add_flag("--json", options->json, "print the plan as JSON (schema isogroup-plan)");
  cmd->callback([options, &exit_code] { exit_code = run_release(*options); });
}

}  // namespace isogroup::cli
