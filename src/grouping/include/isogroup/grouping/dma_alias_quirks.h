// The DMA-alias header quirks of drivers/pci/quirks.c as data (§5.1 of the reference), and
// the Intel VMD endpoint ids of drivers/pci/controller/vmd.c (§5.2).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "isogroup/grouping/acs_quirks.h"
#include "isogroup/grouping/kernel_version.h"

namespace isogroup {

enum class DmaAliasQuirkFn {
  kFunc0,            // quirk_dma_func0_alias: functions != 0 alias (slot, 0)
  kFunc1,            // quirk_dma_func1_alias: functions != 1 alias (slot, 1)
  kFixed,            // quirk_fixed_dma_alias: devfn 01.0 (subsystem-matched)
  kMicX200,          // quirk_mic_x200_dma_alias: 10.0, 11.0, 12.3
  kPexVca,           // quirk_pex_vca_alias: functions 0-4 of every slot
  kXlateRoot,        // quirk_bridge_cavm_thrx2_pcie_root: PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT
  kPlxNtbAll,        // quirk_plx_ntb_dma_alias: all 256 devfns
  kSwitchtec,        // quirk_switchtec_ntb_dma_alias: from MMIO, not computable
  kPcieBridgeAlias,  // quirk_use_pcie_bridge_dma_alias: PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS
};
std::string_view to_string(DmaAliasQuirkFn fn);

struct DmaAliasQuirkRow {
  std::uint16_t vendor = 0;
  std::uint16_t device = 0;
  DmaAliasQuirkFn fn = DmaAliasQuirkFn::kFunc0;
  VersionRange kernels;
  std::string_view citation;
  // Optional extra match: subsystem ids (kFixed), class >> 8 (kSwitchtec's class fixup).
  std::uint32_t subsystem_vendor = kAnyId, subsystem_device = kAnyId;
  std::uint32_t class_upper = kAnyId;  // class_code >> 8, e.g. 0x0680
};

const std::vector<DmaAliasQuirkRow>& dma_alias_quirk_table();

// Intel VMD endpoints (vmd_ids[] of drivers/pci/controller/vmd.c).
const std::vector<std::uint16_t>& vmd_device_ids();
inline constexpr std::uint32_t kVmdFirstDomain = 0x10000;  // vmd_find_free_domain() starts above 0xffff

// "Enabling fixed DMA alias to SS.F" / "... for devfn range from SS.F to SS.F", logged by
// pci_add_dma_alias() for every alias any quirk (or AMD IVRS) adds: the devfns, or nullopt.
struct LoggedAlias {
  std::uint8_t first = 0, last = 0;  // devfn range, inclusive
};
std::optional<LoggedAlias> parse_dma_alias_log(std::string_view text_after_device);
inline constexpr std::string_view kDmaAliasLog = "Enabling fixed DMA alias";

}  // namespace isogroup
