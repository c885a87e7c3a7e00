// FakeKernel: a FakeSysfs tree plus a model of the driver core that reacts to Binder calls
// as the kernel does, mirrored into the tree (driver links, driver_override files,
// dev/vfio/N) so readers of the tree see the same state:
//   - driver_override: only that driver may bind at the next probe;
//   - unbind removes the driver link; drivers_probe binds the override driver if set and
//     loaded, else the function's "natural" driver (configured per function);
//   - dev/vfio/N appears when the first function of group N binds a vfio driver and goes
//     when the last one unbinds (reference §6.4);
//   - a kernel DMA driver binding into a group userspace has opened fails with EBUSY
//     (v5.19+, §6.1); unbinding vfio-pci from an opened group fails with EBUSY (the real
//     kernel blocks until the user lets go);
//   - vfio-pci does not bind a function without a type-0 header (§6.2).
// Faults: fail the Nth mutating call (write_driver_override, unbind, drivers_probe), or the
// first call of a kind on a function, with an errno; "crash" (_exit(kCrashStatus), for a
// forked child) before or after the Nth call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fakes/fake_sysfs.h"
#include "isogroup/ownership/binder.h"
#include "isogroup/model/topology.h"
#include "isogroup/ownership/plan.h"

namespace isogroup::testing {

class FakeKernel final : public Binder {
 public:
  static constexpr int kCrashStatus = 77;
  enum class Op { kWriteOverride, kUnbind, kDriversProbe };

  FakeKernel() = default;

  FakeSysfs& sysfs() { return sysfs_; }
  const std::filesystem::path& root() const { return sysfs_.path(); }

  // Adds the function to the tree and the model. NATURAL is the driver drivers_probe binds
  // when no override is set; by default the driver it has now (options.driver).
  FakeKernel& add_function(std::string_view address, std::string_view parent,
                           const std::vector<std::uint8_t>& config, const FakeFunctionOptions& options,
                           std::optional<std::string> natural = std::nullopt);
  // A loaded PCI driver (sys/bus/pci/drivers/NAME). Drivers functions are bound to at
  // add_function time are loaded too.
  FakeKernel& load_driver(std::string name);
  FakeKernel& set_group_opened(int group, bool opened);

  // Fault injection; N counts mutating calls from 0.
  FakeKernel& fail_call(std::size_t n, int err);
  FakeKernel& fail_first(Op kind, std::string_view address, int err);
  FakeKernel& crash_before_call(std::size_t n);
  FakeKernel& crash_after_call(std::size_t n);
  void clear_faults();
  std::size_t calls() const { return calls_; }

  // State of a function in the model.
  BindingState state(std::string_view address) const;
  std::map<std::string, BindingState> states() const;
  // Reads driver links and driver_override files back from the tree (after a forked
  // child changed it and "crashed").
  void reload();

  Result<std::string> read_driver(const Bdf& function) override;
  Result<std::string> read_driver_override(const Bdf& function) override;
  Status write_driver_override(const Bdf& function, std::string_view driver) override;
  Status unbind(const Bdf& function) override;
  Status drivers_probe(const Bdf& function) override;
  bool driver_available(std::string_view driver) override;
  bool group_device_node_exists(int group) override;

 private:
  struct Model {
    std::string dir;  // relative to the root
    std::string driver;
    std::string driver_override;
    std::string natural;
    std::optional<int> group;
    std::uint8_t header_type = 0;
  };
  // Counts the call and applies faults: an error to return, or a crash.
  Status begin_call(Op kind, const Bdf& function);
  void end_call();
  Model* find(const Bdf& function);
  void mirror(const Model& m);
  void update_vfio_node(const std::optional<int>& group);

  FakeSysfs sysfs_;
  std::map<std::string, Model> functions_;  // canonical address -> model
  std::set<std::string> loaded_;
  std::set<int> opened_;
  std::size_t calls_ = 0;
  std::map<std::size_t, int> fail_calls_;
  std::map<std::pair<Op, std::string>, int> fail_first_;
  std::optional<std::size_t> crash_before_, crash_after_;
};

// A machine for ownership tests: host bridge 00:00.0 (group 0), root port 00:1c.0 on
// pcieport (its own group 1, or group 7 when PORT_IN_GROUP), and behind it a three-function
// device in group 7: 01:00.0 GPU on nouveau, 01:00.1 audio on snd_hda_intel, 01:00.2 USB
// on xhci_hcd. Kernel 6.1, an IOMMU (dmar0), vfio-pci and pci-stub loaded, and the proc
// files host-usage checks read, with nothing in use.
void add_gpu_group_machine(FakeKernel& kernel, bool port_in_group = false);

// The Topology read from the kernel's tree through the real sysfs reader.
Topology live_topology(const FakeKernel& kernel);

}  // namespace isogroup::testing
