#include "isogroup/sources/snapshot_tar.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "isogroup/sources/read.h"
#include "isogroup/sources/root_dir.h"
#include "snapshot_dir.h"

namespace isogroup {
namespace {

// POSIX.1-1988 ustar header (IEEE Std 1003.1, "pax" rationale, ustar Interchange Format).
constexpr std::size_t kBlock = 512;
struct Field {
  std::size_t offset, size;
};
constexpr Field kName{0, 100}, kMode{100, 8}, kUid{108, 8}, kGid{116, 8}, kSize{124, 12},
    kMtime{136, 12}, kChecksum{148, 8}, kType{156, 1}, kLinkName{157, 100}, kMagic{257, 6},
    kVersion{263, 2}, kUname{265, 32}, kGname{297, 32}, kPrefix{345, 155};
constexpr std::string_view kLongLinkName = "././@LongLink";
constexpr std::size_t kMaxLongName = 4096;  // PATH_MAX: no real name is longer

std::string_view field(std::string_view block, Field f) {
  std::string_view s = block.substr(f.offset, f.size);
  const auto nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// Octal digits, optionally surrounded by spaces and NULs. Base-256 sizes (GNU, for files
// over 8 GiB) are rejected: no snapshot file comes near that.
std::optional<std::uint64_t> parse_octal(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  if (s.empty() || s.size() > 12) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : s) {
    if (c < '0' || c > '7') return std::nullopt;
    value = value * 8 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

bool checksum_ok(std::string_view block) {
  auto stored = parse_octal(block.substr(kChecksum.offset, kChecksum.size));
  if (!stored) return false;
  // The sum is taken with the checksum field read as spaces. Old tars summed signed chars.
  std::uint64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    const bool in_field = i >= kChecksum.offset && i < kChecksum.offset + kChecksum.size;
    const char c = in_field ? ' ' : block[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return *stored == unsigned_sum || static_cast<std::int64_t>(*stored) == signed_sum;
}

// Validates and normalizes an entry name; nullopt when it must be refused.
std::optional<std::string> normalize(std::string_view name) {
  if (name.empty() || name.front() == '/') return std::nullopt;
  std::string out;
  while (!name.empty()) {
    const auto slash = name.find('/');
    const std::string_view part = name.substr(0, slash);
    name = slash == std::string_view::npos ? std::string_view{} : name.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

class TarParser {
 public:
  TarParser(std::string_view archive, std::string_view name, const TarLimits& limits)
      : archive_(archive), name_(name), limits_(limits) {}

  Result<std::vector<TarEntry>> parse() {
    if (archive_.size() > limits_.max_total_bytes) {
      return fail(0, fmt::format("the archive is larger than {} bytes", limits_.max_total_bytes));
    }
    std::vector<TarEntry> entries;
    std::optional<std::string> long_name, long_link;
    std::uint64_t entry_offset = 0;  // where the current entry's first header (maybe 'L') is
    std::uint64_t total = 0;
    std::size_t offset = 0;
    while (offset < archive_.size()) {
      if (archive_.size() - offset < kBlock) return fail(offset, "truncated header");
      const std::string_view block = archive_.substr(offset, kBlock);
      if (std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; })) break;
      if (!long_name && !long_link) entry_offset = offset;
      if (!checksum_ok(block)) return fail(offset, "header checksum mismatch");
      const std::string_view magic = block.substr(kMagic.offset, kMagic.size);
      const bool posix = magic == std::string_view("ustar\0", 6);
      if (!posix && magic != "ustar ") return fail(offset, "not a ustar header (bad magic)");
      const auto size = parse_octal(block.substr(kSize.offset, kSize.size));
      if (!size) return fail(offset, "unreadable size field");
      const std::size_t data_offset = offset + kBlock;
      if (*size > archive_.size() - data_offset) {
        return fail(offset, fmt::format("entry of {} bytes runs past the end of the archive", *size));
      }
      const std::string_view data = archive_.substr(data_offset, static_cast<std::size_t>(*size));
      const std::size_t padded = (static_cast<std::size_t>(*size) + kBlock - 1) / kBlock * kBlock;
      const std::size_t header_offset = offset;
      offset = data_offset + std::min(padded, archive_.size() - data_offset);

      const char type = block[kType.offset];
      if (type == 'L' || type == 'K') {
        if (*size > kMaxLongName) return fail(header_offset, "long name record over 4096 bytes");
        const auto nul = data.find('\0');
        std::string text(nul == std::string_view::npos ? data : data.substr(0, nul));
        (type == 'L' ? long_name : long_link) = std::move(text);
        continue;
      }
      TarEntry entry;
      entry.header_offset = entry_offset;
      switch (type) {
        case '0':
        case '\0': entry.type = TarEntry::Type::kFile; break;
        case '5': entry.type = TarEntry::Type::kDirectory; break;
        case '2': entry.type = TarEntry::Type::kSymlink; break;
        case '1': return fail(header_offset, "hard links are not allowed in a snapshot");
        case '3':
        case '4':
        case '6': return fail(header_offset, "device and FIFO entries are not allowed in a snapshot");
        case 'x':
        case 'g':
          return fail(header_offset, "pax extended headers are not supported",
                      "re-create the archive with `isogroup capture -o FILE.tar` or `tar --format=gnu`");
        default: return fail(header_offset, fmt::format("unsupported entry type '{}'", type));
      }
      std::string raw_name;
      if (long_name) {
        raw_name = std::move(*long_name);
      } else {
        const std::string_view prefix = posix ? field(block, kPrefix) : std::string_view{};
        raw_name = prefix.empty() ? std::string(field(block, kName))
                                  : fmt::format("{}/{}", prefix, field(block, kName));
      }
      long_name.reset();
      auto path = normalize(raw_name);
      if (!path) {
        return fail(header_offset, fmt::format("refused entry name '{}': absolute or with '..'", raw_name));
      }
      entry.path = std::move(*path);
      if (entry.type == TarEntry::Type::kSymlink) {
        entry.link_target = long_link ? std::move(*long_link) : std::string(field(block, kLinkName));
        if (entry.link_target.empty()) return fail(header_offset, "symlink without a target");
      }
      long_link.reset();
      if (entry.path.empty()) {
        if (entry.type == TarEntry::Type::kDirectory) continue;  // "./": the archive root itself
        return fail(header_offset, "entry with an empty name");
      }
      if (entry.type == TarEntry::Type::kFile) {
        total += *size;
        if (total > limits_.max_total_bytes) {
          return fail(header_offset, fmt::format("file data exceeds {} bytes", limits_.max_total_bytes));
        }
        entry.data = std::string(data);
      }
      if (entries.size() >= limits_.max_entries) {
        return fail(header_offset, fmt::format("more than {} entries", limits_.max_entries));
      }
      entries.push_back(std::move(entry));
    }
    if (long_name || long_link) return fail(entry_offset, "long name record without an entry after it");
    return entries;
  }

 private:
  tl::unexpected<Error> fail(std::size_t offset, std::string message,
                             std::string hint = "the archive is damaged or was not written by "
                                                "`isogroup capture`") const {
    return make_error(Errc::kInvalidInput, std::move(message),
                      fmt::format("{}: header at byte {}", name_, offset), std::move(hint));
  }

  std::string_view archive_;
  std::string_view name_;
  const TarLimits& limits_;
};

void put(std::string& block, Field f, std::string_view value) {
  if (value.empty()) return;  // memcpy from a null data() is undefined even for 0 bytes
  std::memcpy(block.data() + f.offset, value.data(), std::min(value.size(), f.size));
}

void put_octal(std::string& block, Field f, std::uint64_t value) {
  put(block, f, fmt::format("{:0{}o}", value, f.size - 1));  // leaves the final NUL
}

std::string header(std::string_view name, char type, std::uint64_t size, unsigned mode,
                   std::int64_t mtime, std::string_view link_name) {
  std::string block(kBlock, '\0');
  put(block, kName, name);
  put_octal(block, kMode, mode);
  put_octal(block, kUid, 0);
  put_octal(block, kGid, 0);
  put_octal(block, kSize, size);
  put_octal(block, kMtime, static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)));
  block[kType.offset] = type;
  put(block, kLinkName, link_name);
  put(block, kMagic, std::string_view("ustar\0", 6));
  put(block, kVersion, "00");
  put(block, kUname, "root");
  put(block, kGname, "root");
  put(block, kChecksum, "        ");
  unsigned sum = 0;
  for (const char c : block) sum += static_cast<unsigned char>(c);
  put(block, kChecksum, fmt::format("{:06o}", sum));  // six digits, NUL, space
  block[kChecksum.offset + 6] = '\0';
  return block;
}

void append_data(std::string& out, std::string_view data) {
  out += data;
  out.append((kBlock - data.size() % kBlock) % kBlock, '\0');
}

void append_long_record(std::string& out, char type, std::string_view text, std::int64_t mtime) {
  out += header(kLongLinkName, type, text.size() + 1, 0644, mtime, {});
  std::string data(text);
  data += '\0';
  append_data(out, data);
}

// Reads a whole regular file, refusing anything larger than `limit`.
Result<std::string> slurp(const std::filesystem::path& path, std::uint64_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_errno_error(err, "cannot open the archive", path.string());
  }
  UniqueFd owned(fd);
  std::string out;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      return make_errno_error(err, "cannot read the archive", path.string());
    }
    if (n == 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > limit) {
      return make_error(Errc::kInvalidInput, fmt::format("the archive is larger than {} bytes", limit),
                        path.string(), "a snapshot archive is a few megabytes at most");
    }
  }
}

