// Entry points of sources/: read any supported input into a Snapshot.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "isogroup/core/error.h"
#include "isogroup/snapshot/snapshot.h"

namespace isogroup {

// Detects the kind from the content: a directory with sys/ (sysfs root or snapshot
// directory), a tar archive, lspci hex text, lspci verbose text.
Result<SourceKind> detect_source_kind(const std::filesystem::path& path);

// Reads PATH; kind = nullopt means detect.
Result<Snapshot> read_source(const std::filesystem::path& path,
                             std::optional<SourceKind> kind = std::nullopt);

// The live system: a sysfs root ("/" or a fake tree) read through a root directory fd.
Result<Snapshot> read_sysfs(const std::filesystem::path& root);

// Text parsers, for inputs already in memory. `name` is used in error contexts.
Result<Snapshot> parse_lspci_hex(std::string_view text, std::string_view name);
Result<Snapshot> parse_lspci_verbose(std::string_view text, std::string_view name);

// A snapshot written by `isogroup capture`: a directory or a tar archive of one.
Result<Snapshot> read_snapshot_dir(const std::filesystem::path& dir);
Result<Snapshot> read_snapshot_tar(const std::filesystem::path& tar);

// `isogroup capture -o OUT`: copies the relevant sysfs/proc subset of ROOT into OUT
// (a directory, or a tar archive when OUT ends in .tar). Returns notes for the user.
struct CaptureResult {
  std::filesystem::path output;
  std::size_t functions = 0;
  bool full_config = false;  // every config file was read past 64 bytes
  std::vector<std::string> notes;
};
Result<CaptureResult> capture(const std::filesystem::path& root, const std::filesystem::path& out);

}  // namespace isogroup
