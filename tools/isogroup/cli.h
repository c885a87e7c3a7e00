// The CLI: option plumbing shared by the subcommands (cmd_<name>.cc). No logic of its own:
// every decision is made by the library.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "isogroup/core/error.h"
#include "isogroup/grouping/policy.h"
#include "isogroup/model/topology.h"
#include "isogroup/pci/pci_ids.h"

namespace isogroup::cli {

// Exit statuses: 0 success; 1 a check found a difference (verify) or a refusal; 2 an error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitDifferent = 1;
inline constexpr int kExitError = 2;

// Where the facts come from: --from PATH (any input format) or --sysfs ROOT (default /).
struct InputOptions {
  std::string from;
  std::string sysfs = "/";
  std::string kind;  // forces the input kind: sysfs|snapshot|tar|hex|verbose
  std::string names = std::string(pci::PciIds::kDefaultPath);
};
void add_input_options(CLI::App& app, InputOptions& options);
Result<Topology> load_topology(const InputOptions& options);
// pci.ids names, or none (with nothing printed) when the file is missing.
std::optional<pci::PciIds> load_names(const InputOptions& options);

// --kernel, --iommu, --cmdline, --group-mf.
void add_policy_options(CLI::App& app, PolicyOverrides& overrides);

// Writes text to stdout as is.
void print(std::string_view text);

// Prints "isogroup: <error>" and its hint to stderr; returns kExitError.
int report(const Error& error);

int run(int argc, char** argv);

// Subcommands; each registers itself and sets `exit_code` when it runs.
void add_list_command(CLI::App& app, int& exit_code);
void add_capture_command(CLI::App& app, int& exit_code);
void add_explain_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);
void add_assign_command(CLI::App& app, int& exit_code);
void add_release_command(CLI::App& app, int& exit_code);
void add_recover_command(CLI::App& app, int& exit_code);
void add_vfio_check_command(CLI::App& app, int& exit_code);

}  // namespace isogroup::cli
