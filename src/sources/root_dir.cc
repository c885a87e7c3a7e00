#include "isogroup/sources/root_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

namespace isogroup {
namespace {

// glibc 2.36 has no openat2() wrapper.
int sys_openat2(int dirfd, const char* path, int flags, std::uint64_t resolve) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags);
  how.resolve = resolve;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

constexpr std::uint64_t kResolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

// openat2 rejects an empty path; "." names the root itself.
std::string in_root_path(std::string_view relative) {
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  return relative.empty() ? std::string(".") : std::string(relative);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<RootDir> RootDir::open(const std::filesystem::path& root) {
  const int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_errno_error(err, "cannot open the root directory", root.string(),
                            "give a directory that holds sys/ (\"/\" for this machine)");
  }
  return RootDir(UniqueFd(fd), root);
}

tl::unexpected<Error> RootDir::fail(int err, std::string_view what, std::string_view relative) const {
  std::string hint;
  switch (err) {
    case ENOENT: hint = "the file does not exist under this root"; break;
    case EACCES:
    case EPERM: hint = "run as root, or capture a snapshot as root on that machine"; break;
    case ENOSYS: hint = "openat2 needs Linux 5.6 or later"; break;
    case ELOOP: hint = "a symlink loop, or a /proc magic link, which is never followed"; break;
    default: break;
  }
  return make_errno_error(err, fmt::format("cannot {}", what), (path_ / relative).string(),
                          std::move(hint));
}

Result<UniqueFd> RootDir::open_at(std::string_view relative, int flags) const {
  const std::string p = in_root_path(relative);
  int fd = -1;
  do {
    fd = sys_openat2(fd_.get(), p.c_str(), flags | O_CLOEXEC, kResolve);
  } while (fd < 0 && errno == EAGAIN);  // a concurrent rename under the root; retry
  if (fd < 0) return fail(errno, "open", relative);
  return UniqueFd(fd);
}

Result<std::string> RootDir::read_file(std::string_view relative, std::size_t max_bytes) const {
  auto fd = open_at(relative, O_RDONLY);
  if (!fd) return tl::unexpected(std::move(fd.error()));
  std::string out;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd->get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "read", relative);
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      return make_error(Errc::kInvalidInput,
                        fmt::format("file is larger than {} bytes", max_bytes),
                        (path_ / relative).string(), "this is not a sysfs attribute file");
    }
  }
  return out;
}

Result<std::string> RootDir::read_link(std::string_view relative) const {
  const std::string_view name = last_component(relative);
  if (name.empty() || name == "." || name == "..") {
    return make_error(Errc::kInvalidInput, "not a link name", (path_ / relative).string());
  }
  auto parent = open_at(parent_path(relative), O_PATH | O_DIRECTORY);
  if (!parent) return tl::unexpected(std::move(parent.error()));
  const std::string link(name);
  std::string out(256, '\0');
  for (;;) {
    const ssize_t n = ::readlinkat(parent->get(), link.c_str(), out.data(), out.size());
    if (n < 0) return fail(errno, "read the link", relative);
    if (static_cast<std::size_t>(n) < out.size()) {
      out.resize(static_cast<std::size_t>(n));
      return out;
    }
    if (out.size() >= 65536) return fail(ENAMETOOLONG, "read the link", relative);
    out.resize(out.size() * 2);
  }
}

Result<std::vector<std::string>> RootDir::list_dir(std::string_view relative) const {
  auto fd = open_at(relative, O_RDONLY | O_DIRECTORY);
  if (!fd) return tl::unexpected(std::move(fd.error()));
  DIR* dir = ::fdopendir(fd->get());  // takes ownership of the fd on success
  if (dir == nullptr) return fail(errno, "list the directory", relative);
  fd->release();
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0) return fail(err, "list the directory", relative);
  std::sort(names.begin(), names.end());
  return names;
}

bool RootDir::exists(std::string_view relative) const { return open_at(relative, O_PATH).has_value(); }

