// The device-specific ACS quirks of drivers/pci/quirks.c as data (§4.3 of the reference):
// pci_dev_acs_enabled[] row by row in kernel order, the id lists its functions test, and
// the kernels each row exists in. The evaluator in acs.cc gives the functions their meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "isogroup/core/bdf.h"
#include "isogroup/grouping/kernel_version.h"
#include "isogroup/grouping/policy.h"

namespace isogroup {

// PCI_ANY_ID in a vendor or device column.
inline constexpr std::uint32_t kAnyId = 0xffffffffu;

// The quirk functions of pci_dev_acs_enabled[] (drivers/pci/quirks.c names in comments).
enum class AcsQuirkFn {
  kAmdSb,         // pci_quirk_amd_sb_acs
  kMfEndpoint,    // pci_quirk_mf_endpoint_acs
  kIntelRciep,    // pci_quirk_rciep_acs
  kQcomRp,        // pci_quirk_qcom_rp_acs
  kIntelPch,      // pci_quirk_intel_pch_acs
  kIntelSptPch,   // pci_quirk_intel_spt_pch_acs
  kCavium,        // pci_quirk_cavium_acs
  kXgene,         // pci_quirk_xgene_acs
  kBrcm,          // pci_quirk_brcm_acs
  kLoongson,      // pci_quirk_loongson_acs
  kNxpRp,         // pci_quirk_nxp_rp_acs
  kAmazonAl,      // pci_quirk_al_acs
  kZhaoxinPorts,  // pci_quirk_zhaoxin_pcie_ports_acs
  kWangxunNic,    // pci_quirk_wangxun_nic_acs
  kAcsOverride,   // pcie_acs_overrides (out-of-tree, §4.5)
};
std::string_view to_string(AcsQuirkFn fn);

struct AcsQuirkRow {
  std::uint32_t vendor = kAnyId;
  std::uint32_t device = kAnyId;
  AcsQuirkFn fn = AcsQuirkFn::kMfEndpoint;
  VersionRange kernels;       // the kernels whose table has this row
  std::string_view citation;  // the patch or table comment it comes from
  bool matches(std::uint16_t v, std::uint16_t d) const {
    return (vendor == kAnyId || vendor == v) && (device == kAnyId || device == d);
  }
};

// A device-id range one quirk function tests, with the kernels that test it.
struct AcsIdRange {
  std::uint16_t first = 0, last = 0;
  VersionRange kernels;
  std::string_view name;  // chipset family
  bool contains(std::uint16_t id, const KernelVersion& k) const {
    return id >= first && id <= last && kernels.contains(k);
  }
};

// pci_dev_acs_enabled[] in kernel order, every row of every kernel modelled; the
// pcie_acs_override row is not here (it is not mainline).
const std::vector<AcsQuirkRow>& acs_quirk_table();
// The rows of `policy.kernel`, with the override row appended last when the policy's
// command line has pcie_acs_override (the common variant's placement).
std::vector<AcsQuirkRow> acs_quirk_table_for(const Policy& policy);

const std::vector<AcsIdRange>& intel_pch_acs_ids();      // intel_pch root ports
const std::vector<AcsIdRange>& intel_spt_pch_acs_ids();  // Sunrise/Union Point root ports (dword layout)
const std::vector<AcsIdRange>& cavium_acs_ids();         // ThunderX root ports
const std::vector<AcsIdRange>& zhaoxin_port_acs_ids();   // Zhaoxin ports that isolate
const std::vector<AcsIdRange>& wangxun_nic_acs_ids();    // Wangxun NICs that isolate

bool id_in(const std::vector<AcsIdRange>& ranges, std::uint16_t id, const KernelVersion& kernel);

// Kernels that have the command-line and capability rules of §4.2.
inline constexpr VersionRange kDisableAcsRedirKernels{{4, 19, 0}, {999, 0, 0}};  // pci=disable_acs_redir (≈4.19)
inline constexpr VersionRange kConfigAcsKernels{{6, 11, 0}, {999, 0, 0}};        // pci=config_acs (≈6.11)
// pci_disable_broken_acs_cap(): IDT 111d:80b5 / 111d:8090 lose SV from the cached capability.
inline constexpr VersionRange kIdtBrokenSvKernels{{7, 0, 0}, {999, 0, 0}};
struct VendorDevice {
  std::uint16_t vendor, device;
};
inline constexpr VendorDevice kIdtBrokenSv[] = {{0x111d, 0x80b5}, {0x111d, 0x8090}};

// The device a kernel log line is about: the last "DDDD:BB:DD.F" address before
// `message_pos` (dev_info() prefixes lines with "pci 0000:00:1c.0: "). nullopt if none.
std::optional<Bdf> kernel_log_device(std::string_view line, std::size_t message_pos);

// The enable_intel_pch quirk's outcome for one root port, from the kernel log.
inline constexpr std::string_view kPchAcsEnabledLog = "Intel PCH root port ACS workaround enabled";
inline constexpr std::string_view kPchAcsFailedLog = "Failed to enable Intel PCH ACS quirk";

}  // namespace isogroup
