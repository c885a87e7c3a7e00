// SR-IOV virtual functions: which functions are VFs, and of which PF.
#include <fmt/format.h>

#include <algorithm>

#include "topology_builder.h"

namespace isogroup {

Status TopologyBuilder::link_virtual_functions() {
  // A PF whose VFs the source links (sysfs physfn / virtfnN) is taken as linked; only PFs
  // without links get their VFs derived from the SR-IOV capability.
  std::vector<char> has_links(t_.functions_.size(), 0);
  if (auto s = link_explicit_virtual_functions(has_links); !s) return s;
  if (auto s = derive_virtual_functions(has_links); !s) return s;
  for (const Function& f : t_.functions_) {
    if (f.is_virtfn && t_.functions_[f.physfn].is_virtfn) {
      return make_error(Errc::kInconsistent,
                        fmt::format("virtual function {} has physfn {}, which is itself a VF",
                                    f.address.to_string(),
                                    t_.functions_[f.physfn].address.to_string()),
                        f.origin, "a VF cannot have VFs; the physfn links in the input are damaged");
    }
  }
  return {};
}

Status TopologyBuilder::claim_virtual_function(FunctionId vf, FunctionId pf) {
  Function& f = t_.functions_[vf];
  if (vf == pf) {
    return make_error(Errc::kInconsistent,
                      fmt::format("function {} is named as its own virtual function",
                                  f.address.to_string()),
                      f.origin, "check the physfn/virtfn links or the SR-IOV VF offset");
  }
  if (f.is_virtfn && f.physfn != pf) {
    return make_error(Errc::kInconsistent,
                      fmt::format("function {} is claimed as a virtual function by both {} and {}",
                                  f.address.to_string(),
                                  t_.functions_[f.physfn].address.to_string(),
                                  t_.functions_[pf].address.to_string()),
                      f.origin,
                      "two PFs' SR-IOV VF ranges overlap; check their VF offset and stride");
  }
  f.is_virtfn = true;
  f.physfn = pf;
  return {};
}

Status TopologyBuilder::link_explicit_virtual_functions(std::vector<char>& has_links) {
  const auto n = static_cast<FunctionId>(t_.functions_.size());
  std::vector<char> listed(n, 0);
  // The PF's virtfnN links give the VF index order.
  for (FunctionId pf = 0; pf < n; ++pf) {
    const SnapshotFunction& sf = raw(pf);
    for (const Bdf& address : sf.virtfns) {
      has_links[pf] = 1;
      const FunctionId vf = lookup(address);
      if (vf == kNoFunction) {
        t_.notes_.push_back(fmt::format("{}: virtual function {} of {} is not in the input",
                                        sf.origin, address.to_string(), sf.address.to_string()));
        continue;
      }
      if (auto s = claim_virtual_function(vf, pf); !s) return s;
      if (!listed[vf]) t_.functions_[pf].virtfns.push_back(vf);
      listed[vf] = 1;
    }
  }
  std::vector<FunctionId> unlisted;
  for (FunctionId vf = 0; vf < n; ++vf) {
    const SnapshotFunction& sf = raw(vf);
    if (!sf.physfn) continue;
    const FunctionId pf = lookup(*sf.physfn);
    if (pf == kNoFunction) {
      return make_error(Errc::kInconsistent,
                        fmt::format("virtual function {} has physfn {}, which is not in the input",
                                    sf.address.to_string(), sf.physfn->to_string()),
                        sf.origin, "capture the whole machine, or leave out the VFs of missing PFs");
    }
    has_links[pf] = 1;
    if (auto s = claim_virtual_function(vf, pf); !s) return s;
    if (!listed[vf]) unlisted.push_back(vf);
  }
  // VFs known only from their physfn link: VF index grows with the routing ID.
  std::sort(unlisted.begin(), unlisted.end(), [&](FunctionId a, FunctionId b) {
    const Function& fa = t_.functions_[a];
    const Function& fb = t_.functions_[b];
    if (fa.physfn != fb.physfn) return fa.physfn < fb.physfn;
    return fa.address < fb.address;
  });
  for (FunctionId vf : unlisted) t_.functions_[t_.functions_[vf].physfn].virtfns.push_back(vf);
  return {};
}

// VF i of a PF has routing ID PF RID + First VF Offset + i * VF Stride (PCIe r6.0
// §9.3.3.9-§9.3.3.10); the sum may carry into higher bus numbers, which is how VFs end up
// on a virtual bus (drivers/pci/iov.c pci_iov_virtfn_bus / virtfn_add_bus).
Status TopologyBuilder::derive_virtual_functions(const std::vector<char>& has_links) {
  const auto n = static_cast<FunctionId>(t_.functions_.size());
  for (FunctionId pf = 0; pf < n; ++pf) {
    const Function& p = t_.functions_[pf];
    if (has_links[pf] || p.is_virtfn || p.sriov.present != Tristate::kTrue) continue;
    if (!p.sriov.num_vfs || *p.sriov.num_vfs == 0) continue;
    const unsigned num_vfs = *p.sriov.num_vfs;
    if (!p.sriov.vf_offset || !p.sriov.vf_stride) {
      t_.notes_.push_back(fmt::format(
          "{}: {} has {} VFs enabled, but its VF offset or stride is unknown; its VFs are "
          "not linked to it", p.origin, p.address.to_string(), num_vfs));
      continue;
    }
    const std::uint32_t pf_rid = static_cast<std::uint32_t>(p.address.bus) << 8 | p.address.devfn;
    // Each VF must be in the input (lspci lists every enabled VF), so the loop stops at the
    // first one missing: the work stays bounded by the number of functions.
    for (std::uint32_t i = 0; i < num_vfs; ++i) {
      const std::uint32_t rid = pf_rid + *p.sriov.vf_offset + i * *p.sriov.vf_stride;
      if (rid > 0xffff) {
        t_.notes_.push_back(fmt::format(
            "{}: VF {} of {} would lie beyond bus ff (offset {}, stride {}); VFs from there on "
            "are not linked", p.origin, i, p.address.to_string(), *p.sriov.vf_offset,
            *p.sriov.vf_stride));
        break;
      }
      const Bdf address{p.address.domain, static_cast<std::uint8_t>(rid >> 8),
                        static_cast<std::uint8_t>(rid & 0xff)};
      const FunctionId vf = lookup(address);
      if (vf == kNoFunction) {
        t_.notes_.push_back(fmt::format(
            "{}: {} has {} VFs enabled, but VF {} ({}) is not in the input; VFs from there on "
            "are not linked", p.origin, p.address.to_string(), num_vfs, i, address.to_string()));
        break;
      }
      if (auto s = claim_virtual_function(vf, pf); !s) return s;
      t_.functions_[pf].virtfns.push_back(vf);
    }
  }
  return {};
}

}  // namespace isogroup
