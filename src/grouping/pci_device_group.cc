// compute_groups: the fast engine. It gives the same groups and numbers as the literal
// transcription of drivers/iommu/iommu.c pci_device_group() (literal.cc), with the
// kernel's global list scans (for_each_pci_dev) replaced by indexes built once:
//   * per bus, its functions sorted by devfn, so a slot's functions are found by binary
//     search (get_pci_function_alias_group scans only its slot, at most 8 functions);
//   * per function, its DMA-alias partners on the same bus (get_pci_alias_group), built
//     from the alias masks, in registration order like the kernel's scan;
//   * per bus, the nearest bridge above it that the alias walk reports
//     (pci_for_each_dma_alias), so the walk visits only aliasing bridges;
//   * ACS path answers memoised by AcsEvaluator.
// Each function is probed once in O(depth of aliasing bridges + slot size + aliases).
#include <algorithm>
#include <array>
#include <bitset>
#include <unordered_map>

#include "grouping_inputs.h"
#include "isogroup/grouping/group_set.h"
#include "reasons.h"

namespace isogroup {
namespace detail {
namespace {

constexpr int kNoGroup = -1;

enum class Step { kAliasWalk, kAcsWalk, kAliasSearch, kFunctionSearch, kNewGroup };

class FastEngine {
 public:
  FastEngine(const GroupingInputs& in, GroupState& state) : in_(in), t_(in.topology), state_(state) {
    index();
  }

  void probe(FunctionId f, Membership& membership, bool& undecided) {
    unknown_ = false;
    owner_ = kNoFunction;
    FunctionId anchor = f;
    Step step = Step::kNewGroup;
    FunctionId via = kNoFunction;
    const int group = pci_device_group(f, anchor, step, via);
    state_.group_of[f] = group;
    explain(f, anchor, step, via, membership);
    undecided = unknown_;
  }

 private:
  // ---- indexes -------------------------------------------------------------------------
  void index() {
    const std::size_t n = t_.functions().size();
    const std::size_t buses = t_.buses().size();
    reg_pos_.assign(n, 0);
    const auto& order = t_.registration_order();
    for (std::uint32_t i = 0; i < order.size(); ++i) reg_pos_[order[i]] = i;

    // Functions per bus, sorted by devfn (counting sort by bus, then a small sort per bus).
    bus_start_.assign(buses + 1, 0);
    for (const auto& fn : t_.functions()) ++bus_start_[fn.bus + 1];
    for (std::size_t b = 0; b < buses; ++b) bus_start_[b + 1] += bus_start_[b];
    bus_members_.resize(n);
    std::vector<std::uint32_t> fill(bus_start_.begin(), bus_start_.end() - 1);
    for (FunctionId f = 0; f < n; ++f) bus_members_[fill[t_.function(f).bus]++] = f;
    for (std::size_t b = 0; b < buses; ++b) {
      std::sort(bus_members_.begin() + bus_start_[b], bus_members_.begin() + bus_start_[b + 1],
                [&](FunctionId x, FunctionId y) { return devfn(x) < devfn(y); });
    }

    // DMA-alias partners: pci_devs_are_dma_aliases() is symmetric, so each mask bit that
    // names an existing function on the same bus makes a pair; so does a real DMA device
    // on the same bus.
    auto pair = [&](FunctionId a, FunctionId b) {
      if (a == b) return;
      partners_[a].push_back(b);
      partners_[b].push_back(a);
    };
    for (const FunctionId f : in_.aliases.with_entry()) {
      const auto& info = in_.aliases[f];
      if (info.mask.any()) {
        for (std::size_t d = 0; d < info.mask.size(); ++d) {
          if (!info.mask.test(d)) continue;
          const FunctionId other = find_on_bus(t_.function(f).bus, static_cast<std::uint8_t>(d));
          if (other != kNoFunction) pair(f, other);
        }
      }
      if (info.real_dma_dev != kNoFunction && info.real_dma_dev != f &&
          t_.function(info.real_dma_dev).bus == t_.function(f).bus) {
        pair(f, info.real_dma_dev);
      }
    }
    for (auto& [f, list] : partners_) {
      std::sort(list.begin(), list.end(), [&](FunctionId x, FunctionId y) { return reg_pos_[x] < reg_pos_[y]; });
      list.erase(std::unique(list.begin(), list.end()), list.end());
    }

    // The alias walk's reporting bridges: for each bus, the nearest one at or above it.
    alias_up_.assign(buses, kNoFunction);
    alias_done_.assign(buses, false);
  }

