#include "isogroup/vfio/info_decode.h"

#include <linux/vfio.h>

#include <cstddef>
#include <cstring>
#include <set>

#include <fmt/format.h>

namespace isogroup::vfio {
namespace {

template <class T>
bool read_at(std::span<const std::byte> buffer, std::size_t offset, T& out) {
  if (offset > buffer.size() || buffer.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, buffer.data() + offset, sizeof(T));
  return true;
}

tl::unexpected<Error> malformed(std::string what) {
  return make_error(Errc::kInvalidInput, std::move(what), "VFIO_IOMMU_GET_INFO",
                    "the kernel answered with a layout this isogroup does not understand; "
                    "report it with the kernel version");
}

// The uAPI structs that end in a flexible array are never instantiated (that is a compiler
// extension); their fixed fields are read at their offsetof positions instead.
Status decode_iova_range_cap(std::span<const std::byte> buffer, std::size_t offset,
                             IommuInfo& info) {
  using Cap = vfio_iommu_type1_info_cap_iova_range;
  std::uint32_t nr_iovas = 0;
  if (!read_at(buffer, offset + offsetof(Cap, nr_iovas), nr_iovas)) {
    return malformed("IOVA-range capability is truncated");
  }
  std::vector<IovaRange> ranges;
  std::size_t at = offset + offsetof(Cap, iova_ranges);
  for (std::uint32_t i = 0; i < nr_iovas; ++i, at += sizeof(vfio_iova_range)) {
    vfio_iova_range range{};
    if (!read_at(buffer, at, range)) {
      return malformed(fmt::format("IOVA range {} of {} is outside the answer", i, nr_iovas));
    }
    if (range.end < range.start) {
      return malformed(fmt::format("IOVA range {:#x}-{:#x} ends before it starts", range.start,
                                   range.end));
    }
    ranges.push_back(IovaRange{range.start, range.end});
  }
  info.iova_ranges = std::move(ranges);
  return {};
}

}  // namespace

Result<IommuInfo> decode_iommu_type1_info(std::span<const std::byte> buffer) {
  vfio_iommu_type1_info head{};
  if (!read_at(buffer, 0, head)) return malformed("the answer is shorter than its header");
  IommuInfo info;
  if (head.flags & VFIO_IOMMU_INFO_PGSIZES) info.page_sizes = head.iova_pgsizes;
  if (!(head.flags & VFIO_IOMMU_INFO_CAPS) || head.cap_offset == 0) return info;

  // Each capability names the next by absolute offset; 0 ends the chain. A visited set
  // stops a chain that points back at itself.
  std::set<std::size_t> seen;
  for (std::size_t offset = head.cap_offset; offset != 0;) {
    if (!seen.insert(offset).second) return malformed("the capability chain loops");
    if (offset < sizeof(head)) return malformed("a capability overlaps the header");
    vfio_info_cap_header cap{};
    if (!read_at(buffer, offset, cap)) return malformed("a capability header is truncated");
    if (cap.id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
      if (auto status = decode_iova_range_cap(buffer, offset, info); !status) {
        return tl::unexpected(std::move(status).error());
      }
    }
    offset = cap.next;
  }
  return info;
}

Result<std::vector<HotResetDependent>> decode_hot_reset_info(std::span<const std::byte> buffer) {
  using Info = vfio_pci_hot_reset_info;
  std::uint32_t count = 0;
  if (!read_at(buffer, offsetof(Info, count), count)) {
    return make_error(Errc::kInvalidInput, "the answer is shorter than its header",
                      "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO");
  }
  std::vector<HotResetDependent> out;
  std::size_t at = offsetof(Info, devices);
  for (std::uint32_t i = 0; i < count; ++i, at += sizeof(vfio_pci_dependent_device)) {
    vfio_pci_dependent_device dev{};
    if (!read_at(buffer, at, dev)) {
      return make_error(Errc::kInvalidInput,
                        fmt::format("dependent device {} of {} is outside the answer", i, count),
                        "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO");
    }
    out.push_back(HotResetDependent{dev.group_id, Bdf{dev.segment, dev.bus, dev.devfn}});
  }
  return out;
}

}  // namespace isogroup::vfio
