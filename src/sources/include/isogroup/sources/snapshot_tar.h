// The tar form of a snapshot: a small ustar reader and writer that handle exactly what a
// snapshot holds (directories, regular files, symlinks), with GNU long-name records
// ("././@LongLink", types 'L' and 'K') for names and link targets over 100 bytes.
// The reader treats the archive as hostile: see docs/snapshot-format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/error.h"

namespace isogroup {

struct TarEntry {
  enum class Type { kFile, kDirectory, kSymlink };
  Type type = Type::kFile;
  std::string path;         // relative, normalized: no leading "/", no "." or ".." parts
  std::string data;         // file contents (kFile)
  std::string link_target;  // kSymlink: the link text, kept as written
  std::uint64_t header_offset = 0;  // where the entry's first header starts (reader only)
};

struct TarLimits {
  std::size_t max_entries = 100000;
  std::uint64_t max_total_bytes = 256u << 20;  // of file data, and of the archive itself
};

// Parses an archive held in memory. `name` is used in errors, which also give the byte
// offset of the offending header. Never reads out of bounds, whatever the input.
Result<std::vector<TarEntry>> parse_tar(std::string_view archive, std::string_view name,
                                        const TarLimits& limits = {});

// Writes entries as a ustar archive (mode 0644 files, 0755 directories, owner 0, the given
// mtime), ending with the two zero blocks.
std::string write_tar(const std::vector<TarEntry>& entries, std::int64_t mtime);

// Creates the entries under DIR, which must exist. Never follows a symlink while creating
// (a link entry cannot redirect a later entry outside DIR), never overwrites a file, and
// creates missing parent directories. `origin` names the source in errors.
Status write_entries(const std::filesystem::path& dir, const std::vector<TarEntry>& entries,
                     std::string_view origin);

}  // namespace isogroup
