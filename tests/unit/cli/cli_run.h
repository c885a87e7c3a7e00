// Runs the CLI in process and captures what it prints, for the tests of tools/isogroup.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli.h"

namespace isogroup::testing {

struct CliRun {
  int status = 0;
  std::string out, err;
};

inline CliRun run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "isogroup");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  CliRun r;
  r.status = cli::run(static_cast<int>(argv.size()), argv.data());
  r.out = ::testing::internal::GetCapturedStdout();
  r.err = ::testing::internal::GetCapturedStderr();
  return r;
}

}  // namespace isogroup::testing
