#include "cli.h"

#include <cstdio>

namespace isogroup::cli {

int run(int, char**) {
  std::puts("isogroup: under construction");
  return 0;
}

}  // namespace isogroup::cli
