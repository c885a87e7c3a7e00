// Snapshot directories (manifest, dmesg) and the tar reader against hostile archives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "../../../src/sources/snapshot_dir.h"
#include "fakes/fake_sysfs.h"
#include "fakes/test_data.h"
#include "isogroup/sources/read.h"
#include "isogroup/sources/snapshot_tar.h"

namespace isogroup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FakeSysfs;
using testing::fake_config;
using Type = TarEntry::Type;

constexpr std::string_view kManifest = R"({
  "format": "isogroup-snapshot",
  "format_version": 1,
  "tool_version": "0.1.0",
  "captured_at": "2024-05-01T12:00:00Z",
  "root": "/",
  "as_root": true,
  "uid": 0,
  "kernel_log": true,
  "config_bytes": {"0000:00:00.0": 4096},
  "notes": ["no /sys/class/iommu"]
})";

TEST(SnapshotDirTest, ReadsTreeManifestAndKernelLog) {
  FakeSysfs fake;
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000));
  fake.write_file("isogroup/manifest.json", kManifest);
  fake.write_file("isogroup/dmesg.txt", "DMAR: IOMMU enabled\npci 0000:00:00.0: Adding to iommu group 0\n");
  // A kernel log under dev/ must not be read from a snapshot: only isogroup/dmesg.txt counts.
  fake.write_file("dev/kmsg", "6,1,1,-;DMAR: should not appear\n");
  auto s = read_snapshot_dir(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->kind, SourceKind::kSnapshotDir);
  EXPECT_EQ(s->source, fake.path().string());
  ASSERT_EQ(s->functions.size(), 1u);
  EXPECT_EQ(s->functions[0].vendor_id, 0x8086);
  EXPECT_THAT(s->dmesg, ElementsAre("DMAR: IOMMU enabled", "pci 0000:00:00.0: Adding to iommu group 0"));
  EXPECT_THAT(s->notes, ::testing::Contains("capture: no /sys/class/iommu"));
}

TEST(SnapshotDirTest, ConfigSizeDisagreeingWithManifestIsNoted) {
  FakeSysfs fake;
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000, 256));
  fake.write_file("isogroup/manifest.json", kManifest);  // says 4096
  auto s = read_snapshot_dir(fake.path());
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_THAT(s->notes, ::testing::Contains(HasSubstr("records 4096 config bytes, the file has 256")));
}

TEST(SnapshotDirTest, WithoutManifestIsNotASnapshot) {
  FakeSysfs fake;
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000));
  auto s = read_snapshot_dir(fake.path());
  ASSERT_FALSE(s);
  EXPECT_THAT(s.error().message_, HasSubstr("manifest"));
}

TEST(SnapshotDirTest, ManifestOfAnotherFormatOrVersionIsRefused) {
  FakeSysfs fake;
  fake.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000));
  fake.write_file("isogroup/manifest.json", R"({"format": "something-else", "format_version": 1})");
  auto other = read_snapshot_dir(fake.path());
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code_, Errc::kInvalidInput);

  fake.write_file("isogroup/manifest.json", R"({"format": "isogroup-snapshot", "format_version": 2})");
  auto future = read_snapshot_dir(fake.path());
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code_, Errc::kUnsupported);

  fake.write_file("isogroup/manifest.json", "{not json");
  EXPECT_FALSE(read_snapshot_dir(fake.path()));
}

TEST(SnapshotDirTest, ManifestRoundTrips) {
  SnapshotManifest m;
  m.tool_version = "9.9";
  m.captured_at = "2024-05-01T12:00:00Z";
  m.root = "/";
  m.as_root = false;
  m.uid = 1000;
  m.kernel_log = true;
  m.config_bytes = {{"0000:00:00.0", 64}, {"0000:00:02.0", 64}};
  m.notes = {"a", "b"};
  auto back = parse_manifest(manifest_to_json(m), "test");
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->tool_version, "9.9");
  EXPECT_EQ(back->uid, 1000u);
  EXPECT_FALSE(back->as_root);
  EXPECT_TRUE(back->kernel_log);
  EXPECT_EQ(back->config_bytes, m.config_bytes);
  EXPECT_EQ(back->notes, m.notes);
}

// --- tar ---------------------------------------------------------------------------

std::vector<TarEntry> sample_entries() {
  return {
      {Type::kDirectory, "sys", {}, {}, 0},
      {Type::kFile, "sys/a", "hello", {}, 0},
      {Type::kSymlink, "sys/l", {}, "a", 0},
      {Type::kFile, "sys/empty", "", {}, 0},
  };
}