  std::uint8_t devfn(FunctionId f) const { return t_.function(f).address.devfn; }

  FunctionId find_on_bus(BusId bus, std::uint8_t d) const {
    const auto first = bus_members_.begin() + bus_start_[bus];
    const auto last = bus_members_.begin() + bus_start_[bus + 1];
    const auto it = std::lower_bound(first, last, d, [&](FunctionId x, std::uint8_t v) { return devfn(x) < v; });
    return it != last && devfn(*it) == d ? *it : kNoFunction;
  }

  bool is_root(const Bus& bus) const { return bus.is_root || bus.parent == kNoBus; }

  // Whether the alias walk hands this bridge to its callback (pci_for_each_dma_alias).
  bool reports(FunctionId bridge) const {
    if (is_false(in_.is_pcie(bridge))) return true;
    const auto type = in_.pcie_type(bridge);
    return type == pci::PcieType::kPcieToPciBridge || type == pci::PcieType::kPciToPcieBridge;
  }

  // The first bridge the alias walk reports when it starts on `bus`, or kNoFunction.
  FunctionId alias_up(BusId bus) {
    // Climb to a bus whose answer is known, then fill the answers on the way down.
    std::vector<BusId>& path = scratch_path_;
    path.clear();
    BusId b = bus;
    while (!alias_done_[b]) {
      const Bus& node = t_.bus(b);
      path.push_back(b);
      if (is_root(node)) break;
      if (node.self != kNoFunction && (in_.aliases[node.self].xlate_root || reports(node.self))) break;
      b = node.parent;
      if (path.size() > t_.buses().size()) break;  // a bus loop: the model rejects these
    }
    FunctionId above = alias_done_[b] ? alias_up_[b] : kNoFunction;
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      const Bus& node = t_.bus(*it);
      FunctionId answer = above;
      if (is_root(node)) {
        answer = kNoFunction;
      } else if (node.self != kNoFunction) {
        if (in_.aliases[node.self].xlate_root) {
          answer = kNoFunction;
        } else if (reports(node.self)) {
          answer = node.self;
        }
      }
      alias_up_[*it] = answer;
      alias_done_[*it] = true;
      above = answer;
    }
    return alias_up_[bus];
  }

  // ---- pci_device_group() ---------------------------------------------------------------
  int group_get(FunctionId f) {
    const int g = state_.group_of[f];
    if (g != kNoGroup) owner_ = f;
    return g;
  }

  int pci_device_group(FunctionId dev, FunctionId& pdev, Step& step, FunctionId& via) {
    // pci_for_each_dma_alias(): the device (or its real DMA device), then every bridge
    // that aliases it, nearest first.
    pdev = in_.real_dma_dev(dev);
    step = Step::kAliasWalk;
    int group = group_get(pdev);
    if (group != kNoGroup) return group;
    for (FunctionId br = alias_up(t_.function(pdev).bus); br != kNoFunction; br = alias_up(t_.function(br).bus)) {
      pdev = br;
      group = group_get(br);
      if (group != kNoGroup) return group;
    }

    // The ACS walk: climb while the bridge above the bus has no ACS path to the root.
    step = Step::kAcsWalk;
    BusId bus = t_.function(pdev).bus;
    while (!is_root(t_.bus(bus))) {
      const Bus& node = t_.bus(bus);
      if (node.self != kNoFunction) {
        const Tristate path = in_.acs.path_enabled(node.self);
        if (!is_known(path)) unknown_ = true;
        if (is_true(path)) break;
        pdev = node.self;
        group = group_get(pdev);
        if (group != kNoGroup) return group;
      }
      bus = node.parent;
    }

    std::bitset<256> visited;
    step = Step::kAliasSearch;
    group = alias_group(pdev, visited, via);
    if (group != kNoGroup) return group;
    step = Step::kFunctionSearch;
    group = function_alias_group(pdev, visited, via);
    if (group != kNoGroup) return group;
    step = Step::kNewGroup;
    return state_.new_group();
  }

  bool acs_enabled(FunctionId f) {
    const Tristate e = in_.acs.enabled(f).enabled;
    if (!is_known(e)) unknown_ = true;
    return is_true(e);
  }

