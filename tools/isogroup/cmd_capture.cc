// isogroup capture -o FILE: save this machine's PCI facts for later, offline use.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli.h"
#include "isogroup/sources/read.h"

namespace isogroup::cli {
namespace {

struct CaptureOptions {
  std::string output;
  std::string sysfs = "/";
};

int run_capture(const CaptureOptions& options) {
  auto result = capture(options.sysfs, options.output);
  if (!result) return report(result.error());
  std::printf("captured %zu functions into %s\n", result->functions, result->output.c_str());
  if (!result->full_config) {
    std::printf("config space: only the first 64 bytes of some functions (run as root for the "
                "full 4096); ACS and other extended capabilities are unknown for them\n");
  }
  for (const auto& note : result->notes) std::printf("note: %s\n", note.c_str());
  return kExitOk;
}

}  // namespace

void add_capture_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CaptureOptions>();
  CLI::App* cmd = app.add_subcommand(
      "capture", "save this machine's PCI, IOMMU and kernel facts as a snapshot (docs/snapshot-format.md)");
  cmd->add_option("-o,--output", options->output, "output directory, or a .tar archive")->required();
  cmd->add_option("--sysfs", options->sysfs, "root of the system to capture (default /)");
  cmd->callback([options, &exit_code] { exit_code = run_capture(*options); });
}

}  // namespace isogroup::cli
