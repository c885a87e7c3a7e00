// `isogroup capture`: copies the sysfs/proc subset that read_sysfs reads into a directory
// or tar archive of the same shape, plus a manifest and the relevant kernel log lines.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "isogroup/sources/read.h"
#include "isogroup/sources/snapshot_tar.h"
#include "isogroup/sources/root_dir.h"
#include "snapshot_dir.h"
#include "sysfs_kernel_log.h"
#include "sysfs_reader.h"

#ifndef ISOGROUP_VERSION
#define ISOGROUP_VERSION "0.1.0"
#endif

namespace isogroup {
namespace {

std::string join(std::string_view a, std::string_view b) { return fmt::format("{}/{}", a, b); }

// The snapshot being built: entries in an order where every parent comes first.
class EntryList {
 public:
  void dir(std::string_view path) {
    if (path.empty() || dirs_.count(std::string(path)) != 0) return;
    dir(parent_path(path));
    dirs_.insert(std::string(path));
    entries_.push_back(TarEntry{TarEntry::Type::kDirectory, std::string(path), {}, {}, 0});
  }
  void file(std::string_view path, std::string data) {
    if (!claim(path)) return;
    entries_.push_back(TarEntry{TarEntry::Type::kFile, std::string(path), std::move(data), {}, 0});
  }
  void link(std::string_view path, std::string target) {
    if (!claim(path)) return;
    entries_.push_back(TarEntry{TarEntry::Type::kSymlink, std::string(path), {}, std::move(target), 0});
  }
  const std::vector<TarEntry>& entries() const { return entries_; }

 private:
  bool claim(std::string_view path) {
    dir(parent_path(path));
    return leaves_.insert(std::string(path)).second;
  }
  std::set<std::string> dirs_, leaves_;
  std::vector<TarEntry> entries_;
};

class Capturer {
 public:
  explicit Capturer(const RootDir& root) : root_(root) {}

  Status run() {
    auto names = root_.list_dir(kPciDevicesDir);
    if (!names) {
      Error e = std::move(names.error());
      return tl::unexpected(std::move(e).with_hint(
          fmt::format("{} is not a sysfs root: it has no {}", root_.path().string(), kPciDevicesDir)));
    }
    for (const auto& name : *names) copy_function(name);
    copy_root_buses();
    copy_groups();
    if (root_.is_directory(kIommuClassDir)) {
      list_.dir(kIommuClassDir);
      // The class entries are links into /sys/devices/virtual; only their names matter.
      if (auto units = root_.list_dir(kIommuClassDir)) {
        for (const auto& unit : *units) list_.dir(join(kIommuClassDir, unit));
      }
    } else {
      note(fmt::format("no /{}", kIommuClassDir));
    }
    copy_file(kCmdlineFile, true);
    copy_file(kReleaseFile, true);
    for (const auto table : kFirmwareTables) {
      const std::string path = join(kAcpiTablesDir, table);
      if (root_.exists(path)) copy_file(path, true);
    }
    if (auto log = read_kernel_log(root_)) {
      std::string text;
      for (const auto& line : *log) text += line + "\n";
      list_.file(kDmesgPath, std::move(text));
      manifest_.kernel_log = true;
    } else {
      note(fmt::format("kernel log not captured: {}", log.error().to_string()));
    }
    return {};
  }

  SnapshotManifest& manifest() { return manifest_; }
  EntryList& list() { return list_; }
  std::size_t functions() const { return manifest_.config_bytes.size(); }

 private:
  void note(std::string text) { manifest_.notes.push_back(std::move(text)); }

  // Copies a file if it exists; `required` files are noted when missing.
  std::optional<std::size_t> copy_file(const std::string_view path, bool required) {
    auto data = root_.read_file(path);
    if (!data) {
      if (required || data.error().errno_ != ENOENT) note(data.error().to_string());
      return std::nullopt;
    }
    const std::size_t size = data->size();
    list_.file(path, std::move(*data));
    return size;
  }

  std::optional<std::string> copy_link(const std::string& path) {
    auto target = root_.read_link(path);
    if (!target) {
      if (target.error().errno_ != ENOENT) note(target.error().to_string());
      return std::nullopt;
    }
    list_.link(path, *target);
    return *target;
  }

