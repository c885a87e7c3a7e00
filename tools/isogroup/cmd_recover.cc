// isogroup recover: complete or undo transactions a crash left unfinished.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli.h"
#include "isogroup/ownership/recover.h"
#include "isogroup/ownership/sysfs_binder.h"

namespace isogroup::cli {
namespace {

int run_recover(const std::string& sysfs) {
  auto root = RootDir::open(sysfs);
  if (!root) return report(root.error());
  SysfsBinder binder(*root);
  JournalStore journals(*root);
  auto reports = recover(binder, journals);
  if (!reports) return report(reports.error());
  if (reports->empty()) std::printf("nothing to recover: no unfinished journal in /%s\n",
                                    std::string(JournalStore::kDefaultDir).c_str());
  int status = kExitOk;
  for (const auto& r : *reports) {
    std::printf("%s: %s: %s\n", r.journal_path.c_str(), std::string(to_string(r.action)).c_str(),
                r.message.c_str());
    if (r.action == RecoverAction::kFailed) status = kExitError;
  }
  return status;
}

}  // namespace

void add_recover_command(CLI::App& app, int& exit_code) {
  auto sysfs = std::make_shared<std::string>("/");
  CLI::App* cmd = app.add_subcommand("recover", "complete or undo an assign/release a crash interrupted");
  cmd->add_option("--sysfs", *sysfs, "root of the live system (default /)");
  cmd->callback([sysfs, &exit_code] { exit_code = run_recover(*sysfs); });
}

}  // namespace isogroup::cli
