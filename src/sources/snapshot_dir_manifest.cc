#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "snapshot_dir.h"

namespace isogroup {

std::string manifest_to_json(const SnapshotManifest& m) {
  nlohmann::ordered_json j;
  j["format"] = m.format;
  j["format_version"] = m.format_version;
  j["tool_version"] = m.tool_version;
  j["captured_at"] = m.captured_at;
  j["root"] = m.root;
  j["as_root"] = m.as_root;
  j["uid"] = m.uid;
  j["kernel_log"] = m.kernel_log;
  j["config_bytes"] = nlohmann::ordered_json::object();
  for (const auto& [address, bytes] : m.config_bytes) j["config_bytes"][address] = bytes;
  j["notes"] = m.notes;
  return j.dump(2) + "\n";
}

Result<SnapshotManifest> parse_manifest(std::string_view text, std::string_view origin) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto fail = [&](std::string message) {
    return make_error(Errc::kInvalidInput, std::move(message), std::string(origin),
                      "the snapshot is damaged; capture it again with `isogroup capture`");
  };
  if (j.is_discarded() || !j.is_object()) return fail("the manifest is not a JSON object");
  SnapshotManifest m;
  const auto format = j.find("format");
  if (format == j.end() || !format->is_string() || format->get<std::string>() != kSnapshotFormat) {
    return fail(fmt::format("not an isogroup snapshot manifest (format is not \"{}\")", kSnapshotFormat));
  }
  const auto version = j.find("format_version");
  if (version == j.end() || !version->is_number_integer()) return fail("the manifest has no format_version");
  const auto v = version->get<std::int64_t>();
  if (v < 1 || v > kSnapshotFormatVersion) {
    return make_error(Errc::kUnsupported, fmt::format("snapshot format version {} is not supported", v),
                      std::string(origin), "use the isogroup version that wrote it, or a newer one");
  }
  m.format_version = static_cast<int>(v);
  auto get_string = [&](const char* key, std::string& out) {
    if (auto it = j.find(key); it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  auto get_bool = [&](const char* key, bool& out) {
    if (auto it = j.find(key); it != j.end() && it->is_boolean()) out = it->get<bool>();
  };
  get_string("tool_version", m.tool_version);
  get_string("captured_at", m.captured_at);
  get_string("root", m.root);
  get_bool("as_root", m.as_root);
  get_bool("kernel_log", m.kernel_log);
  if (auto it = j.find("uid"); it != j.end() && it->is_number_unsigned()) {
    m.uid = static_cast<std::uint32_t>(it->get<std::uint64_t>());
  }
  if (auto it = j.find("config_bytes"); it != j.end() && it->is_object()) {
    for (const auto& [address, bytes] : it->items()) {
      if (bytes.is_number_unsigned()) m.config_bytes[address] = bytes.get<std::size_t>();
    }
  }
  if (auto it = j.find("notes"); it != j.end() && it->is_array()) {
    for (const auto& note : *it) {
      if (note.is_string()) m.notes.push_back(note.get<std::string>());
    }
  }
  return m;
}

}  // namespace isogroup
