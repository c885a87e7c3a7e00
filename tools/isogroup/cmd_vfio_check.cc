// isogroup vfio-check ADDRESS [--sysfs ROOT] [--json] [--dma-size BYTES]
// Exercises the VFIO client library against the live kernel for one function that is
// already bound to vfio-pci (docs/vfio.md, docs/kernel-tests.md "VFIO end to end"):
// group viability as isogroup computes it, open_device_session, device info and regions,
// one DMA map/unmap through the container, and config space through the device fd compared
// with sysfs `config`. Exit 0: everything worked and matched; 1: config bytes that must be
// equal differ, or VFIO reports a viability isogroup did not predict; 2: an error.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "cmd_vfio_check.h"
#include "isogroup/grouping/kernel_version.h"
#include "isogroup/ownership/plan.h"
#include "isogroup/ownership/viability.h"
#include "isogroup/sources/root_dir.h"
#include "isogroup/vfio/session.h"

namespace isogroup::cli {
namespace {

// Config-space bytes vfio-pci passes through unchanged for a type-0 header
// (drivers/vfio/pci/vfio_pci_config.c, v4.x–v6.x: these fields are read-only and taken
// from the device when the virtual config is built). Everything else may legitimately
// differ: the command register (memory/IO enables, INTx), status (capability list bit),
// BARs and the expansion ROM (sizing, unused BARs read 0), the interrupt line/pin,
// capability pointers (vfio hides capabilities it does not know) and MSI/MSI-X/PM/PCIe
// fields. PCI Local Bus 3.0 §6.1 (header layout).
struct MustMatch {
  std::uint32_t offset;
  std::uint32_t length;
  const char* name;
};
constexpr MustMatch kMustMatch[] = {
    {0x00, 2, "vendor"},           {0x02, 2, "device"},
    {0x08, 1, "revision"},         {0x09, 3, "class"},
    {0x0e, 1, "header type"},      {0x2c, 2, "subsystem vendor"},
    {0x2e, 2, "subsystem device"},
};

// The register a config offset falls in, to name differing bytes (PCI 3.0 §6.1, type 0).
std::string register_name(std::size_t offset) {
  struct Field {
    std::size_t begin, end;
    const char* name;
  };
  static constexpr Field kFields[] = {
      {0x00, 0x02, "vendor"},       {0x02, 0x04, "device"},         {0x04, 0x06, "command"},
      {0x06, 0x08, "status"},       {0x08, 0x09, "revision"},       {0x09, 0x0c, "class"},
      {0x0c, 0x0d, "cache line"},   {0x0d, 0x0e, "latency timer"},  {0x0e, 0x0f, "header type"},
      {0x0f, 0x10, "BIST"},         {0x10, 0x28, "BAR"},            {0x28, 0x2c, "cardbus CIS"},
      {0x2c, 0x2e, "subsystem vendor"}, {0x2e, 0x30, "subsystem device"},
      {0x30, 0x34, "expansion ROM"}, {0x34, 0x35, "capability pointer"},
      {0x35, 0x3c, "reserved"},     {0x3c, 0x3d, "interrupt line"}, {0x3d, 0x3e, "interrupt pin"},
      {0x3e, 0x40, "min grant/max latency"},
  };
  for (const auto& field : kFields) {
    if (offset >= field.begin && offset < field.end) return field.name;
  }
  return offset < 0x100 ? "capabilities" : "extended capabilities";
}

struct Report {
  nlohmann::json json = nlohmann::json::object();
  std::vector<std::string> lines;
  void line(std::string text) { lines.push_back(std::move(text)); }
};

int finish(const VfioCheckOptions& options, Report& report, int code) {
  report.json["result"] = code == kExitOk ? "ok" : code == kExitDifferent ? "mismatch" : "error";
  std::string text;
  if (options.json) {
    text = report.json.dump(2) + "\n";
  } else {
    for (const auto& l : report.lines) text += l + "\n";
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return code;
}

}  // namespace

int run_vfio_check(const VfioCheckOptions& options, std::shared_ptr<vfio::VfioSyscalls> syscalls) {
  auto address = Bdf::parse(options.target);
  if (!address) return report(address.error());
  const std::string bdf = address->to_string();
  InputOptions input;
  input.sysfs = options.sysfs;
  auto topology = load_topology(input);
  if (!topology) return report(topology.error());
  auto root = RootDir::open(options.sysfs);
  if (!root) return report(root.error());

  Report out;
  out.json["schema"] = "isogroup-vfio-check";
  out.json["version"] = 1;
  out.json["function"] = bdf;

  PlanTarget target;
  target.address = *address;
  auto members = group_members(*topology, target);
  if (!members) return report(members.error());
  if (!members->group) {
    return report(make_error(Errc::kUnsupported, "the function has no IOMMU group", bdf,
                             "vfio-check needs an IOMMU (intel_iommu=on / amd_iommu); "
                             "no-IOMMU mode is not checked").value());
  }
  // An unknown or unparsable release gets the current (v5.19+) rule, as plan_assign does.
  const auto& release = topology->snapshot().kernel_release;
  KernelVersion kernel = KernelVersion::newest();
  if (release) {
    if (auto parsed = KernelVersion::parse(*release)) kernel = *parsed;
  }
  const GroupViability viability = group_viability(*topology, members->members, kernel);
  vfio::SessionOptions session_options;
  std::vector<std::string> member_names;
  for (FunctionId id : members->members) member_names.push_back(topology->function(id).address.to_string());
  nlohmann::json blockers = nlohmann::json::array();
  for (const auto& blocker : viability.blockers) {
    std::string text = fmt::format("{}: {}", topology->function(blocker.function).address.to_string(),
                                   blocker.why);
    blockers.push_back(text);
    session_options.blockers.push_back(std::move(text));
  }
  out.json["group"] = {{"number", *members->group},
                       {"members", member_names},
                       {"computed_viable", to_string(viability.viable)},
                       {"rule", viability.rule},
                       {"blockers", blockers}};
  out.line(fmt::format("function {}: IOMMU group {} ({} functions: {})", bdf, *members->group,
                       member_names.size(), fmt::join(member_names, " ")));
  out.line(fmt::format("  isogroup's viability: {} ({})", to_string(viability.viable), viability.rule));
  for (const auto& b : session_options.blockers) out.line("    blocker: " + b);

  auto session = vfio::open_device_session(static_cast<unsigned>(*members->group), bdf,
                                           std::move(syscalls), session_options);
  if (!session) {
    // The library refuses a group VFIO says is not viable; when isogroup predicted it
    // viable that is a disagreement with the kernel, not just an error.
    if (session.error().code_ == Errc::kRefused && viability.viable == Tristate::kTrue) {
      out.json["error"] = session.error().to_string();
      out.line("  VFIO says the group is not viable, isogroup computed it viable: " +
               session.error().to_string());
      return finish(options, out, kExitDifferent);
    }
    return report(session.error());
  }
  auto status = session->group->status();
  if (!status) return report(status.error());
  out.json["group"]["vfio_viable"] = status->viable;
  out.json["group"]["container_set"] = status->container_set;
  out.line(fmt::format("  VFIO group status: viable={} container_set={}", status->viable,
                       status->container_set));
  int code = kExitOk;
  if (viability.viable == Tristate::kFalse && status->viable) {
    out.line("  MISMATCH: isogroup computed the group non-viable, VFIO says viable");
    code = kExitDifferent;
  }
  if (!status->container_set) {
    out.line("  MISMATCH: the group is not in a container after open_device_session");
    code = kExitDifferent;
  }

  const vfio::DeviceInfo& info = session->device.info();
  out.json["device"] = {{"flags", info.flags},
                        {"pci", info.is_pci()},
                        {"reset", info.supports_reset()},
                        {"regions", info.num_regions},
                        {"irqs", info.num_irqs}};
  out.line(fmt::format("  device: flags={:#x} pci={} reset={} regions={} irqs={}", info.flags,
                       info.is_pci(), info.supports_reset(), info.num_regions, info.num_irqs));
  nlohmann::json regions = nlohmann::json::array();
  for (std::uint32_t i = 0; i < info.num_regions; ++i) {
    auto region = session->device.region_info(i);
    if (!region) {
      // vfio-pci answers EINVAL for the VGA region of a non-VGA device; keep going.
      regions.push_back({{"index", i}, {"error", region.error().to_string()}});
      continue;
    }
    regions.push_back({{"index", i},
                       {"size", region->size},
                       {"offset", region->offset},
                       {"flags", region->flags}});
    if (region->size != 0) {
      out.line(fmt::format("    region {}: size {:#x} flags {:#x}{}", i, region->size,
                           region->flags, i == vfio::kPciConfigRegionIndex ? " (config)" : ""));
    }
  }
  out.json["device"]["region_info"] = regions;

  // DMA: one page-aligned buffer mapped where the container's allocator picks, then unmapped.
  {
    void* memory = std::aligned_alloc(4096, static_cast<std::size_t>(options.dma_size));
    if (memory == nullptr) {
      return report(make_error(Errc::kIo, "cannot allocate the DMA buffer", bdf, "").value());
    }
    std::memset(memory, 0x5a, static_cast<std::size_t>(options.dma_size));
    auto mapping = session->container->map_dma(
        {static_cast<std::byte*>(memory), static_cast<std::size_t>(options.dma_size)});
    if (!mapping) {
      std::free(memory);
      return report(mapping.error());
    }
    const std::uint64_t iova = mapping->iova();
    Status unmapped = mapping->unmap();
    std::free(memory);
    if (!unmapped) return report(unmapped.error());
    out.json["dma"] = {{"size", options.dma_size}, {"iova", iova}, {"mapped", true}, {"unmapped", true}};
    out.line(fmt::format("  DMA: mapped {:#x} bytes at IOVA {:#x}, unmapped", options.dma_size, iova));
  }

  // Config space: sysfs first (its length decides how much is compared), then VFIO.
  auto sysfs_config = root->read_file(fmt::format("sys/bus/pci/devices/{}/config", bdf), 4096);
  if (!sysfs_config) return report(sysfs_config.error());
  // As much as both sides give: sysfs returns 4096 bytes of a PCIe function to root, 256
  // of a conventional one; the VFIO config region has the same size as the function's space.
  auto config_region = session->device.region_info(vfio::kPciConfigRegionIndex);
  if (!config_region) return report(config_region.error());
  const std::size_t length =
      std::min<std::size_t>(sysfs_config->size(), static_cast<std::size_t>(config_region->size));
  if (length < 0x30) {
    return report(make_error(Errc::kPermission, "sysfs config gave too few bytes to compare",
                             fmt::format("{} ({} bytes)", bdf, sysfs_config->size()),
                             "run as root: unprivileged readers get 64 bytes").value());
  }
  auto vfio_config = vfio::read_config(session->device, 0, length);
  if (!vfio_config) return report(vfio_config.error());
  nlohmann::json differing = nlohmann::json::array();
  std::vector<std::string> diff_text;
  for (std::size_t i = 0; i < length; ++i) {
    const auto s = static_cast<std::uint8_t>((*sysfs_config)[i]);
    const auto v = (*vfio_config)[i];
    if (s == v) continue;
    differing.push_back({{"offset", i}, {"sysfs", s}, {"vfio", v}, {"register", register_name(i)}});
    diff_text.push_back(fmt::format("{:#04x}({}) {:02x}->{:02x}", i, register_name(i), s, v));
  }
  nlohmann::json compared = nlohmann::json::array();
  std::vector<std::string> compared_text;
  std::vector<std::string> mismatches;
  for (const auto& field : kMustMatch) {
    bool equal = true;
    for (std::uint32_t k = 0; k < field.length; ++k) {
      const std::size_t at = field.offset + k;
      if (static_cast<std::uint8_t>((*sysfs_config)[at]) != (*vfio_config)[at]) equal = false;
    }
    compared.push_back({{"field", field.name}, {"offset", field.offset}, {"length", field.length},
                        {"equal", equal}});
    compared_text.push_back(field.name);
    if (!equal) mismatches.push_back(field.name);
  }
  const auto word = [&](std::size_t at) {
    return static_cast<unsigned>((*vfio_config)[at] | ((*vfio_config)[at + 1] << 8));
  };
  out.json["config"] = {{"length", length},
                        {"vendor", word(0x00)},
                        {"device", word(0x02)},
                        {"must_match", compared},
                        {"differing_bytes", differing},
                        {"identical", differing.empty()}};
  out.line(fmt::format("  config: {} bytes read through VFIO and sysfs; {} bytes differ{}", length,
                       differing.size(), differing.empty() ? "" : ": " + fmt::format("{}", fmt::join(diff_text, ", "))));
  out.line(fmt::format("  config must match ({}): {}", fmt::join(compared_text, ", "),
                       mismatches.empty() ? "equal" : "MISMATCH in " + fmt::format("{}", fmt::join(mismatches, ", "))));
  if (!mismatches.empty()) code = kExitDifferent;
  return finish(options, out, code);
}

void add_vfio_check_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<VfioCheckOptions>();
  CLI::App* cmd = app.add_subcommand(
      "vfio-check", "open a vfio-pci function through VFIO: viability, DMA map, config space");
  cmd->add_option("address", options->target, "a function already bound to vfio-pci")->required();
  cmd->add_option("--sysfs", options->sysfs, "root of the live system (default /)");
  cmd->add_flag("--json", options->json, "print the report as JSON (schema isogroup-vfio-check)");
  cmd->add_option("--dma-size", options->dma_size, "bytes to map for DMA (whole pages; default 1 MiB)")
      ->check(CLI::Range(std::uint64_t{4096}, std::uint64_t{1} << 30))
      ->check(CLI::Validator(
          [](std::string& text) {
            return std::stoull(text) % 4096 == 0 ? std::string() : "must be whole 4 KiB pages";
          },
          "PAGES"));
  cmd->callback([options, &exit_code] {
    exit_code = run_vfio_check(*options, vfio::make_linux_vfio_syscalls());
  });
}

}  // namespace isogroup::cli