  void copy_function(const std::string& name) {
    const std::string entry = join(kPciDevicesDir, name);
    auto target = root_.read_link(entry);
    if (!target) {
      note(fmt::format("{}: skipped: {}", name, target.error().to_string()));
      return;
    }
    const std::string dir = resolve_in_root(kPciDevicesDir, *target);
    if (!dir.starts_with(std::string(kDevicesDir) + "/")) {
      note(fmt::format("{}: skipped: its link points outside /{}", name, kDevicesDir));
      return;
    }
    list_.link(entry, *target);
    list_.dir(dir);
    for (const auto file : kFunctionFiles) {
      const bool required = file == "config" || file == "vendor" || file == "device" || file == "class";
      auto size = copy_file(join(dir, file), required);
      if (file == "config" && size) manifest_.config_bytes[name] = *size;
    }
    for (const auto link : kFunctionLinks) {
      auto text = copy_link(join(dir, link));
      // The driver directory itself is not copied, but the link should not dangle.
      if (text && link == "driver") {
        const std::string driver_dir = resolve_in_root(dir, *text);
        if (driver_dir.starts_with(std::string(kPciDriversDir) + "/")) list_.dir(driver_dir);
      }
    }
    if (auto names = root_.list_dir(dir)) {
      for (const auto& n : *names) {
        if (n.size() > kVirtfnPrefix.size() && n.starts_with(kVirtfnPrefix) &&
            std::all_of(n.begin() + static_cast<std::ptrdiff_t>(kVirtfnPrefix.size()), n.end(),
                        [](char c) { return c >= '0' && c <= '9'; })) {
          copy_link(join(dir, n));
        }
      }
    }
  }

  void copy_root_buses() {
    auto names = root_.list_dir(kDevicesDir);
    if (!names) {
      note(names.error().to_string());
      return;
    }
    for (const auto& name : *names) {
      if (!parse_root_bus_dir(name)) continue;
      const std::string dir = join(kDevicesDir, name);
      list_.dir(dir);
      copy_link(join(dir, "firmware_node"));
    }
  }

  void copy_groups() {
    if (!root_.is_directory(kIommuGroupsDir)) {
      note(fmt::format("no /{}", kIommuGroupsDir));
      return;
    }
    list_.dir(kIommuGroupsDir);
    auto groups = root_.list_dir(kIommuGroupsDir);
    if (!groups) {
      note(groups.error().to_string());
      return;
    }
    for (const auto& group : *groups) {
      const std::string dir = join(kIommuGroupsDir, group);
      list_.dir(join(dir, "devices"));
      if (auto members = root_.list_dir(join(dir, "devices"))) {
        for (const auto& member : *members) copy_link(join(join(dir, "devices"), member));
      } else {
        note(members.error().to_string());
      }
      for (const auto file : kGroupFiles) copy_file(join(dir, file), false);
    }
  }

  const RootDir& root_;
  EntryList list_;
  SnapshotManifest manifest_;
};

std::string utc_now(std::time_t now) {
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

Status write_file_exclusive(const std::filesystem::path& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    return make_errno_error(err, "cannot create the archive", path.string(),
                            err == EEXIST ? "it already exists: remove it or choose another name" : "");
  }
  UniqueFd owned(fd);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      return make_errno_error(err, "cannot write the archive", path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    return make_errno_error(err, "cannot write the archive", path.string());
  }
  return {};
}

// The output directory is created, or may exist if it is empty: never mixed with old files.
Status prepare_directory(const std::filesystem::path& out) {
  if (::mkdir(out.c_str(), 0755) == 0) return {};
  const int err = errno;
  if (err != EEXIST) return make_errno_error(err, "cannot create the output directory", out.string());
  std::error_code ec;
  if (!std::filesystem::is_directory(out, ec) || !std::filesystem::is_empty(out, ec) || ec) {
    return make_error(Errc::kRefused, "the output exists and is not an empty directory", out.string(),
                      "remove it or choose another name");
  }
  return {};
}

}  // namespace

Result<CaptureResult> capture(const std::filesystem::path& root, const std::filesystem::path& out) {
  auto dir = RootDir::open(root);
  if (!dir) return tl::unexpected(std::move(dir.error()));
  Capturer capturer(*dir);
  if (auto ran = capturer.run(); !ran) return tl::unexpected(std::move(ran.error()));

  const std::time_t now = std::time(nullptr);
  SnapshotManifest& manifest = capturer.manifest();
  manifest.tool_version = ISOGROUP_VERSION;
  manifest.captured_at = utc_now(now);
  manifest.root = root.string();
  manifest.uid = static_cast<std::uint32_t>(::geteuid());
  manifest.as_root = manifest.uid == 0;

  CaptureResult result;
  result.output = out;
  result.functions = capturer.functions();
  result.full_config = !manifest.config_bytes.empty() &&
                       std::all_of(manifest.config_bytes.begin(), manifest.config_bytes.end(),
                                   [](const auto& kv) { return kv.second > pci::ConfigSpace::kUnprivilegedSize; });
  if (!result.full_config && result.functions > 0) {
    manifest.notes.push_back(
        "config space was captured without privileges (64 bytes): ACS and other capabilities are unknown; "
        "capture as root");
  }
  result.notes = manifest.notes;
  capturer.list().file(kManifestPath, manifest_to_json(manifest));

  const auto& entries = capturer.list().entries();
  if (out.extension() == ".tar") {
    if (auto written = write_file_exclusive(out, write_tar(entries, static_cast<std::int64_t>(now))); !written) {
      return tl::unexpected(std::move(written.error()));
    }
  } else {
    if (auto made = prepare_directory(out); !made) return tl::unexpected(std::move(made.error()));
    if (auto written = write_entries(out, entries, out.string()); !written) {
      return tl::unexpected(std::move(written.error()));
    }
  }
  return result;
}

}  // namespace isogroup
