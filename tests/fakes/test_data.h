// Where the tests' checked-in inputs live (tests/data).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace isogroup::testing {

std::filesystem::path test_data_dir();
std::string read_test_file(const std::filesystem::path& relative);
// Every tests/data/linuxhw/*.lspci-vv.txt, sorted by name.
std::vector<std::filesystem::path> linuxhw_corpus();

}  // namespace isogroup::testing
