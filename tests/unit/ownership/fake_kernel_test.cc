// FakeKernel reacts to Binder calls as the driver core does, and the tree shows it:
// SysfsBinder (the real Binder) reading the same tree sees what the model says.
#include "fakes/fake_kernel.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "isogroup/ownership/sysfs_binder.h"

namespace isogroup {
namespace {

using testing::FakeFunctionOptions;
using testing::FakeKernel;
using testing::fake_config;

Bdf bdf(std::string_view text) { return *Bdf::parse(text); }

void two_function_group(FakeKernel& k) {
  k.add_function("0000:00:1c.0", "root", fake_config(0x8086, 0xa110, 0x060400, 4096, 0x81),
                 FakeFunctionOptions().with_driver("pcieport").in_group(1));
  k.add_function("0000:01:00.0", "0000:00:1c.0", fake_config(0x10de, 0x1b80, 0x030000),
                 FakeFunctionOptions().with_driver("nouveau").in_group(7));
  k.add_function("0000:01:00.1", "0000:00:1c.0", fake_config(0x10de, 0x10f0, 0x040300),
                 FakeFunctionOptions().with_driver("snd_hda_intel").in_group(7));
  k.load_driver("vfio-pci");
}

TEST(FakeKernel, OverrideUnbindProbeMovesAFunctionAndTheTreeShowsIt) {
  FakeKernel k;
  two_function_group(k);
  const Bdf gpu = bdf("01:00.0");
  ASSERT_TRUE(k.write_driver_override(gpu, "vfio-pci"));
  EXPECT_EQ(k.state("01:00.0").driver, "nouveau");  // the override alone changes nothing
  ASSERT_TRUE(k.unbind(gpu));
  EXPECT_EQ(k.state("01:00.0").driver, "");
  EXPECT_FALSE(k.group_device_node_exists(7));
  ASSERT_TRUE(k.drivers_probe(gpu));
  EXPECT_EQ(k.state("01:00.0").driver, "vfio-pci");
  EXPECT_TRUE(k.group_device_node_exists(7));

  auto root = RootDir::open(k.root());
  ASSERT_TRUE(root);
  SysfsBinder real(*root);
  EXPECT_EQ(real.read_driver(gpu).value_or("?"), "vfio-pci");
  EXPECT_EQ(real.read_driver_override(gpu).value_or("?"), "vfio-pci");
  EXPECT_EQ(real.read_driver(bdf("01:00.1")).value_or("?"), "snd_hda_intel");
  EXPECT_EQ(real.read_driver_override(bdf("01:00.1")).value_or("?"), "");  // "(null)"
  EXPECT_TRUE(real.group_device_node_exists(7));
  EXPECT_TRUE(real.driver_available("vfio-pci"));
  EXPECT_FALSE(real.driver_available("pci-stub"));
}

TEST(FakeKernel, ProbeWithoutOverrideBindsTheNaturalDriver) {
  FakeKernel k;
  two_function_group(k);
  const Bdf audio = bdf("01:00.1");
  ASSERT_TRUE(k.unbind(audio));
  ASSERT_TRUE(k.drivers_probe(audio));
  EXPECT_EQ(k.state("01:00.1").driver, "snd_hda_intel");
}

TEST(FakeKernel, DeviceNodeGoesWhenTheLastVfioFunctionUnbinds) {
  FakeKernel k;
  two_function_group(k);
  for (const char* f : {"01:00.0", "01:00.1"}) {
    ASSERT_TRUE(k.write_driver_override(bdf(f), "vfio-pci"));
    ASSERT_TRUE(k.unbind(bdf(f)));
    ASSERT_TRUE(k.drivers_probe(bdf(f)));
  }
  ASSERT_TRUE(k.unbind(bdf("01:00.0")));
  EXPECT_TRUE(k.group_device_node_exists(7));
  ASSERT_TRUE(k.unbind(bdf("01:00.1")));
  EXPECT_FALSE(k.group_device_node_exists(7));
}

TEST(FakeKernel, KernelDmaDriverCannotBindIntoAnOpenedGroup) {
  FakeKernel k;
  two_function_group(k);
  ASSERT_TRUE(k.write_driver_override(bdf("01:00.0"), "vfio-pci"));
  ASSERT_TRUE(k.unbind(bdf("01:00.0")));
  ASSERT_TRUE(k.drivers_probe(bdf("01:00.0")));
  ASSERT_TRUE(k.unbind(bdf("01:00.1")));
  k.set_group_opened(7, true);
  const auto probed = k.drivers_probe(bdf("01:00.1"));
  ASSERT_FALSE(probed);
  EXPECT_EQ(probed.error().errno_, EBUSY);
  EXPECT_EQ(k.state("01:00.1").driver, "");
}

TEST(FakeKernel, VfioPciDoesNotBindABridge) {
  FakeKernel k;
  two_function_group(k);
  const Bdf port = bdf("00:1c.0");
  ASSERT_TRUE(k.write_driver_override(port, "vfio-pci"));
  ASSERT_TRUE(k.unbind(port));
  ASSERT_TRUE(k.drivers_probe(port));
  EXPECT_EQ(k.state("00:1c.0").driver, "");
}

TEST(FakeKernel, InjectedFailuresHitTheChosenCall) {
  FakeKernel k;
  two_function_group(k);
  k.fail_call(1, EIO).fail_first(FakeKernel::Op::kDriversProbe, "01:00.1", ENOMEM);
  EXPECT_TRUE(k.write_driver_override(bdf("01:00.0"), "vfio-pci"));  // call 0
  const auto second = k.unbind(bdf("01:00.0"));                       // call 1
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().errno_, EIO);
  EXPECT_EQ(k.state("01:00.0").driver, "nouveau");  // a failed call changes nothing
  ASSERT_TRUE(k.unbind(bdf("01:00.1")));
  const auto probe = k.drivers_probe(bdf("01:00.1"));
  ASSERT_FALSE(probe);
  EXPECT_EQ(probe.error().errno_, ENOMEM);
  EXPECT_TRUE(k.drivers_probe(bdf("01:00.1")));  // only the first one fails
  EXPECT_EQ(k.state("01:00.1").driver, "snd_hda_intel");
}

TEST(FakeKernel, ReloadReadsTheTreeBack) {
  FakeKernel k;
  two_function_group(k);
  const auto before = k.states();
  ASSERT_TRUE(k.write_driver_override(bdf("01:00.0"), "vfio-pci"));
  ASSERT_TRUE(k.unbind(bdf("01:00.0")));
  const auto after = k.states();
  k.reload();
  EXPECT_EQ(k.states(), after);
  EXPECT_NE(k.states(), before);
}

}  // namespace
}  // namespace isogroup