// Rewrites a header field and fixes the checksum, the way a crafted archive would.
void set_field(std::string& tar, std::size_t header, std::size_t offset, std::size_t size,
               std::string_view value) {
  std::string padded(value);
  padded.resize(size, '\0');
  tar.replace(header + offset, size, padded);
  tar.replace(header + 148, 8, "        ");
  unsigned sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>(tar[header + i]);
  tar.replace(header + 148, 8, fmt::format("{:06o}", sum) + std::string("\0 ", 2));
}

TEST(TarTest, RoundTripsFilesDirectoriesAndLinks) {
  const auto entries = sample_entries();
  const std::string tar = write_tar(entries, 1700000000);
  EXPECT_EQ(tar.size() % 512, 0u);
  auto back = parse_tar(tar, "t.tar");
  ASSERT_TRUE(back) << back.error().to_string();
  ASSERT_EQ(back->size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ((*back)[i].type, entries[i].type);
    EXPECT_EQ((*back)[i].path, entries[i].path);
    EXPECT_EQ((*back)[i].data, entries[i].data);
    EXPECT_EQ((*back)[i].link_target, entries[i].link_target);
  }
  // Header offsets: dir at 0, file at 512 (+1 data block), link at 1536.
  EXPECT_EQ((*back)[1].header_offset, 512u);
  EXPECT_EQ((*back)[2].header_offset, 1536u);
}

TEST(TarTest, LongNamesAndLinkTargetsSurvive) {
  // Deep sysfs paths and link targets pass 100 bytes behind a few switches.
  std::string deep = "sys/devices/pci0000:00";
  std::string target = "..";
  for (int i = 0; i < 12; ++i) {
    deep += fmt::format("/0000:{:02x}:00.0", i + 1);
    target += "/../../..";
  }
  ASSERT_GT(deep.size(), 155u);
  target += "/kernel/iommu_groups/12";
  ASSERT_GT(target.size(), 100u);
  const std::vector<TarEntry> entries = {{Type::kFile, deep + "/config", "x", {}, 0},
                                         {Type::kSymlink, deep + "/iommu_group", {}, target, 0}};
  auto back = parse_tar(write_tar(entries, 0), "t.tar");
  ASSERT_TRUE(back) << back.error().to_string();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].path, deep + "/config");
  EXPECT_EQ((*back)[1].path, deep + "/iommu_group");
  EXPECT_EQ((*back)[1].link_target, target);
  EXPECT_EQ((*back)[0].header_offset, 0u);  // the long-name record is part of the entry
}

TEST(TarTest, BadChecksumNamesArchiveAndOffset) {
  std::string tar = write_tar(sample_entries(), 0);
  tar[512 + 5] ^= 0x20;  // a name byte of the second header
  auto r = parse_tar(tar, "bad.tar");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message_, HasSubstr("checksum"));
  EXPECT_EQ(r.error().context_, "bad.tar: header at byte 512");
}

TEST(TarTest, SizePastTheEndIsRefused) {
  std::string tar = write_tar(sample_entries(), 0);
  set_field(tar, 512, 124, 12, "77777777777");
  auto r = parse_tar(tar, "big.tar");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message_, HasSubstr("past the end"));
  EXPECT_THAT(r.error().context_, HasSubstr("byte 512"));
}

TEST(TarTest, TruncatedHeaderIsRefused) {
  const std::string tar = write_tar(sample_entries(), 0);
  auto r = parse_tar(std::string_view(tar).substr(0, 512 + 100), "cut.tar");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().context_, HasSubstr("byte 512"));
}

TEST(TarTest, EscapingNamesAreRefused) {
  for (const std::string name : {"../x", "sys/../../x", "/etc/passwd", "a/.."}) {
    const std::string tar = write_tar({{Type::kFile, name, "pwned", {}, 0}}, 0);
    auto r = parse_tar(tar, "evil.tar");
    ASSERT_FALSE(r) << name;
    EXPECT_THAT(r.error().message_, HasSubstr("refused entry name")) << name;
  }
  // "./" prefixes are harmless and normalized away.
  auto ok = parse_tar(write_tar({{Type::kFile, "./sys/./a", "x", {}, 0}}, 0), "ok.tar");
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ((*ok)[0].path, "sys/a");
}

TEST(TarTest, HardLinksDevicesAndPaxAreRefused) {
  for (const char type : {'1', '3', '4', '6', 'x'}) {
    std::string tar = write_tar({{Type::kFile, "sys/a", "", {}, 0}}, 0);
    set_field(tar, 0, 156, 1, std::string(1, type));
    auto r = parse_tar(tar, "t.tar");
    ASSERT_FALSE(r) << type;
    EXPECT_EQ(r.error().context_, "t.tar: header at byte 0") << type;
  }
}

