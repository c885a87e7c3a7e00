// `isogroup assign/release/recover` in process against a FakeKernel tree (dry runs: the
// tree has no kernel behind it, so real writes are tested through FakeKernel elsewhere).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "cli_run.h"
#include "fakes/fake_kernel.h"

namespace isogroup {
namespace {

using testing::CliRun;

CliRun run(std::vector<std::string> args) { return testing::run_cli(std::move(args)); }

TEST(CliAssign, DryRunPrintsThePlanForTheWholeGroupAndChangesNothing) {
  testing::FakeKernel kernel;
  testing::add_gpu_group_machine(kernel);
  const auto before = kernel.states();
  const CliRun r = run({"assign", "0000:01:00.0", "--dry-run", "--sysfs", kernel.root().string()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("group 7"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0000:01:00.1  snd_hda_intel -> vfio-pci"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0000:01:00.2  xhci_hcd -> vfio-pci"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 of 3 functions change driver"), std::string::npos) << r.out;
  kernel.reload();
  EXPECT_EQ(kernel.states(), before);
  EXPECT_FALSE(std::filesystem::exists(kernel.root() / "run/isogroup"));
}

TEST(CliAssign, JsonPlanAndARefusalExitsWithOne) {
  testing::FakeKernel kernel;
  testing::add_gpu_group_machine(kernel);
  // The GPU is the boot VGA device with the firmware framebuffer on it.
  kernel.sysfs().write_file(kernel.sysfs().function_dir("0000:01:00.0") + "/boot_vga", "1\n");
  const CliRun r = run({"assign", "7", "--dry-run", "--json", "--sysfs", kernel.root().string()});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "isogroup-plan");
  EXPECT_EQ(j["group"], 7);
  EXPECT_EQ(j["functions"].size(), 3u);
  EXPECT_TRUE(j["refused"].get<bool>());
  bool boot_vga = false;
  for (const auto& refusal : j["refusals"]) boot_vga = boot_vga || refusal["check"] == "boot-vga";
  EXPECT_TRUE(boot_vga) << r.out;

  const CliRun forced =
      run({"assign", "7", "--dry-run", "--force", "boot-vga", "--sysfs", kernel.root().string()});
  EXPECT_EQ(forced.status, 0) << forced.out << forced.err;
  EXPECT_NE(forced.out.find("forced past check 'boot-vga'"), std::string::npos) << forced.out;
}

TEST(CliRecover, NothingToRecoverOnACleanTree) {
  testing::FakeKernel kernel;
  testing::add_gpu_group_machine(kernel);
  const CliRun r = run({"recover", "--sysfs", kernel.root().string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("nothing to recover"), std::string::npos);
}

TEST(CliRelease, DryRunWithoutAJournalSaysTheKernelChooses) {
  testing::FakeKernel kernel;
  kernel.add_function("0000:00:03.0", "root", testing::fake_config(0x8086, 0x10d3, 0x020000),
                      testing::FakeFunctionOptions().with_driver("vfio-pci").in_group(3), "e1000e");
  kernel.sysfs().add_iommu_unit("dmar0");
  const CliRun r = run({"release", "0000:00:03.0", "--dry-run", "--sysfs", kernel.root().string()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(kernel chooses)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace isogroup