  // get_pci_alias_group(), over the precomputed partners instead of for_each_pci_dev.
  int alias_group(FunctionId x, std::bitset<256>& visited, FunctionId& via) {
    const std::uint8_t d = devfn(x);
    if (visited.test(d)) return kNoGroup;
    visited.set(d);
    int group = group_get(x);
    if (group != kNoGroup) return group;
    const auto it = partners_.find(x);
    if (it == partners_.end()) return kNoGroup;
    for (const FunctionId other : it->second) {
      via = other;
      group = alias_group(other, visited, via);
      if (group != kNoGroup) return group;
      group = function_alias_group(other, visited, via);
      if (group != kNoGroup) return group;
    }
    return kNoGroup;
  }

  // get_pci_function_alias_group(), over the function's own slot only.
  int function_alias_group(FunctionId x, std::bitset<256>& visited, FunctionId& via) {
    const bool group_mf = in_.policy.boot.group_mf;
    const Tristate mf = in_.multifunction(x);
    if (!is_known(mf)) unknown_ = true;
    if (is_false(mf)) return kNoGroup;
    if (!group_mf && acs_enabled(x)) return kNoGroup;
    const Function& fx = t_.function(x);
    // The slot's functions (at most 8 share a devfn >> 3 on one bus), in registration order.
    std::array<FunctionId, 8> slot{};
    std::size_t count = 0;
    const std::uint8_t first_devfn = static_cast<std::uint8_t>(fx.address.slot() << 3);
    auto it = std::lower_bound(bus_members_.begin() + bus_start_[fx.bus], bus_members_.begin() + bus_start_[fx.bus + 1],
                               first_devfn, [&](FunctionId a, std::uint8_t v) { return devfn(a) < v; });
    const auto last = bus_members_.begin() + bus_start_[fx.bus + 1];
    for (; it != last && (devfn(*it) >> 3) == fx.address.slot() && count < slot.size(); ++it) slot[count++] = *it;
    std::sort(slot.begin(), slot.begin() + static_cast<std::ptrdiff_t>(count),
              [&](FunctionId a, FunctionId b) { return reg_pos_[a] < reg_pos_[b]; });
    for (std::size_t i = 0; i < count; ++i) {
      const FunctionId other = slot[i];
      if (other == x) continue;
      if (group_mf ? t_.function(other).is_virtfn : acs_enabled(other)) continue;
      via = other;
      const int group = alias_group(other, visited, via);
      if (group != kNoGroup) return group;
    }
    return kNoGroup;
  }

  // ---- reasons --------------------------------------------------------------------------
  void explain(FunctionId f, FunctionId anchor, Step step, FunctionId via, Membership& m) {
    m.acs_enabled = in_.acs.enabled(f).enabled;
    const FunctionId owner = owner_ == kNoFunction ? via : owner_;
    switch (step) {
      case Step::kAliasWalk:
        if (anchor != f && anchor == in_.real_dma_dev(f)) {
          m.reasons.push_back(cached(vmd_cache_, anchor, vmd_reason));
        } else {
          m.reasons.push_back(cached(alias_bridge_cache_, anchor, alias_bridge_reason));
        }
        break;
      case Step::kAcsWalk:
        m.reasons.push_back(behind_bridge_cached(anchor));
        break;
      case Step::kAliasSearch:
        if (anchor != f) m.reasons.push_back(behind_bridge_cached(anchor));
        m.reasons.push_back(alias_quirk_reason(in_, anchor, owner == kNoFunction ? anchor : owner));
        break;
      case Step::kFunctionSearch:
        if (anchor != f) m.reasons.push_back(behind_bridge_cached(anchor));
        if (in_.policy.boot.group_mf) {
          m.reasons.push_back(group_mf_reason(in_, anchor, owner));
        } else {
          m.reasons.push_back(multifunction_cached(anchor, owner));
        }
        break;
      case Step::kNewGroup:
        m.reasons.push_back(own_group_reason(in_, f, anchor));
        if (auto q = acs_quirk_reason(in_, f)) m.reasons.push_back(std::move(*q));
        {
          const Bus& bus = t_.bus(t_.function(f).bus);
          if (bus.self != kNoFunction) {
            if (auto q = acs_quirk_reason(in_, bus.self)) m.reasons.push_back(std::move(*q));
          }
        }
        break;
    }
    if (unknown_) {
      static const Reason kUnknown{ReasonKind::kAcsUnknown, std::nullopt,
                                   "the input does not show every ACS register this placement depends on; placed "
                                   "as if ACS were off there",
                                   "capture as root (full config space) so the ACS capability is readable"};
      m.reasons.push_back(kUnknown);
    }
  }

