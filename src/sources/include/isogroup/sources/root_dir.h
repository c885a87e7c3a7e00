// RootDir: every file the live-system reader and `capture` touch is opened relative to one
// directory fd with openat2(RESOLVE_IN_ROOT), so "/" and a fake tree are read the same way
// and no symlink (sysfs is full of relative ones) can lead a read outside the root.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/error.h"

namespace isogroup {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

class RootDir {
 public:
  // Sysfs attribute files are at most a page; config is 4096; ACPI tables can be larger.
  static constexpr std::size_t kDefaultMaxRead = 16u << 20;

  static Result<RootDir> open(const std::filesystem::path& root);

  const std::filesystem::path& path() const { return path_; }
  int fd() const { return fd_.get(); }

  // Opens `relative` (slash-separated, resolved as if `root` were "/") with `flags`
  // (O_CLOEXEC is always added).
  Result<UniqueFd> open_at(std::string_view relative, int flags) const;

  // The whole file, read until EOF: sysfs reports a fixed st_size (4096 for config) that
  // says nothing about what a read returns (64 bytes for an unprivileged reader).
  Result<std::string> read_file(std::string_view relative,
                                std::size_t max_bytes = kDefaultMaxRead) const;
  // The text of a symlink (not followed). The link's parent directory is resolved in root.
  Result<std::string> read_link(std::string_view relative) const;
  // Entry names, sorted, without "." and "..".
  Result<std::vector<std::string>> list_dir(std::string_view relative) const;
  // Whether `relative` names something (following a final symlink inside the root).
  bool exists(std::string_view relative) const;
  bool is_directory(std::string_view relative) const;

  // Writes for ownership (added for `assign`/`recover`):
  // Writes `data` to an existing file (a sysfs attribute) in one write(2): opened O_WRONLY
  // without O_CREAT, so a missing attribute is an error rather than a new regular file.
  Status write_file(std::string_view relative, std::string_view data) const;
  // Creates or replaces a regular file durably: writes a temporary file next to it,
  // fsyncs it, renames it over `relative`, then fsyncs the directory. `mode` for new files.
  Status replace_file(std::string_view relative, std::string_view data, unsigned mode = 0600) const;
  // mkdir -p inside the root (components that exist are fine).
  Status make_directories(std::string_view relative, unsigned mode = 0700) const;
  // Removes a file; a missing file is not an error.
  Status remove_file(std::string_view relative) const;

 private:
  RootDir(UniqueFd fd, std::filesystem::path path) : fd_(std::move(fd)), path_(std::move(path)) {}

  // The error for a failed call on `relative`, with a hint chosen by errno.
  tl::unexpected<Error> fail(int err, std::string_view what, std::string_view relative) const;

  UniqueFd fd_;
  std::filesystem::path path_;
};

// Joins a symlink's text onto the directory that holds it and normalizes the result
// lexically, clamping ".." at the root the way RESOLVE_IN_ROOT does (an absolute target
// starts again at the root). Returns a root-relative path without leading "/", "" for
// the root itself. Used to learn where a sysfs link points without following it.
std::string resolve_in_root(std::string_view link_dir, std::string_view target);

// The last component of a slash-separated path ("" for "" or "/").
std::string_view last_component(std::string_view path);
// Everything before the last component, without the trailing slash ("" when none).
std::string_view parent_path(std::string_view path);

}  // namespace isogroup