// A private directory, removed (without following links) when it goes out of scope.
class TempDir {
 public:
  static Result<TempDir> make() {
    std::error_code ec;
    auto base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "isogroup-snapshot-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      const int err = errno;
      return make_errno_error(err, "cannot create a temporary directory", pattern,
                              "set TMPDIR to a writable directory");
    }
    return TempDir(pattern);
  }
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace

Result<std::vector<TarEntry>> parse_tar(std::string_view archive, std::string_view name,
                                        const TarLimits& limits) {
  return TarParser(archive, name, limits).parse();
}

std::string write_tar(const std::vector<TarEntry>& entries, std::int64_t mtime) {
  std::string out;
  for (const auto& e : entries) {
    std::string name = e.path;
    if (e.type == TarEntry::Type::kDirectory) name += '/';
    if (name.size() > kName.size) append_long_record(out, 'L', name, mtime);
    switch (e.type) {
      case TarEntry::Type::kFile:
        out += header(name, '0', e.data.size(), 0644, mtime, {});
        append_data(out, e.data);
        break;
      case TarEntry::Type::kDirectory: out += header(name, '5', 0, 0755, mtime, {}); break;
      case TarEntry::Type::kSymlink:
        if (e.link_target.size() > kLinkName.size) append_long_record(out, 'K', e.link_target, mtime);
        out += header(name, '2', 0, 0777, mtime, e.link_target);
        break;
    }
  }
  out.append(2 * kBlock, '\0');
  return out;
}

Result<Snapshot> read_snapshot_tar(const std::filesystem::path& tar) {
  const TarLimits limits;
  auto bytes = slurp(tar, limits.max_total_bytes);
  if (!bytes) return tl::unexpected(std::move(bytes.error()));
  auto entries = parse_tar(*bytes, tar.string(), limits);
  if (!entries) return tl::unexpected(std::move(entries.error()));
  auto dir = TempDir::make();
  if (!dir) return tl::unexpected(std::move(dir.error()));
  if (auto written = write_entries(dir->path(), *entries, tar.string()); !written) {
    return tl::unexpected(std::move(written.error()));
  }
  return read_snapshot_tree(dir->path(), SourceKind::kSnapshotTar, tar.string() + ":", tar.string());
}

}  // namespace isogroup
