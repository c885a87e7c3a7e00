#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "fakes/test_data.h"
#include "isogroup/sources/read.h"

namespace isogroup {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A fresh directory per test, removed afterwards.
class DetectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("isogroup-detect-") + info->name() + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  fs::path dir_;
};

std::vector<fs::path> hex_dumps() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(testing::test_data_dir() / "lspci_hex")) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Detect, RealLspciVerboseFilesAreVerbose) {
  const auto corpus = testing::linuxhw_corpus();
  ASSERT_GE(corpus.size(), 30u);
  for (const auto& file : corpus) {
    auto kind = detect_source_kind(file);
    ASSERT_TRUE(kind.has_value()) << file << ": " << kind.error().to_string();
    EXPECT_EQ(*kind, SourceKind::kLspciVerbose) << file;
  }
}

// Including lspci-vvnn-xxxx.txt: decoded text first, then the rows; the bytes win.
TEST(Detect, HexDumpsAreHex) {
  const auto dumps = hex_dumps();
  ASSERT_GE(dumps.size(), 8u);
  for (const auto& file : dumps) {
    auto kind = detect_source_kind(file);
    ASSERT_TRUE(kind.has_value()) << file << ": " << kind.error().to_string();
    EXPECT_EQ(*kind, SourceKind::kLspciHex) << file;
  }
}

// pciutils' own decoding of the dumps (plain lspci -vv text) is verbose text.
TEST(Detect, LspciOracleOutputIsVerbose) {
  for (const auto& entry : fs::directory_iterator(testing::test_data_dir() / "lspci_hex" / "oracle")) {
    auto kind = detect_source_kind(entry.path());
    ASSERT_TRUE(kind.has_value()) << entry.path();
    EXPECT_EQ(*kind, SourceKind::kLspciVerbose) << entry.path();
  }
}

TEST_F(DetectTest, TextKinds) {
  // Plain `lspci -n`: header lines only.
  EXPECT_EQ(detect_source_kind(write("plain", "00:00.0 0600: 8086:0d57\n00:01.0 ffff: 1af4:1045\n")),
            SourceKind::kLspciVerbose);
  EXPECT_EQ(detect_source_kind(write("one", "00:00.0 Host bridge: Intel\n")), SourceKind::kLspciVerbose);
  // The stderr of lspci captured in front, Windows line ends.
  EXPECT_EQ(detect_source_kind(write("crlf", "lspci: Unable to load libkmod resources\r\n\r\n"
                                              "10000:e0:06.0 PCI bridge\r\n00: 86 80\r\n")),
            SourceKind::kLspciHex);
  // A first block longer than what detection reads is still verbose text.
  std::string long_block = "00:00.0 Host bridge\n";
  while (long_block.size() < 100 * 1024) long_block += "\tCapabilities: [40] Vendor Specific\n";
  EXPECT_EQ(detect_source_kind(write("long", long_block)), SourceKind::kLspciVerbose);
}

TEST_F(DetectTest, Directories) {
  fs::create_directories(dir_ / "root" / "sys" / "bus" / "pci" / "devices");
  EXPECT_EQ(detect_source_kind(dir_ / "root"), SourceKind::kLiveSysfs);

  write("snap/isogroup/manifest.json", "{}");
  fs::create_directories(dir_ / "snap" / "sys" / "bus" / "pci");
  EXPECT_EQ(detect_source_kind(dir_ / "snap"), SourceKind::kSnapshotDir);

  fs::create_directories(dir_ / "empty");
  auto empty = detect_source_kind(dir_ / "empty");
  ASSERT_FALSE(empty.has_value());
  EXPECT_THAT(empty.error().hint_, HasSubstr("sys/bus/pci"));
}

// POSIX ustar: "ustar" at offset 257 of the first header block.
TEST_F(DetectTest, TarArchive) {
  std::string block(1024, '\0');
  block.replace(0, 13, "isogroup/x.js");
  block.replace(257, 6, std::string("ustar\0", 6));
  block.replace(263, 2, "00");
  EXPECT_EQ(detect_source_kind(write("s.tar", block)), SourceKind::kSnapshotTar);
}

TEST_F(DetectTest, UnknownInputsExplainWhatIsAccepted) {
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"garbage", "this is not lspci output\n00:00.0 Host bridge\n"},
      {"binary", std::string("\x7f" "ELF\0\0\0", 7)},
      {"empty", ""},
      {"rows-first", "00: 86 80 57 0d\n"},
      {"details-first", "\tSubsystem: x\n00:00.0 Host\n"},
      {"tree", "-[0000:00]-+-00.0  Intel Corporation Device 0d57\n"},
  };
  for (const auto& [name, content] : inputs) {
    SCOPED_TRACE(name);
    auto kind = detect_source_kind(write(name, content));
    ASSERT_FALSE(kind.has_value());
    EXPECT_EQ(kind.error().code_, Errc::kInvalidInput);
    EXPECT_EQ(kind.error().context_, (dir_ / name).string());
    EXPECT_THAT(kind.error().hint_, HasSubstr("lspci -xxxx"));
    EXPECT_THAT(kind.error().hint_, HasSubstr("lspci -vvnn"));
    EXPECT_THAT(kind.error().hint_, HasSubstr("isogroup capture"));
  }
  auto missing = detect_source_kind(dir_ / "does-not-exist");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code_, Errc::kNotFound);
}

}  // namespace
}  // namespace isogroup
