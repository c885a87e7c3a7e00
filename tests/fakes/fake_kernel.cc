#include "fakes/fake_kernel.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "isogroup/ownership/viability.h"
#include "isogroup/sources/read.h"

namespace isogroup::testing {
namespace {

std::string canonical(std::string_view address) {
  auto bdf = Bdf::parse(address);
  if (!bdf) {
    ADD_FAILURE() << "FakeKernel: bad address " << address;
    return std::string(address);
  }
  return bdf->to_string();
}

// A relative link from DIR up to the root and down to TARGET (both root-relative).
std::string link_from(std::string_view dir, std::string_view target) {
  std::string out;
  for (char c : dir) {
    if (c == '/') out += "../";
  }
  return out + "../" + std::string(target);
}

}  // namespace

FakeKernel& FakeKernel::add_function(std::string_view address, std::string_view parent,
                                     const std::vector<std::uint8_t>& config, const FakeFunctionOptions& options,
                                     std::optional<std::string> natural) {
  FakeFunctionOptions o = options;
  if (!o.driver_override) o.driver_override = "(null)";  // the kernel always has the file
  sysfs_.add_function(address, parent, config, o);
  Model m;
  m.dir = sysfs_.function_dir(address);
  m.driver = options.driver.value_or("");
  m.driver_override = options.driver_override.value_or("");
  m.natural = natural.value_or(m.driver);
  m.group = options.group;
  m.header_type = config.size() > 0x0e ? static_cast<std::uint8_t>(config[0x0e] & 0x7f) : 0;
  if (!m.driver.empty()) loaded_.insert(m.driver);
  if (!m.natural.empty()) load_driver(m.natural);
  functions_[canonical(address)] = m;
  update_vfio_node(m.group);
  return *this;
}

FakeKernel& FakeKernel::load_driver(std::string name) {
  std::filesystem::create_directories(root() / "sys/bus/pci/drivers" / name);
  loaded_.insert(std::move(name));
  return *this;
}

FakeKernel& FakeKernel::set_group_opened(int group, bool opened) {
  if (opened) opened_.insert(group);
  else opened_.erase(group);
  return *this;
}

FakeKernel& FakeKernel::fail_call(std::size_t n, int err) {
  fail_calls_[n] = err;
  return *this;
}

FakeKernel& FakeKernel::fail_first(Op kind, std::string_view address, int err) {
  fail_first_[{kind, canonical(address)}] = err;
  return *this;
}

FakeKernel& FakeKernel::crash_before_call(std::size_t n) {
  crash_before_ = n;
  return *this;
}

FakeKernel& FakeKernel::crash_after_call(std::size_t n) {
  crash_after_ = n;
  return *this;
}

void FakeKernel::clear_faults() {
  fail_calls_.clear();
  fail_first_.clear();
  crash_before_.reset();
  crash_after_.reset();
}

BindingState FakeKernel::state(std::string_view address) const {
  const auto it = functions_.find(canonical(address));
  if (it == functions_.end()) {
    ADD_FAILURE() << "FakeKernel: no function " << address;
    return {};
  }
  return {it->second.driver, it->second.driver_override};
}

std::map<std::string, BindingState> FakeKernel::states() const {
  std::map<std::string, BindingState> out;
  for (const auto& [address, m] : functions_) out[address] = {m.driver, m.driver_override};
  return out;
}

void FakeKernel::reload() {
  for (auto& [address, m] : functions_) {
    std::error_code ec;
    const auto link = std::filesystem::read_symlink(root() / m.dir / "driver", ec);
    m.driver = ec ? std::string() : link.filename().string();
    std::ifstream in(root() / m.dir / "driver_override");
    std::string value;
    std::getline(in, value);
    m.driver_override = value == "(null)" ? std::string() : value;
  }
}

FakeKernel::Model* FakeKernel::find(const Bdf& function) {
  const auto it = functions_.find(function.to_string());
  return it == functions_.end() ? nullptr : &it->second;
}

void FakeKernel::mirror(const Model& m) {
  sysfs_.remove(m.dir + "/driver");
  if (!m.driver.empty()) {
    sysfs_.symlink(m.dir + "/driver", link_from(m.dir, "sys/bus/pci/drivers/" + m.driver));
  }
  sysfs_.write_file(m.dir + "/driver_override", (m.driver_override.empty() ? "(null)" : m.driver_override) + "\n");
}

void FakeKernel::update_vfio_node(const std::optional<int>& group) {
  if (!group) return;
  bool any = false;
  for (const auto& [address, m] : functions_) {
    any = any || (m.group == group && classify_driver(m.driver) == DriverRole::kVfio);
  }
  const std::string node = fmt::format("dev/vfio/{}", *group);
  if (any) sysfs_.write_file(node, "");
  else sysfs_.remove(node);
}

Status FakeKernel::begin_call(Op kind, const Bdf& function) {
  const std::size_t n = calls_++;
  if (crash_before_ == n) ::_exit(kCrashStatus);
  if (const auto it = fail_calls_.find(n); it != fail_calls_.end()) {
    return make_errno_error(it->second, fmt::format("injected failure of call {}", n), function.to_string());
  }
  if (const auto it = fail_first_.find({kind, function.to_string()}); it != fail_first_.end()) {
    const int err = it->second;
    fail_first_.erase(it);
    return make_errno_error(err, "injected failure", function.to_string());
  }
  return {};
}

void FakeKernel::end_call() {
  if (crash_after_ && *crash_after_ + 1 == calls_) ::_exit(kCrashStatus);
}

Result<std::string> FakeKernel::read_driver(const Bdf& function) {
  const Model* m = find(function);
  if (!m) return make_errno_error(ENOENT, "no such device", function.to_string());
  return m->driver;
}

Result<std::string> FakeKernel::read_driver_override(const Bdf& function) {
  const Model* m = find(function);
  if (!m) return make_errno_error(ENOENT, "no such device", function.to_string());
  return m->driver_override;
}

Status FakeKernel::write_driver_override(const Bdf& function, std::string_view driver) {
  if (auto s = begin_call(Op::kWriteOverride, function); !s) return s;
  Model* m = find(function);
  if (!m) return make_errno_error(ENOENT, "no such device", function.to_string());
  m->driver_override = std::string(driver);
  mirror(*m);
  end_call();
  return {};
}

Status FakeKernel::unbind(const Bdf& function) {
  if (auto s = begin_call(Op::kUnbind, function); !s) return s;
  Model* m = find(function);
  if (!m) return make_errno_error(ENOENT, "no such device", function.to_string());
  // No driver: there is no driver/unbind file to write.
  if (m->driver.empty()) return make_errno_error(ENOENT, "not bound", function.to_string());
  if (m->group && opened_.contains(*m->group) && classify_driver(m->driver) == DriverRole::kVfio) {
    return make_errno_error(EBUSY, "the device is in use by a VFIO user", function.to_string());
  }
  m->driver.clear();
  mirror(*m);
  update_vfio_node(m->group);
  end_call();
  return {};
}

Status FakeKernel::drivers_probe(const Bdf& function) {
  if (auto s = begin_call(Op::kDriversProbe, function); !s) return s;
  Model* m = find(function);
  if (!m) return make_errno_error(ENODEV, "no such device", function.to_string());
  if (m->driver.empty()) {
    const std::string candidate = m->driver_override.empty() ? m->natural : m->driver_override;
    const DriverRole role = classify_driver(candidate);
    if (!candidate.empty() && loaded_.contains(candidate)) {
      if (role == DriverRole::kKernelDma && m->group && opened_.contains(*m->group)) {
        end_call();
        return make_errno_error(EBUSY, fmt::format("{} probe failed: the group is owned by userspace", candidate),
                                function.to_string());
      }
      // vfio-pci's probe rejects a function without a normal header; the function stays
      // unbound and the write itself succeeds.
      if (!(role == DriverRole::kVfio && m->header_type != 0)) {
        m->driver = candidate;
        mirror(*m);
        update_vfio_node(m->group);
      }
    }
  }
  end_call();
  return {};
}

bool FakeKernel::driver_available(std::string_view driver) { return loaded_.contains(std::string(driver)); }

bool FakeKernel::group_device_node_exists(int group) {
  return std::filesystem::exists(root() / fmt::format("dev/vfio/{}", group));
}

void add_gpu_group_machine(FakeKernel& kernel, bool port_in_group) {
  using Opt = FakeFunctionOptions;
  kernel.add_function("0000:00:00.0", "root", fake_config(0x8086, 0x29c0, 0x060000), Opt().in_group(0));
  auto port = fake_config(0x8086, 0xa110, 0x060400, 4096, 0x01);
  port[0x18] = 0x00;  // primary, secondary, subordinate bus (type-1 header)
  port[0x19] = 0x01;
  port[0x1a] = 0x01;
  kernel.add_function("0000:00:1c.0", "root", port,
                      Opt().with_driver("pcieport").in_group(port_in_group ? 7 : 1));
  kernel.add_function("0000:01:00.0", "0000:00:1c.0", fake_config(0x10de, 0x1b80, 0x030000, 4096, 0x80),
                      Opt().with_driver("nouveau").in_group(7));
  kernel.add_function("0000:01:00.1", "0000:00:1c.0", fake_config(0x10de, 0x10f0, 0x040300),
                      Opt().with_driver("snd_hda_intel").in_group(7));
  kernel.add_function("0000:01:00.2", "0000:00:1c.0", fake_config(0x10de, 0x1ad8, 0x0c0330),
                      Opt().with_driver("xhci_hcd").in_group(7));
  kernel.load_driver("vfio-pci").load_driver("pci-stub");
  FakeSysfs& t = kernel.sysfs();
  t.set_release("6.1.0-18-amd64").set_cmdline("BOOT_IMAGE=/vmlinuz intel_iommu=on").add_iommu_unit("dmar0");
  t.write_file("sys/bus/pci/drivers_probe", "");
  // Nothing mounted from these devices, no swap, no routes, no framebuffer.
  t.write_file("proc/self/mountinfo", "22 1 0:21 / /proc rw,nosuid - proc proc rw\n");
  t.write_file("proc/mounts", "proc /proc proc rw 0 0\n");
  t.write_file("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
  t.write_file("proc/net/route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n");
  t.write_file("proc/net/ipv6_route", "");
  t.write_file("proc/net/if_inet6", "");
  std::filesystem::create_directories(kernel.root() / "sys/class/block");
  std::filesystem::create_directories(kernel.root() / "sys/class/net");
  std::filesystem::create_directories(kernel.root() / "sys/class/graphics");
  std::filesystem::create_directories(kernel.root() / "sys/class/vtconsole");
}

Topology live_topology(const FakeKernel& kernel) {
  auto snapshot = read_sysfs(kernel.root());
  if (!snapshot) {
    ADD_FAILURE() << "read_sysfs: " << snapshot.error().to_string();
    return Topology{};
  }
  auto topology = Topology::build(std::move(*snapshot));
  if (!topology) {
    ADD_FAILURE() << "Topology::build: " << topology.error().to_string();
    return Topology{};
  }
  return std::move(*topology);
}

}  // namespace isogroup::testing
