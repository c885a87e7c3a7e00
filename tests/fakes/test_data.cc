#include "fakes/test_data.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace isogroup::testing {

std::filesystem::path test_data_dir() {
  if (const char* env = std::getenv("ISOGROUP_TEST_DATA")) return env;
  return ISOGROUP_TEST_DATA;
}

std::string read_test_file(const std::filesystem::path& relative) {
  std::ifstream in(test_data_dir() / relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::filesystem::path> linuxhw_corpus() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(test_data_dir() / "linuxhw")) {
    if (entry.path().string().ends_with(".lspci-vv.txt")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace isogroup::testing
