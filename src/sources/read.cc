// read_source: one entry point for every input kind.
#include "isogroup/sources/read.h"
#include "read_text_file.h"

namespace isogroup {

Result<Snapshot> read_source(const std::filesystem::path& path, std::optional<SourceKind> kind) {
  if (!kind) {
    auto detected = detect_source_kind(path);
    if (!detected) return tl::unexpected(std::move(detected.error()));
    kind = *detected;
  }

  Result<Snapshot> snapshot = [&]() -> Result<Snapshot> {
    switch (*kind) {
      case SourceKind::kLiveSysfs: return read_sysfs(path);
      case SourceKind::kSnapshotDir: return read_snapshot_dir(path);
      case SourceKind::kSnapshotTar: return read_snapshot_tar(path);
      case SourceKind::kLspciHex:
      case SourceKind::kLspciVerbose: {
        auto text = sources_internal::read_whole_file(path);
        if (!text) return tl::unexpected(std::move(text.error()));
        const std::string name = path.string();
        return *kind == SourceKind::kLspciHex ? parse_lspci_hex(*text, name)
                                              : parse_lspci_verbose(*text, name);
      }
    }
    return make_error(Errc::kInternal, "unhandled input kind", path.string());
  }();
  if (!snapshot) return snapshot;
  snapshot->source = path.string();
  snapshot->kind = *kind;
  return snapshot;
}

}  // namespace isogroup
