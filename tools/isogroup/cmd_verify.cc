// isogroup verify: computed groups against the kernel's. Exit 0 only on an exact match
// (partition and numbers); 1 on a difference; 3 when the input cannot decide.
#include <cstdio>
#include <memory>

#include "cli.h"
#include "isogroup/grouping/verify.h"
#include "isogroup/render/explain_render.h"

namespace isogroup::cli {
namespace {

inline constexpr int kExitCannotDecide = 3;

struct VerifyOptions {
  InputOptions input;
  PolicyOverrides policy;
  bool json = false;
};

int run_verify(const VerifyOptions& options) {
  auto topology = load_topology(options.input);
  if (!topology) return report(topology.error());
  auto policy = make_policy(*topology, options.policy);
  if (!policy) return report(policy.error());
  auto groups = compute_groups(*topology, *policy);
  if (!groups) return report(groups.error());
  const VerifyReport result = verify_groups(*topology, *groups);
  const std::string out = options.json ? render_verify_json(*topology, *groups, result)
                                       : render_verify_text(*topology, *groups, result);
  print(out);
  switch (result.status) {
    case VerifyStatus::kMatch: return kExitOk;
    case VerifyStatus::kCannotDecide: return kExitCannotDecide;
    case VerifyStatus::kNoKernelGroups: return kExitError;
    case VerifyStatus::kNumbering:
    case VerifyStatus::kDifferent: return kExitDifferent;
  }
  return kExitError;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "compare the computed groups with the kernel's (exit 0 only on an exact match)");
  add_input_options(*cmd, options->input);
  add_policy_options(*cmd, options->policy);
  cmd->add_flag("--json", options->json, "print JSON");
  cmd->callback([options, &exit_code] { exit_code = run_verify(*options); });
}

}  // namespace isogroup::cli
