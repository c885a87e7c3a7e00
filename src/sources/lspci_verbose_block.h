// One function's block of lspci -vv text, parsed into the facts the text states.
// Private to sources/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isogroup/core/bdf.h"
#include "lspci_verbose_text.h"

namespace isogroup::lspci_verbose {

// The block's first line: "[DDDD:]BB:DD.F Class [cccc]: Vendor Device [vvvv:dddd] (rev rr)
// (prog-if pp [name])". Fields the line does not show stay nullopt.
struct HeaderText {
  Bdf address;
  std::optional<std::uint16_t> class_code;  // base << 8 | sub
  std::optional<std::uint8_t> prog_if, revision;
  std::optional<std::uint16_t> vendor_id, device_id;
  std::string description;   // "Intel Corporation ... Root Port #1"
  bool numeric = false;      // the line has -nn numbers (a "[cccc]" class)
  bool damaged = false;      // the line is cut or has text lspci does not print
};
// nullopt when LINE does not start with a PCI address followed by a space.
std::optional<HeaderText> parse_header(std::string_view line);

enum class ChainEnd {
  kNone,          // the list ended normally after the last capability shown
  kLooped,        // lspci printed "<chain looped>" at `end_offset`
  kBroken,        // lspci printed "<chain broken>" (ID 0xff) at `end_offset`
  kAccessDenied,  // "<access denied>": unprivileged lspci; the rest is unknown
};

struct CapabilityText {
  std::size_t line = 0;
  std::uint16_t offset = 0;
  std::optional<std::uint8_t> version;  // "[100 v1]"
  bool extended = false;
  std::string name;  // the text after "] "
  // Registers decoded from the body lines (PCIe r6.0 §7.7.11, §7.8.7, §9.3.3).
  std::optional<std::uint16_t> acs_capability, acs_control;
  std::optional<std::uint8_t> ari_next_function;
  std::optional<std::uint8_t> ari_flags;  // ARI Capability register bits 7:0
  std::optional<std::uint16_t> sriov_initial_vfs, sriov_total_vfs, sriov_num_vfs;
  std::optional<std::uint8_t> sriov_dependency_link;
  std::optional<std::uint16_t> sriov_vf_offset, sriov_vf_stride, sriov_vf_device_id;
};

struct ChainText {
  std::vector<CapabilityText> capabilities;  // in the order printed
  ChainEnd end = ChainEnd::kNone;
  std::uint16_t end_offset = 0;  // for kLooped / kBroken
  std::size_t end_line = 0;
  bool invalid = false;          // an entry could not be read: the list is cut there
};

struct BridgeBusText {
  std::uint8_t primary = 0, secondary = 0, subordinate = 0;
  std::optional<std::uint8_t> secondary_latency;
};

struct FunctionText {
  HeaderText header;
  std::size_t line = 0;
  std::optional<std::uint16_t> subsystem_vendor, subsystem_device;
  std::optional<std::uint16_t> status;  // the whole Status register, when every flag is shown
  std::optional<bool> status_cap_list;  // "Cap+" / "Cap-"
  std::optional<BridgeBusText> bus;
  std::size_t bus_line = 0;
  ChainText standard, extended;
  std::optional<std::string> driver;
  std::optional<int> iommu_group;
  std::optional<int> numa_node;
  // lspci ends every block with a blank line; a block cut off by the end of the input
  // (or by another function's line) may have lost its tail.
  bool complete = false;
  std::vector<std::string> notes;  // "line N: ..." problems found while parsing
};

// Parses the lines of one block; LINES[0] is the header line.
FunctionText parse_block(std::span<const TextLine> lines, HeaderText header);

}  // namespace isogroup::lspci_verbose
