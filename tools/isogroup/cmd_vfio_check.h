// isogroup vfio-check: the command's body, with the VFIO system calls passed in so unit
// tests can run it against tests/fakes/fake_vfio.h (the CLI passes the kernel's).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "isogroup/vfio/syscalls.h"

namespace isogroup::cli {

struct VfioCheckOptions {
  std::string target;
  std::string sysfs = "/";
  bool json = false;
  std::uint64_t dma_size = 1u << 20;  // whole 4 KiB pages
};

// Exit status: 0 every step worked and the must-match config fields are equal; 1 a mismatch
// (config fields, or VFIO's viability against isogroup's); 2 an error (printed to stderr).
int run_vfio_check(const VfioCheckOptions& options, std::shared_ptr<vfio::VfioSyscalls> syscalls);

}  // namespace isogroup::cli
