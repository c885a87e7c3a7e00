// `isogroup vfio-check` against a FakeKernel sysfs tree and the stateful FakeVfio: what it
// compares, what it reports, and which exit status each outcome gets.
#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "cmd_vfio_check.h"
#include "fakes/fake_kernel.h"
#include "fakes/fake_vfio.h"

namespace isogroup {
namespace {

constexpr const char* kAddress = "0000:00:03.0";

struct Machine {
  testing::FakeKernel kernel;
  std::shared_ptr<testing::FakeVfio> vfio = std::make_shared<testing::FakeVfio>();
  std::vector<std::uint8_t> config = testing::fake_config(0x8086, 0x10d3, 0x020000, 256);

  // One e1000e function, already on vfio-pci, alone in IOMMU group 3; VFIO sees CONFIG
  // after EDIT (what vfio-pci's virtualisation would change).
  explicit Machine(const std::function<void(std::vector<std::uint8_t>&)>& edit = {},
                   std::vector<std::string> vfio_blockers = {}) {
    config[0x2c] = 0x86;  // subsystem vendor 8086, subsystem 0001: not zero, so a swap shows
    config[0x2d] = 0x80;
    config[0x2e] = 0x01;
    config[0x10] = 0x00;  // BAR0 at 0xfebc0000
    config[0x12] = 0xbc;
    config[0x13] = 0xfe;
    kernel.add_function(kAddress, "root", config,
                        testing::FakeFunctionOptions().with_driver("vfio-pci").in_group(3), "e1000e");
    kernel.sysfs().add_iommu_unit("dmar0");
    testing::FakeVfioDevice device = testing::fake_pci_function(kAddress, 0x8086, 0x10d3);
    device.config = config;
    if (edit) edit(device.config);
    vfio->add_group({3, false, std::move(vfio_blockers), {device}});
  }

  std::pair<int, std::string> run(bool json = true) {
    cli::VfioCheckOptions options;
    options.target = kAddress;
    options.sysfs = kernel.root().string();
    options.json = json;
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    const int status = cli::run_vfio_check(options, vfio);
    std::string out = ::testing::internal::GetCapturedStdout();
    out += ::testing::internal::GetCapturedStderr();
    return {status, out};
  }
};

TEST(CliVfioCheck, IdenticalConfigMapsDmaAndExitsZero) {
  Machine m;
  const auto [status, out] = m.run();
  ASSERT_EQ(status, 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["group"]["number"], 3);
  EXPECT_EQ(j["group"]["computed_viable"], "yes");
  EXPECT_TRUE(j["group"]["vfio_viable"].get<bool>());
  EXPECT_TRUE(j["group"]["container_set"].get<bool>());
  EXPECT_EQ(j["dma"]["size"], 1u << 20);
  EXPECT_TRUE(j["dma"]["unmapped"].get<bool>());
  EXPECT_EQ(j["config"]["length"], 256);
  EXPECT_EQ(j["config"]["vendor"], 0x8086);
  EXPECT_EQ(j["config"]["device"], 0x10d3);
  EXPECT_TRUE(j["config"]["identical"].get<bool>());
  EXPECT_EQ(j["config"]["must_match"].size(), 7u);
  // Nothing left mapped or open once the command returns.
  EXPECT_EQ(m.vfio->open_fd_count(), 0u);
  EXPECT_TRUE(m.vfio->violations().empty());
}

TEST(CliVfioCheck, VirtualisedBarDiffersButIsNotAMismatch) {
  // vfio-pci answers BAR reads from its virtual config (drivers/vfio/pci/vfio_pci_config.c).
  Machine m([](std::vector<std::uint8_t>& c) { c[0x13] = 0x00; });
  const auto [status, out] = m.run();
  ASSERT_EQ(status, 0) << out;
  const auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j["config"]["differing_bytes"].size(), 1u);
  EXPECT_EQ(j["config"]["differing_bytes"][0]["offset"], 0x13);
  EXPECT_EQ(j["config"]["differing_bytes"][0]["register"], "BAR");
  EXPECT_FALSE(j["config"]["identical"].get<bool>());
}

TEST(CliVfioCheck, DifferentSubsystemIdIsAMismatch) {
  Machine m([](std::vector<std::uint8_t>& c) { c[0x2e] = 0x02; });
  const auto [status, out] = m.run(/*json=*/false);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("MISMATCH in subsystem device"), std::string::npos) << out;
  EXPECT_NE(out.find("0x2e(subsystem device) 01->02"), std::string::npos) << out;
}

TEST(CliVfioCheck, ClassCodeDifferenceIsAMismatch) {
  Machine m([](std::vector<std::uint8_t>& c) { c[0x0b] = 0x01; });
  const auto [status, out] = m.run();
  EXPECT_EQ(status, 1) << out;
  const auto j = nlohmann::json::parse(out);
  for (const auto& field : j["config"]["must_match"]) {
    EXPECT_EQ(field["equal"].get<bool>(), field["field"] != "class") << field;
  }
}

TEST(CliVfioCheck, VfioSaysNotViableWhenIsogroupSaysViable) {
  // sysfs shows the only function on vfio-pci, yet the kernel reports the group non-viable:
  // a disagreement between isogroup's viability and the kernel's, not a plain error.
  Machine m({}, {kAddress});
  const auto [status, out] = m.run(/*json=*/false);
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("VFIO says the group is not viable"), std::string::npos) << out;
}

TEST(CliVfioCheck, NoGroupNodeIsAnError) {
  Machine m;
  m.vfio = std::make_shared<testing::FakeVfio>();  // no group 3: /dev/vfio/3 does not exist
  const auto [status, out] = m.run();
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("/dev/vfio/3"), std::string::npos) << out;
}

}  // namespace
}  // namespace isogroup
