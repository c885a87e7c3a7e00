#include "read_text_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace isogroup::sources_internal {
namespace {

// Reads up to `limit` bytes; `complete` tells whether end of file was reached.
Result<std::string> read_up_to(const std::filesystem::path& path, std::size_t limit, bool& complete) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return make_errno_error(errno, "cannot open the input", path.string(),
                            "check the path and that you may read it");
  }
  std::string data;
  complete = false;
  constexpr std::size_t kChunk = 64 * 1024;
  while (data.size() < limit) {
    const std::size_t old = data.size();
    data.resize(std::min(limit, old + kChunk));
    const ssize_t n = ::read(fd, data.data() + old, data.size() - old);
    if (n < 0) {
      if (errno == EINTR) {
        data.resize(old);
        continue;
      }
      const int err = errno;
      ::close(fd);
      return make_errno_error(err, "cannot read the input", path.string(),
                              "give a regular file, a snapshot directory or a sysfs root");
    }
    data.resize(old + static_cast<std::size_t>(n));
    if (n == 0) {
      complete = true;
      break;
    }
  }
  if (!complete) {
    // Exactly `limit` bytes read: one more read tells whether the file ends there.
    char probe = 0;
    ssize_t n = 0;
    do {
      n = ::read(fd, &probe, 1);
    } while (n < 0 && errno == EINTR);
    complete = n == 0;
  }
  ::close(fd);
  return data;
}

}  // namespace

Result<std::string> read_file_prefix(const std::filesystem::path& path, std::size_t limit) {
  bool complete = false;
  return read_up_to(path, limit, complete);
}

Result<std::string> read_whole_file(const std::filesystem::path& path, std::size_t limit) {
  bool complete = false;
  auto data = read_up_to(path, limit, complete);
  if (data && !complete) {
    return make_error(Errc::kUnsupported,
                      limit >= (1u << 20) ? fmt::format("the input is larger than {} MiB", limit >> 20)
                                          : fmt::format("the input is larger than {} bytes", limit), path.string(),
                      "lspci text of a whole machine is a few MiB; is this the right file?");
  }
  return data;
}

}  // namespace isogroup::sources_internal
