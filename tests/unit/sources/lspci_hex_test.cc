#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "fakes/test_data.h"
#include "isogroup/sources/read.h"

namespace isogroup {
namespace {

using ::testing::HasSubstr;
using testing::read_test_file;

Snapshot parse_ok(std::string_view text, std::string_view name = "dump") {
  auto snapshot = parse_lspci_hex(text, name);
  EXPECT_TRUE(snapshot.has_value()) << (snapshot ? "" : snapshot.error().to_string());
  return snapshot ? std::move(*snapshot) : Snapshot{};
}

Error parse_error(std::string_view text, std::string_view name = "dump") {
  auto snapshot = parse_lspci_hex(text, name);
  EXPECT_FALSE(snapshot.has_value()) << "parsed:\n" << text;
  return snapshot ? Error{} : snapshot.error();
}

constexpr Bdf kHostBridge = Bdf::make(0, 0, 0, 0);
constexpr Bdf kBalloon = Bdf::make(0, 0, 1, 0);

// pciutils: -x dumps the standard header (64 bytes), -xxx the whole conventional space
// (256), -xxxx the extended space (4096) of functions that have it. On the machine the
// dumps come from, only the host bridge has 4096 bytes (see README.md).
TEST(LspciHex, KnownBytesFollowTheDumpOption) {
  struct Case {
    const char* file;
    std::size_t host_bridge, others;
  };
  for (const Case c : {Case{"lspci-x.txt", 64, 64}, Case{"lspci-xxx.txt", 256, 256},
                       Case{"lspci-nk-xxx.txt", 256, 256}, Case{"lspci-xxxx.txt", 4096, 256},
                       Case{"lspci-D-xxxx.txt", 4096, 256}, Case{"lspci-vvnn-xxxx.txt", 4096, 256}}) {
    SCOPED_TRACE(c.file);
    const Snapshot s = parse_ok(read_test_file(std::string("lspci_hex/") + c.file), c.file);
    ASSERT_EQ(s.functions.size(), 6u);
    for (const auto& f : s.functions) {
      const std::size_t want = f.address == kHostBridge ? c.host_bridge : c.others;
      EXPECT_EQ(f.config.known_prefix(), want) << f.address.to_string();
      EXPECT_FALSE(f.config.is_known(want)) << f.address.to_string();
    }
    EXPECT_EQ(s.kind, SourceKind::kLspciHex);
    EXPECT_EQ(s.source, c.file);
    EXPECT_EQ(s.privileged, c.others > 64 ? Tristate::kTrue : Tristate::kUnknown);
  }
}

// The same machine dumped with different options: the bytes they share must agree.
TEST(LspciHex, DumpsOfOneMachineAgree) {
  const Snapshot full = parse_ok(read_test_file("lspci_hex/lspci-xxxx.txt"));
  for (const char* file : {"lspci-x.txt", "lspci-xxx.txt", "lspci-D-xxxx.txt", "lspci-vvnn-xxxx.txt"}) {
    SCOPED_TRACE(file);
    const Snapshot other = parse_ok(read_test_file(std::string("lspci_hex/") + file));
    ASSERT_EQ(other.functions.size(), full.functions.size());
    for (std::size_t i = 0; i < full.functions.size(); ++i) {
      const auto& a = full.functions[i];
      const auto& b = other.functions[i];
      EXPECT_EQ(a.address, b.address);
      for (std::size_t offset = 0; offset < pci::ConfigSpace::kMaxSize; ++offset) {
        if (b.config.is_known(offset)) {
          ASSERT_EQ(a.config.read8(offset), b.config.read8(offset))
              << a.address.to_string() << " offset " << offset;
        }
      }
    }
  }
}

TEST(LspciHex, HeaderTextBecomesTheName) {
  const Snapshot s = parse_ok(read_test_file("lspci_hex/lspci-x.txt"));
  ASSERT_FALSE(s.functions.empty());
  EXPECT_EQ(s.functions[0].name, "Host bridge: Intel Corporation Device 0d57");
  EXPECT_EQ(s.functions[0].origin, "dump:1");
  EXPECT_EQ(s.functions[1].origin, "dump:7");
  // The bytes are the facts; nothing is restated as an override.
  EXPECT_FALSE(s.functions[0].vendor_id.has_value());
  EXPECT_FALSE(s.functions[0].class_code.has_value());
}

TEST(LspciHex, PlainDumpSaysNothingAboutDriversOrGroups) {
  const Snapshot s = parse_ok(read_test_file("lspci_hex/lspci-xxxx.txt"));
  EXPECT_FALSE(s.has_kernel_groups);
  EXPECT_TRUE(s.kernel_groups.empty());
  for (const auto& f : s.functions) {
    EXPECT_FALSE(f.driver.has_value());
    EXPECT_FALSE(f.iommu_group.has_value());
  }
  EXPECT_THAT(s.notes, ::testing::Contains(HasSubstr("driver")));
}

// lspci -k/-v on the live machine prints "Kernel driver in use:" for each bound function:
// the virtio functions have one in the file, the host bridge has none.
TEST(LspciHex, CombinedDumpGivesDrivers) {
  for (const char* file : {"lspci-vvnn-xxxx.txt", "lspci-nk-xxx.txt"}) {
    SCOPED_TRACE(file);
    const Snapshot s = parse_ok(read_test_file(std::string("lspci_hex/") + file));
    ASSERT_EQ(s.functions.size(), 6u);
    for (const auto& f : s.functions) {
      ASSERT_TRUE(f.driver.has_value()) << f.address.to_string();
      EXPECT_EQ(*f.driver, f.address == kHostBridge ? "" : "virtio-pci") << f.address.to_string();
    }
    EXPECT_FALSE(s.has_kernel_groups);
  }
}

TEST(LspciHex, CombinedDumpGivesIommuGroups) {
  const Snapshot s = parse_ok(
      "00:00.0 Host bridge [0600]: Intel Corporation Device [8086:0d57]\n"
      "\tIOMMU group: 4\n"
      "00: 86 80 57 0d 00 00 00 00 00 00 00 06 00 00 00 00\n"
      "\n"
      "00:01.0 Unassigned class [ffff]: Red Hat, Inc. Virtio 1.0 memory balloon [1af4:1045]\n"
      "\tIOMMU group: 1\n"
      "\tKernel driver in use: virtio-pci\n"
      "00: f4 1a 45 10 06 04 10 00 01 00 ff ff 00 00 00 00\n"
      "\n"
      "00:02.0 Unassigned class [ffff]: Red Hat, Inc. Virtio 1.0 [1af4:1042]\n"
      "\tIOMMU group: 4\n"
      "00: f4 1a 42 10 06 04 10 00 01 00 80 01 00 00 00 00\n");
  EXPECT_TRUE(s.has_kernel_groups);
  ASSERT_EQ(s.kernel_groups.size(), 2u);
  EXPECT_EQ(s.kernel_groups[0].id, 1);
  EXPECT_EQ(s.kernel_groups[0].devices, std::vector<Bdf>{kBalloon});
  EXPECT_EQ(s.kernel_groups[1].id, 4);
  EXPECT_EQ(s.kernel_groups[1].devices, (std::vector<Bdf>{kHostBridge, Bdf::make(0, 0, 2, 0)}));
  ASSERT_EQ(s.functions.size(), 3u);
  EXPECT_EQ(s.functions[0].iommu_group, 4);
  EXPECT_EQ(s.functions[1].driver, "virtio-pci");
  EXPECT_EQ(s.functions[0].driver, "");
}

TEST(LspciHex, DomainsAboveFfff) {
  const Snapshot s = parse_ok(read_test_file("lspci_hex/synthetic-vmd-D-xxxx.txt"));
  ASSERT_EQ(s.functions.size(), 3u);
  EXPECT_EQ(s.functions[0].address, Bdf::make(0, 0, 0x0e, 0));
  EXPECT_EQ(s.functions[1].address, Bdf::make(0x10000, 0xe0, 0x06, 0));
  EXPECT_EQ(s.functions[2].address, Bdf::make(0x10000, 0xe1, 0x00, 0));
  EXPECT_EQ(s.functions[1].config.known_prefix(), 4096u);
  // The synthetic root port's ACS capability sits at 0x148 (make_synthetic.py).
  EXPECT_EQ(s.functions[1].config.read16(0x148), 0x000d);
}

// synthetic-truncated.txt: the port lacks row 0x80 and everything from 0x100; the disk
// has 64 bytes. Missing rows stay unknown, the rows after a gap stay known.
TEST(LspciHex, TruncatedDumpKeepsExactlyTheGivenBytes) {
  const Snapshot s = parse_ok(read_test_file("lspci_hex/synthetic-truncated.txt"), "t.txt");
  ASSERT_EQ(s.functions.size(), 2u);
  const auto& port = s.functions[0].config;
  EXPECT_EQ(port.known_prefix(), 0x80u);
  EXPECT_FALSE(port.is_known(0x80, 16));
  EXPECT_FALSE(port.read8(0x8f).has_value());
  EXPECT_TRUE(port.is_known(0x90, 0x70));
  EXPECT_FALSE(port.is_known(0x100));
  EXPECT_EQ(s.functions[1].config.known_prefix(), 64u);
  EXPECT_THAT(s.notes, ::testing::Contains(HasSubstr("between 0x80 and 0x100")));
  EXPECT_THAT(s.notes, ::testing::Contains(HasSubstr("64 bytes")));
}

TEST(LspciHex, FunctionWithoutRowsIsKeptUnknown) {
  const Snapshot s = parse_ok(
      "00:00.0 Host bridge\n"
      "00: 86 80 57 0d 00 00 00 00 00 00 00 06 00 00 00 00\n"
      "\n"
      "00:01.0 Something\n");
  ASSERT_EQ(s.functions.size(), 2u);
  EXPECT_TRUE(s.functions[1].config.empty());
  EXPECT_THAT(s.notes, ::testing::Contains(HasSubstr("0000:00:01.0")));
}

TEST(LspciHex, ToleratesCrLfShortRowsAndLspciMessages) {
  const Snapshot s = parse_ok(
      "lspci: Unable to load libkmod resources: error -2\r\n"
      "0000:00:1f.3 0403: 8086:a348\r\n"
      "00: 86 80 48 a3 06 04 10 00 10 00 03 04 00 00 00 00 \r\n"
      "10: 04 00\r\n");
  ASSERT_EQ(s.functions.size(), 1u);
  EXPECT_EQ(s.functions[0].address, Bdf::make(0, 0, 0x1f, 3));
  EXPECT_EQ(s.functions[0].config.read16(0x02), 0xa348);
  EXPECT_EQ(s.functions[0].config.known_prefix(), 0x12u);
  EXPECT_THAT(s.notes, ::testing::Contains(HasSubstr("libkmod")));
}

TEST(LspciHex, ErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* context;
    const char* message;
  };
  const Case cases[] = {
      {"00: 86 80 57 0d\n", "d.txt:1", "outside a function"},
      {"00:00.0 Host\n00: 86 80\n\n00: 00 00\n", "d.txt:4", "outside a function"},
      {"00:00.0 Host\n00: 86 8g 57 0d\n", "d.txt:2", "'8g' is not a hex byte"},
      {"00:00.0 Host\n00: 86 8\n", "d.txt:2", "'8' is not a hex byte"},
      {"00:00.0 Host\n00: 86 80 zz\n", "d.txt:2", "not a hex byte"},
      {"00:00.0 Host\n1000: 00 00\n", "d.txt:2", "beyond"},
      {"00:00.0 Host\nffffffffffffffffffff: 00\n", "d.txt:2", "beyond"},
      {"00:00.0 Host\nff8: 00 00 00 00 00 00 00 00 00 00\n", "d.txt:2", "runs past"},
      {"00:00.0 Host\n00: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n", "d.txt:2",
       "more than 16"},
      {"00:00.0 Host\n00:\n", "d.txt:2", "no bytes"},
      {"00:00.0 Host\n00: 86 80\n00: 86 80\n", "d.txt:3", "given twice"},
      {"00:00.0 A\n00: 00\n\n00:00.0 B\n00: 00\n", "d.txt:4", "appears twice (first at d.txt:1)"},
      // The same function with and without its domain.
      {"0000:00:00.0 A\n00: 00\n\n00:00.0 B\n00: 00\n", "d.txt:4", "appears twice"},
      {"00:1g.0 Host\n00: 00\n", "d.txt:1", "not a function address"},
      {"00:00.0 Host\n00: 00\n\n00:20.0 Bad device\n", "d.txt:4", "not a function address"},
      {"00:00.0/01:00.0 Path\n00: 00\n", "d.txt:1", "not a function address"},
      {"Hello world\n", "d.txt:1", "not a function address"},
      {"00:00.0 Host\n\tIOMMU group: x\n00: 00\n", "d.txt:2", "not an IOMMU group number"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const Error e = parse_error(c.text, "d.txt");
    EXPECT_EQ(e.context_, c.context);
    EXPECT_THAT(e.message_, HasSubstr(c.message));
  }
}

TEST(LspciHex, InputsThatAreNotHexDumps) {
  const Error empty = parse_error("", "e.txt");
  EXPECT_EQ(empty.context_, "e.txt");
  EXPECT_FALSE(empty.hint_.empty());
  // lspci -vv without -x: headers and details, no rows.
  const Error verbose = parse_error("00:00.0 Host bridge\n\tControl: I/O-\n\n00:01.0 Other\n", "v.txt");
  EXPECT_THAT(verbose.message_, HasSubstr("no hex rows"));
  EXPECT_THAT(verbose.hint_, HasSubstr("lspci -xxxx"));
  const Error header_error = parse_error("zz:00.0 Host\n", "h.txt");
  EXPECT_FALSE(header_error.hint_.empty());
}

// Every cut of a real dump is either a dump (possibly with fewer bytes) or an error;
// never a crash, and the known bytes never exceed what the text holds.
TEST(LspciHex, EveryPrefixOfARealDumpParsesOrFails) {
  const std::string text = read_test_file("lspci_hex/lspci-vvnn-xxxx.txt").substr(0, 3000);
  for (std::size_t n = 0; n <= text.size(); ++n) {
    auto s = parse_lspci_hex(std::string_view(text).substr(0, n), "cut");
    if (s) {
      ASSERT_EQ(s->functions.size(), 1u);
    }
  }
}

}  // namespace
}  // namespace isogroup
