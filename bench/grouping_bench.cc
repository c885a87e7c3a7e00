// Grouping speed and memory on synthetic machines of 1k to 1M functions: deep switch
// trees, wide multifunction slots, conventional buses behind PCIe-to-PCI bridges and
// SR-IOV physical functions with many VFs, spread over as many PCI domains as needed.
//
// Counters: functions_per_second (rate) and bytes_per_function = bytes allocated by one
// compute_groups() call (counted by the operator new below) divided by the function
// count; topology_bytes_per_function = the Topology's own footprint (Function + Bus
// records and indexes, without the raw config spaces kept in its Snapshot).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>

#include "fakes/config_builder.h"
#include "fakes/snapshot_builder.h"
#include "isogroup/grouping/group_set.h"

namespace {

std::atomic<std::size_t> g_allocated{0};

}  // namespace

void* operator new(std::size_t size) {
  g_allocated.fetch_add(size, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// GCC pairs the replaced new/delete with malloc/free by name; they are a matched pair here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace isogroup {
namespace {

using testing::ConfigBuilder;
namespace parts = testing::parts;

class Synthetic {
 public:
  explicit Synthetic(std::size_t target) : target_(target) {}

  Snapshot build() {
    snapshot_.functions.reserve(target_ + 512);  // config spaces are 4.6 KiB: never copy them
    while (count_ < target_) domain();
    return std::move(snapshot_);
  }

 private:
  void add(int bus, int devfn, const ConfigBuilder& config, std::optional<Bdf> physfn = std::nullopt) {
    add(bus, devfn, config.build(), physfn);
  }
  // Repeated functions copy one decoded config space instead of decoding it again: the
  // setup of the 1M machine is otherwise slower than what it measures.
  void add(int bus, int devfn, const pci::ConfigSpace& config, std::optional<Bdf> physfn = std::nullopt) {
    SnapshotFunction f;
    f.address = Bdf{domain_, static_cast<std::uint8_t>(bus), static_cast<std::uint8_t>(devfn)};
    f.origin = "synthetic";
    f.config = config;
    f.physfn = physfn;
    snapshot_.functions.push_back(std::move(f));
    ++count_;
  }
  static std::uint8_t u8(int v) { return static_cast<std::uint8_t>(v); }

  // One domain: a host bridge and up to 62 root ports, each leading to one of four shapes.
  void domain() {
    add(0, 0, parts::host_bridge());
    int bus = 1;
    for (int port = 0; port < 62 && count_ < target_ && bus < 240; ++port) {
      const int devfn = (1 + port / 2) << 3 | (port % 2);
      const int first = bus;
      auto rp = parts::root_port(0, u8(first), u8(first), port % 3 != 0, true);
      if (port % 2 == 0) rp.multifunction(true);
      const std::size_t at = snapshot_.functions.size();
      add(0, devfn, rp);
      switch (port % 4) {
        case 0: bus = switch_tree(first, 3); break;
        case 1: wide_slots(first); ++bus; break;
        case 2: bus = conventional(first); break;
        default: sriov(first); ++bus; break;
      }
      auto& config = snapshot_.functions[at].config;
      config.set8(0x1a, u8(bus - 1));
    }
    ++domain_;
  }

  // A switch whose downstream ports lead to more switches, `depth` levels deep.
  int switch_tree(int bus, int depth) {
    const int internal = bus + 1;
    const std::size_t up = snapshot_.functions.size();
    add(bus, 0, parts::upstream_port(u8(bus), u8(internal), u8(internal)));
    int next = internal + 1;
    for (int d = 0; d < 4 && next < 240; ++d) {
      const int secondary = next;
      const std::size_t down = snapshot_.functions.size();
      add(internal, d << 3, parts::downstream_port(u8(internal), u8(secondary), u8(secondary), d % 2 == 0));
      if (depth > 1 && next + 8 < 240) {
        next = switch_tree(secondary, depth - 1);
      } else {
        add(secondary, 0, endpoint_);
        next = secondary + 1;
      }
      snapshot_.functions[down].config.set8(0x1a, u8(next - 1));
    }
    snapshot_.functions[up].config.set8(0x1a, u8(next - 1));
    return next;
  }

  // Multifunction devices filling every slot of the bus (32 slots x 8 functions).
  void wide_slots(int bus) {
    for (int slot = 0; slot < 32; ++slot) {
      for (int fn = 0; fn < 8; ++fn) add(bus, slot << 3 | fn, slot_function_[fn != 0][(slot + fn) % 3 == 0]);
    }
  }

  // A PCIe-to-PCI bridge with a conventional bus of 16 devices, one of them a bridge.
  int conventional(int bus) {
    const int secondary = bus + 1;
    add(bus, 0, parts::pcie_to_pci_bridge(u8(bus), u8(secondary), u8(secondary + 1)));
    for (int d = 0; d < 16; ++d) add(secondary, d << 3, pci_endpoint_);
    add(secondary, 16 << 3, parts::pci_bridge(u8(secondary), u8(secondary + 1), u8(secondary + 1)));
    for (int d = 0; d < 8; ++d) add(secondary + 1, d << 3, pci_endpoint_);
    return secondary + 2;
  }

  // An SR-IOV physical function with 255 VFs on its bus (ARI routing IDs 1..255).
  void sriov(int bus) {
    auto pf = parts::pcie_endpoint(0x8086, 0x1521);
    pf.ari().sriov(255, 255, 1, 1, 0x1520);
    add(bus, 0, pf);
    const Bdf pf_address{domain_, u8(bus), 0};
    for (int i = 1; i < 256; ++i) add(bus, i, vf_, pf_address);
  }

  static pci::ConfigSpace slot_function(bool multifunction_bit, bool acs) {
    auto b = parts::pcie_endpoint(0x8086, 0x10d3, multifunction_bit);
    if (acs) b.acs(0x1f, 0x1d);
    return b.build();
  }

  const pci::ConfigSpace endpoint_ = parts::pcie_endpoint(0x8086, 0x10d3).build();
  const pci::ConfigSpace pci_endpoint_ = parts::pci_endpoint().build();
  const pci::ConfigSpace vf_ = parts::pcie_endpoint(0x8086, 0x1520).build();
  // [function > 0][has ACS]: function 0 carries the multifunction header bit.
  const pci::ConfigSpace slot_function_[2][2] = {{slot_function(true, false), slot_function(true, true)},
                                                 {slot_function(false, false), slot_function(false, true)}};
  std::size_t target_;
  std::size_t count_ = 0;
  std::uint32_t domain_ = 0;
  Snapshot snapshot_;
};

const Topology& topology_of(std::size_t functions) {
  static std::map<std::size_t, std::unique_ptr<Topology>> cache;
  auto& slot = cache[functions];
  if (!slot) {
    auto t = Topology::build(Synthetic(functions).build());
    if (!t) {
      std::fprintf(stderr, "topology: %s\n", t.error().to_string().c_str());
      std::abort();
    }
    slot = std::make_unique<Topology>(std::move(*t));
  }
  return *slot;
}

Policy bench_policy() {
  Policy p;
  p.kernel = KernelVersion{6, 8, 0};
  p.platform = Platform::kIntelVtd;
  return p;
}

std::size_t topology_bytes(const Topology& t) {
  std::size_t bytes = t.functions().size() * sizeof(Function) + t.buses().size() * sizeof(Bus) +
                      t.registration_order().size() * sizeof(FunctionId);
  for (const auto& b : t.buses()) bytes += b.functions.capacity() * sizeof(FunctionId);
  return bytes;
}

template <Result<GroupSet> (*Engine)(const Topology&, const Policy&)>
void run(benchmark::State& state) {
  const Topology& t = topology_of(static_cast<std::size_t>(state.range(0)));
  const Policy policy = bench_policy();
  std::size_t allocated = 0;
  for (auto _ : state) {
    const std::size_t before = g_allocated.load();
    auto set = Engine(t, policy);
    allocated = g_allocated.load() - before;
    benchmark::DoNotOptimize(set);
  }
  const double n = static_cast<double>(t.functions().size());
  state.counters["functions"] = n;
  state.counters["functions_per_second"] =
      benchmark::Counter(n * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["bytes_per_function"] = static_cast<double>(allocated) / n;
  state.counters["topology_bytes_per_function"] = static_cast<double>(topology_bytes(t)) / n;
}

// Topology::build alone, and Topology::build followed by compute_groups: what a CLI run
// pays after reading its input. Each iteration builds from a fresh Snapshot (made with the
// timer paused), so the build takes it by move as the sources do.
template <bool kGroup>
void run_build(benchmark::State& state) {
  const auto functions = static_cast<std::size_t>(state.range(0));
  const Policy policy = bench_policy();
  std::size_t allocated = 0;
  double n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Snapshot snapshot = Synthetic(functions).build();
    state.ResumeTiming();
    const std::size_t before = g_allocated.load();
    auto t = Topology::build(std::move(snapshot));
    if (!t) {
      state.SkipWithError(t.error().to_string().c_str());
      break;
    }
    if constexpr (kGroup) {
      auto set = compute_groups(*t, policy);
      benchmark::DoNotOptimize(set);
    }
    allocated = g_allocated.load() - before;
    n = static_cast<double>(t->functions().size());
    state.PauseTiming();
    { const auto freed = std::move(t); }  // freeing the config spaces is not the build's cost
    state.ResumeTiming();
  }
  state.counters["functions"] = n;
  state.counters["functions_per_second"] =
      benchmark::Counter(n * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  // Allocation volume minus the config spaces moved in with the Snapshot (never copied).
  state.counters["bytes_per_function"] = static_cast<double>(allocated) / n;
}

BENCHMARK(run<compute_groups>)->Name("fast")->Arg(1000)->Arg(10000)->Arg(100000)->Arg(1000000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(run<compute_groups_literal>)->Name("literal")->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
// A fixed iteration count: each iteration's setup (the Snapshot) costs more than it measures.
BENCHMARK(run_build<false>)->Name("build")->Arg(1000)->Arg(10000)->Arg(100000)->Arg(1000000)
    ->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(run_build<true>)->Name("build_and_group")->Arg(1000)->Arg(10000)->Arg(100000)->Arg(1000000)
    ->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace isogroup
