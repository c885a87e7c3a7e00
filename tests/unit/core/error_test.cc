#include "isogroup/core/error.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

namespace isogroup {
namespace {

Result<int> fails() {
  return make_error(Errc::kInvalidInput, "bad header", "config:0x0e", "capture it again as root");
}

TEST(Error, MakeErrorCarriesEveryPart) {
  const auto r = fails();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code_, Errc::kInvalidInput);
  EXPECT_EQ(r.error().message_, "bad header");
  EXPECT_EQ(r.error().context_, "config:0x0e");
  EXPECT_EQ(r.error().hint_, "capture it again as root");
  EXPECT_EQ(r.error().errno_, 0);
}

TEST(Error, ToStringPutsContextFirstAndLeavesHintOut) {
  const auto r = fails();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().to_string(), "config:0x0e: bad header");
}

TEST(Error, ToStringWithoutContextIsTheMessage) {
  const Error e{Errc::kNotFound, "no such function", {}, {}, 0};
  EXPECT_EQ(e.to_string(), "no such function");
}

TEST(Error, ErrnoAddsTheSystemMessage) {
  const auto e = make_errno_error(EIO, "read failed", "/sys/bus/pci/devices/0000:00:00.0/config");
  EXPECT_EQ(e.value().code_, Errc::kIo);
  EXPECT_EQ(e.value().errno_, EIO);
  EXPECT_EQ(e.value().to_string(), std::string("/sys/bus/pci/devices/0000:00:00.0/config: read failed (") +
                                       std::strerror(EIO) + ")");
}

TEST(Error, ErrnoPicksTheCodeACallerActsOn) {
  EXPECT_EQ(make_errno_error(EACCES, "x").value().code_, Errc::kPermission);
  EXPECT_EQ(make_errno_error(EPERM, "x").value().code_, Errc::kPermission);
  EXPECT_EQ(make_errno_error(ENOENT, "x").value().code_, Errc::kNotFound);
  EXPECT_EQ(make_errno_error(EBUSY, "x").value().code_, Errc::kIo);
}

TEST(Error, WithContextNestsOutermostFirst) {
  Error e = std::move(fails().error()).with_context("snapshot.tar");
  EXPECT_EQ(e.context_, "snapshot.tar: config:0x0e");
  EXPECT_EQ(e.to_string(), "snapshot.tar: config:0x0e: bad header");
  Error bare{Errc::kInternal, "m", {}, {}, 0};
  Error placed = std::move(bare).with_context("here");
  EXPECT_EQ(placed.context_, "here");
}

TEST(Error, WithHintReplacesTheHint) {
  Error e = std::move(fails().error()).with_hint("run as root");
  EXPECT_EQ(e.hint_, "run as root");
  EXPECT_EQ(e.to_string(), "config:0x0e: bad header");  // the hint is printed apart
}

TEST(Error, EveryCodeHasItsOwnName) {
  std::set<std::string_view> names;
  for (Errc c : {Errc::kInvalidInput, Errc::kInconsistent, Errc::kNotFound, Errc::kIo,
                 Errc::kPermission, Errc::kUnsupported, Errc::kRefused, Errc::kInternal}) {
    EXPECT_FALSE(to_string(c).empty());
    names.insert(to_string(c));
  }
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(to_string(Errc::kPermission), "permission denied");
}

TEST(Error, StatusCarriesNoValue) {
  Status ok{};
  EXPECT_TRUE(ok);
  Status bad = make_error(Errc::kRefused, "group not viable");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code_, Errc::kRefused);
}

}  // namespace
}  // namespace isogroup
