#include "isogroup/snapshot/snapshot.h"

namespace isogroup {

std::string_view to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::kLiveSysfs: return "sysfs";
    case SourceKind::kSnapshotDir: return "snapshot directory";
    case SourceKind::kSnapshotTar: return "snapshot archive";
    case SourceKind::kLspciHex: return "lspci hex dump";
    case SourceKind::kLspciVerbose: return "lspci -vv text";
  }
  return "unknown";
}

}  // namespace isogroup
