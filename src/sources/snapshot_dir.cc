#include "snapshot_dir.h"

#include <fmt/format.h>

#include "isogroup/sources/read.h"
#include "isogroup/sources/root_dir.h"
#include "sysfs_reader.h"

namespace isogroup {

Result<Snapshot> read_snapshot_tree(const std::filesystem::path& dir, SourceKind kind,
                                    const std::string& display_root, const std::string& source) {
  auto root = RootDir::open(dir);
  if (!root) return tl::unexpected(std::move(root.error()));
  const std::string manifest_origin = display_root + std::string(kManifestPath);
  auto text = root->read_file(kManifestPath, 1u << 20);
  if (!text) {
    Error e = std::move(text.error());
    e.message_ = "not an isogroup snapshot: no readable manifest";
    return tl::unexpected(std::move(e).with_hint(
        "snapshots are written by `isogroup capture`; to read a sysfs root, read it as sysfs"));
  }
  auto manifest = parse_manifest(*text, manifest_origin);
  if (!manifest) return tl::unexpected(std::move(manifest.error()));

  auto snapshot = read_sysfs_tree(*root, SysfsReadOptions{kind, display_root, false});
  if (!snapshot) return snapshot;
  snapshot->source = source;

  if (auto log = root->read_file(kDmesgPath)) {
    std::string_view rest = *log;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      if (!line.empty()) snapshot->dmesg.emplace_back(line);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  } else {
    snapshot->notes.push_back("the snapshot holds no kernel log (isogroup/dmesg.txt)");
  }

  // The manifest says what capture read; a file that changed since is worth a word.
  for (const auto& fn : snapshot->functions) {
    const auto it = manifest->config_bytes.find(fn.address.to_string());
    if (it == manifest->config_bytes.end()) continue;
    if (it->second != fn.config.known_prefix()) {
      snapshot->notes.push_back(fmt::format("{}: the manifest records {} config bytes, the file has {}",
                                            fn.address.to_string(), it->second, fn.config.known_prefix()));
    }
  }
  for (const auto& note : manifest->notes) snapshot->notes.push_back("capture: " + note);
  return snapshot;
}

Result<Snapshot> read_snapshot_dir(const std::filesystem::path& dir) {
  std::string display_root = dir.string();
  if (!display_root.ends_with('/')) display_root += '/';
  return read_snapshot_tree(dir, SourceKind::kSnapshotDir, display_root, dir.string());
}

}  // namespace isogroup
