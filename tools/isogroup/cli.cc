#include "cli.h"

#include <fmt/format.h>

#include <cstdio>

#include "isogroup/sources/read.h"

namespace isogroup::cli {
namespace {

Result<std::optional<SourceKind>> parse_kind(const std::string& kind) {
  if (kind.empty()) return std::optional<SourceKind>{};
  static constexpr std::pair<std::string_view, SourceKind> kKinds[] = {
      {"sysfs", SourceKind::kLiveSysfs},  {"snapshot", SourceKind::kSnapshotDir},
      {"tar", SourceKind::kSnapshotTar},  {"hex", SourceKind::kLspciHex},
      {"verbose", SourceKind::kLspciVerbose},
  };
  for (const auto& [name, value] : kKinds) {
    if (kind == name) return std::optional<SourceKind>{value};
  }
  return make_error(Errc::kInvalidInput, fmt::format("unknown input kind '{}'", kind), "--kind",
                    "use one of sysfs, snapshot, tar, hex, verbose, or leave it out to detect it");
}

}  // namespace

void add_input_options(CLI::App& app, InputOptions& options) {
  app.add_option("--from", options.from,
                 "read this input instead of the live system: a snapshot directory or .tar, "
                 "an lspci -x/-xxx/-xxxx dump, or lspci -vv/-vvnn text");
  app.add_option("--sysfs", options.sysfs, "root of the live system to read (default /)");
  app.add_option("--kind", options.kind, "input kind, when detection should not decide")
      ->check(CLI::IsMember({"sysfs", "snapshot", "tar", "hex", "verbose"}));
  app.add_option("--names", options.names, "pci.ids file for device names");
}

Result<Topology> load_topology(const InputOptions& options) {
  auto kind = parse_kind(options.kind);
  if (!kind) return tl::unexpected(kind.error());
  Result<Snapshot> snapshot = options.from.empty()
                                  ? (kind->value_or(SourceKind::kLiveSysfs) == SourceKind::kLiveSysfs
                                         ? read_sysfs(options.sysfs)
                                         : read_source(options.sysfs, *kind))
                                  : read_source(options.from, *kind);
  if (!snapshot) return tl::unexpected(snapshot.error());
  return Topology::build(*snapshot);
}

std::optional<pci::PciIds> load_names(const InputOptions& options) {
  auto names = pci::PciIds::load(options.names);
  if (!names) return std::nullopt;
  return std::move(*names);
}

void add_policy_options(CLI::App& app, PolicyOverrides& overrides) {
  app.add_option("--kernel", overrides.kernel,
                 "kernel version whose rules apply (default: the input's, else the newest)");
  app.add_option("--iommu", overrides.iommu, "IOMMU platform: intel, amd, smmuv3, smmu, power, none")
      ->check(CLI::IsMember({"intel", "amd", "smmuv3", "smmu", "power", "none"}));
  app.add_option("--cmdline", overrides.cmdline,
                 "kernel command line to model (pcie_acs_override=, pci=config_acs=, ...)");
  app.add_flag("--group-mf", overrides.group_mf,
               "legacy iommu=group_mf: all functions of a multifunction device in one group");
}

void print(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

int report(const Error& error) {
  std::fprintf(stderr, "isogroup: %s\n", error.to_string().c_str());
  if (!error.hint_.empty()) std::fprintf(stderr, "  hint: %s\n", error.hint_.c_str());
  return kExitError;
}

int run(int argc, char** argv) {
  CLI::App app{"isogroup: compute, explain and verify Linux IOMMU groups, and own them safely",
               "isogroup"};
  app.set_version_flag("--version", "isogroup 0.1.0");
  app.require_subcommand(0, 1);
  int exit_code = kExitOk;
  add_list_command(app, exit_code);
  add_capture_command(app, exit_code);
  add_explain_command(app, exit_code);
  add_verify_command(app, exit_code);
  add_assign_command(app, exit_code);
  add_release_command(app, exit_code);
  add_recover_command(app, exit_code);
  add_vfio_check_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitError;
  }
  if (app.get_subcommands().empty()) {
    // `isogroup` alone is `isogroup list` on this machine.
    std::string list = "list";
    std::vector<char*> args{argv[0], list.data()};
    return run(static_cast<int>(args.size()), args.data());
  }
  return exit_code;
}

}  // namespace isogroup::cli
