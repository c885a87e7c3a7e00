// Reading input files of bounded size, for format detection and the text readers.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "isogroup/core/error.h"

namespace isogroup::sources_internal {

// Text inputs larger than this are refused: lspci -vv -xxxx of a large server is a few MiB.
inline constexpr std::size_t kMaxTextInput = 64u << 20;

// Reads at most `limit` bytes from the start of the file (pipes and /proc files too).
Result<std::string> read_file_prefix(const std::filesystem::path& path, std::size_t limit);

// Reads the whole file; an error when it holds more than `limit` bytes.
Result<std::string> read_whole_file(const std::filesystem::path& path,
                                    std::size_t limit = kMaxTextInput);

}  // namespace isogroup::sources_internal
