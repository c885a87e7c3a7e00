// GroupSet: the result of grouping, with reasons for every membership.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/bdf.h"
#include "isogroup/core/error.h"
#include "isogroup/grouping/policy.h"
#include "isogroup/model/topology.h"

namespace isogroup {

enum class ReasonKind {
  kOwnGroup,            // isolated: new group of its own
  kBehindBridge,        // joined the group of a bridge whose path lacks ACS
  kDmaAliasBridge,      // behind a PCIe-to-PCI / conventional bridge that aliases its DMA
  kDmaAliasQuirk,       // dma_alias_mask from a quirk
  kMultifunction,       // a function of a multifunction device without ACS
  kVmd,                 // behind Intel VMD: DMA as the VMD endpoint
  kAcsQuirk,            // ACS decided by a device-specific quirk
  kAcsOverride,         // pcie_acs_override
  kAcsIncomplete,       // ACS present but a required bit is off in Control
  kAcsMissing,          // no ACS capability
  kAcsUnknown,          // the input does not show the ACS registers
  kNotBehindIommu,      // the function gets no group on this platform
  kGroupMf,             // legacy iommu=group_mf
  kAssumption,          // a named assumption the answer depends on
};
// The names used in JSON output (docs/json-schema.md): part of the stable contract.
std::string_view to_string(ReasonKind kind);

// An immutable text shared by every Reason that says the same thing: a wide slot or a
// deep switch repeats one reason for thousands of functions, and copying a SharedText
// costs a reference count, not a string (docs/performance.md).
class SharedText {
 public:
  SharedText() = default;
  SharedText(std::string text)  // NOLINT(google-explicit-constructor): a text is a text
      : text_(text.empty() ? nullptr : std::make_shared<const std::string>(std::move(text))) {}
  SharedText(const char* text) : SharedText(std::string(text)) {}  // NOLINT(google-explicit-constructor)
  SharedText(std::string_view text) : SharedText(std::string(text)) {}  // NOLINT(google-explicit-constructor)

  const std::string& str() const { return text_ ? *text_ : empty_text(); }
  operator const std::string&() const { return str(); }  // NOLINT(google-explicit-constructor)
  bool empty() const { return !text_; }
  std::size_t find(std::string_view needle, std::size_t pos = 0) const { return str().find(needle, pos); }

  friend bool operator==(const SharedText& a, const SharedText& b) {
    return a.text_ == b.text_ || a.str() == b.str();
  }
  friend bool operator==(const SharedText& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const SharedText& a, const std::string& b) { return a.str() == b; }
  friend bool operator==(const SharedText& a, const char* b) { return a.str() == b; }
  friend std::ostream& operator<<(std::ostream& out, const SharedText& text);

 private:
  static const std::string& empty_text() {
    static const std::string kEmpty;
    return kEmpty;
  }
  std::shared_ptr<const std::string> text_;
};

struct Reason {
  ReasonKind kind = ReasonKind::kOwnGroup;
  std::optional<Bdf> subject;  // the function the reason is about (a port, a sibling)
  SharedText text;             // one line, plain language
  SharedText remedy;           // what would isolate the device, when something would
};

// The reasons of one membership. Nearly every function has exactly one, so it is held in
// place; a second moves them all to the heap. Iterates like a vector.
class ReasonList {
 public:
  const Reason* begin() const { return many_.empty() ? (one_ ? &*one_ : nullptr) : many_.data(); }
  const Reason* end() const { return begin() + size(); }
  std::size_t size() const { return many_.empty() ? (one_ ? 1u : 0u) : many_.size(); }
  bool empty() const { return size() == 0; }
  const Reason& operator[](std::size_t i) const { return begin()[i]; }
  const Reason& front() const { return *begin(); }
  const Reason& back() const { return end()[-1]; }

  void push_back(Reason reason) {
    if (many_.empty() && !one_) {
      one_ = std::move(reason);
      return;
    }
    if (many_.empty()) {
      many_.reserve(3);
      many_.push_back(std::move(*one_));
      one_.reset();
    }
    many_.push_back(std::move(reason));
  }

 private:
  std::optional<Reason> one_;  // the only reason, while there is one
  std::vector<Reason> many_;   // all of them, once there are two or more
};

struct Group {
  int id = 0;  // the number the kernel would give it
  std::vector<FunctionId> members;  // sorted by address
};

struct Membership {
  int group = -1;  // index into GroupSet::groups, -1 = no group
  ReasonList reasons;
  // ACS verdict of this function for REQ_ACS_FLAGS, kUnknown when the input cannot say.
  Tristate acs_enabled = Tristate::kUnknown;
};

struct GroupSet {
  Policy policy;
  std::vector<Group> groups;             // sorted by id
  std::vector<Membership> membership;    // indexed by FunctionId
  std::vector<std::string> assumptions;  // what the answer depends on that the input lacked
  // Functions whose placement depends on unknown input (e.g. ACS unreadable): "cannot decide".
  std::vector<FunctionId> undecided;

  const Group* group_of(FunctionId f) const {
    const int g = membership[f].group;
    return g < 0 ? nullptr : &groups[static_cast<std::size_t>(g)];
  }
};

// The fast engine: union-find with indexed lookups, linear in the number of functions.
Result<GroupSet> compute_groups(const Topology& topology, const Policy& policy);

// A literal transcription of drivers/iommu/iommu.c pci_device_group() with its global
// list scans: slow, used as a test oracle.
Result<GroupSet> compute_groups_literal(const Topology& topology, const Policy& policy);

}  // namespace isogroup