  // One text per (group owner, slot, what the function's own verdict says, its ids): the
  // functions of a wide slot repeat it. Everything multifunction_reason() reads is compared.
  const Reason& multifunction_cached(FunctionId f, FunctionId owner) {
    const Reason& why = in_.acs.enabled(f).reason;
    const Function& fn = t_.function(f);
    auto it = multifunction_cache_.find(owner);
    if (it != multifunction_cache_.end()) {
      const Function& prev = t_.function(it->second.f);
      const Reason& prev_why = in_.acs.enabled(it->second.f).reason;
      if (prev.bus == fn.bus && prev.address.slot() == fn.address.slot() &&
          prev.identity.vendor_id == fn.identity.vendor_id && prev.identity.device_id == fn.identity.device_id &&
          prev_why.text == why.text && prev_why.remedy == why.remedy) {
        return it->second.reason;
      }
    }
    it = multifunction_cache_.insert_or_assign(owner, CachedReason{f, multifunction_reason(in_, f, owner)}).first;
    return it->second.reason;
  }

  const Reason& behind_bridge_cached(FunctionId bridge) { return cached(behind_cache_, bridge, behind_bridge_reason); }

  // One Reason per bridge (or VMD endpoint): every function below it shares its texts.
  // A slot per function, filled on first use (a hash map of Reasons cost more than the
  // reasons themselves on machines with many bridges).
  struct ReasonCache {
    std::vector<std::uint32_t> slot;  // per FunctionId: index into reasons, or kNoFunction
    std::vector<Reason> reasons;
  };
  const Reason& cached(ReasonCache& cache, FunctionId key, Reason (*make)(const GroupingInputs&, FunctionId)) {
    if (cache.slot.empty()) cache.slot.assign(t_.functions().size(), kNoFunction);
    std::uint32_t& s = cache.slot[key];
    if (s == kNoFunction) {
      s = static_cast<std::uint32_t>(cache.reasons.size());
      cache.reasons.push_back(make(in_, key));
    }
    return cache.reasons[s];
  }

  const GroupingInputs& in_;
  const Topology& t_;
  GroupState& state_;
  std::vector<std::uint32_t> reg_pos_;
  std::vector<std::uint32_t> bus_start_;
  std::vector<FunctionId> bus_members_;
  std::unordered_map<FunctionId, std::vector<FunctionId>> partners_;
  std::vector<FunctionId> alias_up_;
  std::vector<bool> alias_done_;
  std::vector<BusId> scratch_path_;
  ReasonCache behind_cache_;
  ReasonCache alias_bridge_cache_;
  ReasonCache vmd_cache_;
  struct CachedReason {
    FunctionId f;  // the function the reason was made for
    Reason reason;
  };
  std::unordered_map<FunctionId, CachedReason> multifunction_cache_;
  bool unknown_ = false;
  FunctionId owner_ = kNoFunction;  // the device whose group was found
};

}  // namespace

void probe_devices(const GroupingInputs& in, GroupState& state, const std::vector<FunctionId>& order,
                   std::vector<Membership>& membership, std::vector<FunctionId>& undecided) {
  FastEngine engine(in, state);
  for (const FunctionId f : order) {
    if (!in.coverage.behind[f]) continue;
    bool unknown = false;
    engine.probe(f, membership[f], unknown);
    if (unknown) undecided.push_back(f);
  }
}

}  // namespace detail

Result<GroupSet> compute_groups(const Topology& topology, const Policy& policy) {
  if (auto special = detail::platform_group_set(topology, policy)) return std::move(*special);
  const detail::GroupingInputs in(topology, policy);
  detail::GroupState state(topology.functions().size());
  std::vector<Membership> membership(topology.functions().size());
  std::vector<FunctionId> undecided;
  for (FunctionId f = 0; f < membership.size(); ++f) {
    if (in.coverage.behind[f]) continue;
    membership[f].acs_enabled = in.acs.enabled(f).enabled;
    membership[f].reasons.push_back(
        {ReasonKind::kNotBehindIommu, topology.function(f).address, in.coverage.not_behind[f], {}});
  }
  detail::probe_devices(in, state, in.coverage.probe_order, membership, undecided);
  GroupSet set = detail::assemble_group_set(in, state, std::move(membership));
  std::sort(undecided.begin(), undecided.end());
  set.undecided = std::move(undecided);
  return set;
}

}  // namespace isogroup
