#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "isogroup/sources/snapshot_tar.h"
#include "isogroup/sources/root_dir.h"

namespace isogroup {
namespace {

Status write_entry(int root_fd, const TarEntry& entry, std::string_view origin) {
  auto fail = [&](int err, std::string_view what) {
    return make_errno_error(err, fmt::format("cannot {} '{}'", what, entry.path),
                            fmt::format("{}: header at byte {}", origin, entry.header_offset),
                            err == ENOTDIR || err == ELOOP
                                ? "an earlier entry put a symlink or file where a directory belongs"
                                : "");
  };
  std::vector<std::string_view> parts;
  std::string_view rest = entry.path;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  for (const auto part : parts) {
    if (part.empty() || part == "." || part == "..") {
      return make_error(Errc::kInvalidInput, fmt::format("refused entry name '{}'", entry.path),
                        fmt::format("{}: header at byte {}", origin, entry.header_offset));
    }
  }
  if (parts.empty()) return {};

  // Walk down one component at a time with O_NOFOLLOW: a symlink on the way (planted by an
  // earlier entry) makes the open fail instead of leading outside the directory.
  UniqueFd dir(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!dir) return fail(errno, "open the parent of");
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string part(parts[i]);
    if (::mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST) return fail(errno, "create the parent of");
    const int next = ::openat(dir.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return fail(errno, "open the parent of");
    dir = UniqueFd(next);
  }
  const std::string last(parts.back());
  switch (entry.type) {
    case TarEntry::Type::kDirectory: {
      if (::mkdirat(dir.get(), last.c_str(), 0755) == 0) return {};
      if (errno != EEXIST) return fail(errno, "create directory");
      const int existing = ::openat(dir.get(), last.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (existing < 0) return fail(errno, "create directory");
      ::close(existing);
      return {};
    }
    case TarEntry::Type::kSymlink:
      if (::symlinkat(entry.link_target.c_str(), dir.get(), last.c_str()) != 0) return fail(errno, "create symlink");
      return {};
    case TarEntry::Type::kFile: {
      // O_EXCL: never write through an existing link, never overwrite an earlier entry.
      const int fd = ::openat(dir.get(), last.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0) return fail(errno, "create file");
      UniqueFd file(fd);
      std::size_t done = 0;
      while (done < entry.data.size()) {
        const ssize_t n = ::write(fd, entry.data.data() + done, entry.data.size() - done);
        if (n < 0) {
          if (errno == EINTR) continue;
          return fail(errno, "write file");
        }
        done += static_cast<std::size_t>(n);
      }
      return {};
    }
  }
  return {};
}

}  // namespace

Status write_entries(const std::filesystem::path& dir, const std::vector<TarEntry>& entries,
                     std::string_view origin) {
  const int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_errno_error(err, "cannot open the output directory", dir.string());
  }
  UniqueFd root(fd);
  for (const auto& entry : entries) {
    if (auto written = write_entry(root.get(), entry, origin); !written) return written;
  }
  return {};
}

}  // namespace isogroup