TEST(TarTest, EntryAndSizeLimits) {
  const std::string tar = write_tar(sample_entries(), 0);
  TarLimits few;
  few.max_entries = 3;
  EXPECT_FALSE(parse_tar(tar, "t.tar", few));
  TarLimits small;
  small.max_total_bytes = tar.size() - 1;
  EXPECT_FALSE(parse_tar(tar, "t.tar", small));
  TarLimits enough;
  enough.max_entries = 4;
  enough.max_total_bytes = tar.size();
  EXPECT_TRUE(parse_tar(tar, "t.tar", enough));
}

TEST(TarTest, ReadsArchivesWrittenByGnuTar) {
  // Made with `tar --format=gnu` from a tree with a 7-switch-deep function: GNU tar puts
  // the long name and the long link target in ././@LongLink records.
  const std::string tar = testing::read_test_file("tar/gnu_long_names.tar");
  ASSERT_FALSE(tar.empty());
  auto entries = parse_tar(tar, "gnu_long_names.tar");
  ASSERT_TRUE(entries) << entries.error().to_string();
  const std::string deep =
      "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0/0000:03:00.0/0000:04:01.0/0000:05:00.0/"
      "0000:06:02.0/0000:07:00.0/0000:08:03.0/iommu_group";
  const auto it = std::find_if(entries->begin(), entries->end(), [&](const TarEntry& e) { return e.path == deep; });
  ASSERT_NE(it, entries->end());
  EXPECT_EQ(it->type, Type::kSymlink);
  EXPECT_EQ(it->link_target, "../../../../../../../../../../../../../../kernel/iommu_groups/12");
}

TEST(TarTest, SeedArchivesAreValidSnapshots) {
  auto snap = read_snapshot_tar(testing::test_data_dir() / "tar/capture_small.tar");
  ASSERT_TRUE(snap) << snap.error().to_string();
  ASSERT_EQ(snap->functions.size(), 1u);
  EXPECT_EQ(snap->functions[0].vendor_id, 0x144d);
  EXPECT_EQ(snap->functions[0].sysfs_parent, Bdf::make(0, 0, 0x1c, 0));
  EXPECT_EQ(snap->privileged, Tristate::kFalse);
}

// A temp directory for the extraction tests, with a sibling "outside" that must stay empty.
class ExtractTest : public ::testing::Test {
 protected:
  FakeSysfs dir_;       // only used as a scratch directory
  FakeSysfs outside_;
};

TEST_F(ExtractTest, SymlinkThenFileThroughItDoesNotWriteOutside) {
  const std::string out = "../" + outside_.path().filename().string();
  const std::vector<TarEntry> entries = {{Type::kSymlink, "sys", {}, outside_.path().string(), 0},
                                         {Type::kFile, "sys/pwned", "x", {}, 512}};
  auto r = write_entries(dir_.path() / "x", entries, "evil.tar");
  EXPECT_FALSE(r);  // the directory x does not exist yet
  std::filesystem::create_directory(dir_.path() / "x");
  r = write_entries(dir_.path() / "x", entries, "evil.tar");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().context_, HasSubstr("evil.tar: header at byte 512"));
  EXPECT_FALSE(std::filesystem::exists(outside_.path() / "pwned"));

  // The same with a relative link and a directory entry in between.
  const std::vector<TarEntry> relative = {{Type::kSymlink, "up", {}, out, 0},
                                          {Type::kDirectory, "up/d", {}, {}, 512},
                                          {Type::kFile, "up/d/pwned", "x", {}, 1024}};
  EXPECT_FALSE(write_entries(dir_.path(), relative, "evil.tar"));
  EXPECT_FALSE(std::filesystem::exists(outside_.path() / "d"));
}

TEST_F(ExtractTest, FileOverAnExistingLinkIsNotWrittenThrough) {
  const std::vector<TarEntry> entries = {
      {Type::kSymlink, "f", {}, (outside_.path() / "target").string(), 0},
      {Type::kFile, "f", "x", {}, 512}};
  EXPECT_FALSE(write_entries(dir_.path(), entries, "evil.tar"));
  EXPECT_FALSE(std::filesystem::exists(outside_.path() / "target"));
}

TEST_F(ExtractTest, HostileArchiveThroughReadSnapshotTar) {
  const std::vector<TarEntry> entries = {{Type::kSymlink, "sys", {}, outside_.path().string(), 0},
                                         {Type::kFile, "sys/pwned", "x", {}, 0}};
  const auto path = dir_.path() / "evil.tar";
  {
    std::ofstream(path, std::ios::binary) << write_tar(entries, 0);
  }
  auto r = read_snapshot_tar(path);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().context_, HasSubstr(path.string()));
  EXPECT_FALSE(std::filesystem::exists(outside_.path() / "pwned"));
}

}  // namespace
}  // namespace isogroup
