// isogroup explain ADDRESS|GROUP: why a function or a computed group is what it is.
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <memory>

#include "cli.h"
#include "isogroup/grouping/acs.h"
#include "isogroup/render/explain_render.h"

namespace isogroup::cli {
namespace {

struct ExplainOptions {
  InputOptions input;
  PolicyOverrides policy;
  std::string target;
};

int run_explain(const ExplainOptions& options) {
  auto topology = load_topology(options.input);
  if (!topology) return report(topology.error());
  auto policy = make_policy(*topology, options.policy);
  if (!policy) return report(policy.error());
  auto groups = compute_groups(*topology, *policy);
  if (!groups) return report(groups.error());
  const AcsEvaluator acs(*topology, *policy);
  const auto names = load_names(options.input);
  const pci::PciIds* ids = names ? &*names : nullptr;

  std::string out;
  int group_id = 0;
  const auto* end = options.target.data() + options.target.size();
  if (auto [ptr, ec] = std::from_chars(options.target.data(), end, group_id); ec == std::errc() && ptr == end) {
    out = render_explain_group(*topology, *groups, group_id, ids);
  } else {
    auto address = Bdf::parse(options.target);
    if (!address) return report(address.error());
    auto f = topology->find(*address);
    if (!f) {
      return report(make_error(Errc::kNotFound, fmt::format("no function {} in the input", address->to_string()),
                               {}, "`isogroup list` shows the functions there are")
                        .value());
    }
    out = render_explain_function(*topology, *groups, acs, *f, ids);
  }
  print(out);
  return kExitOk;
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExplainOptions>();
  CLI::App* cmd = app.add_subcommand("explain", "explain why a function or group is grouped as it is");
  cmd->add_option("target", options->target, "a function address (0000:03:00.0, 03:00.0) or a group number")
      ->required();
  add_input_options(*cmd, options->input);
  add_policy_options(*cmd, options->policy);
  cmd->callback([options, &exit_code] { exit_code = run_explain(*options); });
}

}  // namespace isogroup::cli
