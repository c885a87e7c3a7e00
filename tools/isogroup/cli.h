// The CLI entry point; each subcommand lives in its own file (cmd_<name>.cc).
#pragma once

namespace isogroup::cli {

int run(int argc, char** argv);

}  // namespace isogroup::cli
