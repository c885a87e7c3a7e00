#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "fakes/test_data.h"
#include "isogroup/sources/read.h"

namespace isogroup {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ReadSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("isogroup-read-") + info->name() + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(ReadSource, HexDumpIsDetectedAndRead) {
  const fs::path dump = testing::test_data_dir() / "lspci_hex" / "lspci-D-xxxx.txt";
  auto snapshot = read_source(dump);
  ASSERT_TRUE(snapshot.has_value()) << snapshot.error().to_string();
  EXPECT_EQ(snapshot->kind, SourceKind::kLspciHex);
  EXPECT_EQ(snapshot->source, dump.string());
  ASSERT_EQ(snapshot->functions.size(), 6u);
  // Origins point into the file the user named.
  EXPECT_EQ(snapshot->functions[0].origin, dump.string() + ":1");
}

TEST(ReadSource, VerboseTextIsDetectedAndRead) {
  const auto corpus = testing::linuxhw_corpus();
  ASSERT_FALSE(corpus.empty());
  auto snapshot = read_source(corpus.front());
  ASSERT_TRUE(snapshot.has_value()) << snapshot.error().to_string();
  EXPECT_EQ(snapshot->kind, SourceKind::kLspciVerbose);
  EXPECT_EQ(snapshot->source, corpus.front().string());
  EXPECT_FALSE(snapshot->functions.empty());
}

// A forced kind is obeyed, not second-guessed: verbose text read as a hex dump fails with
// the hex reader's own explanation.
TEST(ReadSource, ForcedKindIsObeyed) {
  const auto corpus = testing::linuxhw_corpus();
  ASSERT_FALSE(corpus.empty());
  auto snapshot = read_source(corpus.front(), SourceKind::kLspciHex);
  ASSERT_FALSE(snapshot.has_value());
  EXPECT_THAT(snapshot.error().message_, HasSubstr("no hex rows"));
}

TEST_F(ReadSourceTest, SysfsRootGoesToTheSysfsReader) {
  fs::create_directories(dir_ / "sys" / "bus" / "pci" / "devices");
  auto snapshot = read_source(dir_);
  if (snapshot) {
    EXPECT_EQ(snapshot->kind, SourceKind::kLiveSysfs);
    EXPECT_EQ(snapshot->source, dir_.string());
  } else {
    // The sysfs reader may refuse an empty tree, but detection must have passed.
    EXPECT_THAT(snapshot.error().message_, ::testing::Not(HasSubstr("cannot tell what kind")));
  }
}

TEST_F(ReadSourceTest, GarbageFailsWithAHint) {
  const fs::path path = dir_ / "garbage.bin";
  std::ofstream(path) << "GARBAGE\n";
  auto snapshot = read_source(path);
  ASSERT_FALSE(snapshot.has_value());
  EXPECT_EQ(snapshot.error().context_, path.string());
  EXPECT_THAT(snapshot.error().hint_, HasSubstr("lspci"));
}

TEST_F(ReadSourceTest, TextInputsAreSizeCapped) {
  const fs::path path = dir_ / "huge.txt";
  { std::ofstream(path) << "00:00.0 Host\n"; }
  fs::resize_file(path, (64u << 20) + 1);  // sparse: no disk used
  auto snapshot = read_source(path, SourceKind::kLspciHex);
  ASSERT_FALSE(snapshot.has_value());
  EXPECT_EQ(snapshot.error().code_, Errc::kUnsupported);
  EXPECT_THAT(snapshot.error().message_, HasSubstr("larger than 64 MiB"));
}

TEST_F(ReadSourceTest, DirectoryForcedAsTextFails) {
  auto snapshot = read_source(dir_, SourceKind::kLspciVerbose);
  ASSERT_FALSE(snapshot.has_value());
  EXPECT_EQ(snapshot.error().context_, dir_.string());
}

TEST_F(ReadSourceTest, MissingFile) {
  auto snapshot = read_source(dir_ / "nope.txt");
  ASSERT_FALSE(snapshot.has_value());
  EXPECT_EQ(snapshot.error().code_, Errc::kNotFound);
}

}  // namespace
}  // namespace isogroup