bool RootDir::is_directory(std::string_view relative) const {
  return open_at(relative, O_PATH | O_DIRECTORY).has_value();
}

Status RootDir::write_file(std::string_view relative, std::string_view data) const {
  auto fd = open_at(relative, O_WRONLY);
  if (!fd) return tl::unexpected(std::move(fd.error()));
  // A sysfs store() sees exactly one write; a short write would split the value.
  ssize_t n = -1;
  do {
    n = ::write(fd->get(), data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fail(errno, "write", relative);
  if (static_cast<std::size_t>(n) != data.size()) return fail(EIO, "write all of", relative);
  return {};
}

Status RootDir::replace_file(std::string_view relative, std::string_view data, unsigned mode) const {
  const std::string name(last_component(relative));
  if (name.empty() || name == "." || name == "..") {
    return make_error(Errc::kInvalidInput, "not a file name", (path_ / relative).string());
  }
  auto dir = open_at(parent_path(relative), O_RDONLY | O_DIRECTORY);
  if (!dir) return tl::unexpected(std::move(dir.error()));
  const std::string temp = fmt::format(".{}.tmp-{}", name, ::getpid());
  // The name has no slash, so the O_NOFOLLOW open cannot leave the directory.
  const int raw = ::openat(dir->get(), temp.c_str(),
                           O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                           static_cast<mode_t>(mode));
  if (raw < 0) return fail(errno, "create", std::string(parent_path(relative)) + "/" + temp);
  UniqueFd fd(raw);
  std::string_view rest = data;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::unlinkat(dir->get(), temp.c_str(), 0);
      return fail(err, "write", relative);
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd.get()) != 0) {
    const int err = errno;
    ::unlinkat(dir->get(), temp.c_str(), 0);
    return fail(err, "fsync", relative);
  }
  if (::renameat(dir->get(), temp.c_str(), dir->get(), name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir->get(), temp.c_str(), 0);
    return fail(err, "rename into place", relative);
  }
  if (::fsync(dir->get()) != 0) return fail(errno, "fsync the directory of", relative);
  return {};
}

Status RootDir::make_directories(std::string_view relative, unsigned mode) const {
  std::string done;
  std::string_view rest = relative;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return make_error(Errc::kInvalidInput, "\"..\" in a directory to create",
                        (path_ / relative).string());
    }
    auto parent = open_at(done, O_PATH | O_DIRECTORY);
    if (!parent) return tl::unexpected(std::move(parent.error()));
    const std::string component(part);
    if (::mkdirat(parent->get(), component.c_str(), static_cast<mode_t>(mode)) != 0 &&
        errno != EEXIST) {
      return fail(errno, "create the directory", done.empty() ? component : done + "/" + component);
    }
    done = done.empty() ? component : done + "/" + component;
    if (!is_directory(done)) return fail(ENOTDIR, "use as a directory", done);
  }
  return {};
}

Status RootDir::remove_file(std::string_view relative) const {
  const std::string name(last_component(relative));
  auto dir = open_at(parent_path(relative), O_PATH | O_DIRECTORY);
  if (!dir) {
    if (dir.error().errno_ == ENOENT) return {};
    return tl::unexpected(std::move(dir.error()));
  }
  if (::unlinkat(dir->get(), name.c_str(), 0) != 0 && errno != ENOENT) {
    return fail(errno, "remove", relative);
  }
  return {};
}

std::string resolve_in_root(std::string_view link_dir, std::string_view target) {
  std::vector<std::string_view> parts;
  auto push = [&parts](std::string_view path) {
    while (!path.empty()) {
      const auto slash = path.find('/');
      const std::string_view part = path.substr(0, slash);
      path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
      if (part.empty() || part == ".") continue;
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();  // ".." at the root stays at the root
        continue;
      }
      parts.push_back(part);
    }
  };
  if (target.empty() || target.front() != '/') push(link_dir);
  push(target);
  std::string out;
  for (const auto part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

std::string_view last_component(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view parent_path(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  path = path.substr(0, slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace isogroup
