// isogroup list [--computed] [--json]: the groups, their functions and viability.
#include <cstdio>
#include <memory>

#include "cli.h"
#include "isogroup/grouping/group_set.h"
#include "isogroup/render/list_render.h"

namespace isogroup::cli {
namespace {

struct ListOptions {
  InputOptions input;
  PolicyOverrides policy;
  bool computed = false;
  bool json = false;
};

int run_list(const ListOptions& options) {
  auto topology = load_topology(options.input);
  if (!topology) return report(topology.error());
  const auto names = load_names(options.input);
  const pci::PciIds* ids = names ? &*names : nullptr;

  auto policy = make_policy(*topology, options.policy);
  if (!policy) return report(policy.error());
  ListModel model;
  std::unique_ptr<GroupSet> groups;
  if (options.computed) {
    auto computed = compute_groups(*topology, *policy);
    if (!computed) return report(computed.error());
    groups = std::make_unique<GroupSet>(std::move(*computed));
    model = make_computed_list(*topology, *groups);
  } else {
    model = make_kernel_list(*topology, policy->kernel);
  }
  const std::string out = options.json ? render_list_json(model, ids) : render_list_text(model, ids);
  print(out);
  return kExitOk;
}

}  // namespace

void add_list_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* cmd = app.add_subcommand("list", "list IOMMU groups with their functions and viability");
  add_input_options(*cmd, options->input);
  add_policy_options(*cmd, options->policy);
  cmd->add_flag("--computed", options->computed,
                "compute the groups as the kernel would, instead of showing the kernel's");
  cmd->add_flag("--json", options->json, "print JSON (schema: docs/json-schema.md)");
  cmd->callback([options, &exit_code] { exit_code = run_list(*options); });
}

}  // namespace isogroup::cli
