// The manifest of a snapshot (isogroup/manifest.json) and the reader shared by
// read_snapshot_dir and read_snapshot_tar. See docs/snapshot-format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/error.h"
#include "isogroup/snapshot/snapshot.h"

namespace isogroup {

inline constexpr std::string_view kManifestPath = "isogroup/manifest.json";
inline constexpr std::string_view kDmesgPath = "isogroup/dmesg.txt";
inline constexpr std::string_view kSnapshotFormat = "isogroup-snapshot";
inline constexpr int kSnapshotFormatVersion = 1;

struct SnapshotManifest {
  std::string format = std::string(kSnapshotFormat);
  int format_version = kSnapshotFormatVersion;
  std::string tool_version;
  std::string captured_at;  // UTC, "2024-05-01T12:00:00Z"
  std::string root;         // the root captured from, "/" normally
  bool as_root = false;     // effective uid 0
  std::uint32_t uid = 0;    // effective uid
  std::map<std::string, std::size_t> config_bytes;  // function address -> bytes config returned
  bool kernel_log = false;  // whether isogroup/dmesg.txt was written
  std::vector<std::string> notes;  // what capture could not copy
};

std::string manifest_to_json(const SnapshotManifest& manifest);
Result<SnapshotManifest> parse_manifest(std::string_view text, std::string_view origin);

// Reads the snapshot in DIR. `display_root` prefixes origins; `source` becomes Snapshot::source.
Result<Snapshot> read_snapshot_tree(const std::filesystem::path& dir, SourceKind kind,
                                    const std::string& display_root, const std::string& source);

}  // namespace isogroup
