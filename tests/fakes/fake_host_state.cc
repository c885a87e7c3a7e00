#include "fakes/fake_host_state.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace isogroup::testing {
namespace {


std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "192.168.1.0/24" -> (address bytes in network order, prefix length).
std::pair<std::array<unsigned char, 4>, int> parse_v4(std::string_view prefix) {
  const auto slash = prefix.find('/');
  const std::string addr(prefix.substr(0, slash));
  std::array<unsigned char, 4> bytes{};
  if (::inet_pton(AF_INET, addr.c_str(), bytes.data()) != 1) ADD_FAILURE() << "bad IPv4 " << prefix;
  const int len = slash == std::string_view::npos ? 32 : std::stoi(std::string(prefix.substr(slash + 1)));
  return {bytes, len};
}

// As the kernel prints a __be32 with %08X: the native integer whose memory is those bytes.
std::string v4_hex(const std::array<unsigned char, 4>& bytes) {
  std::uint32_t raw = 0;
  std::memcpy(&raw, bytes.data(), sizeof raw);
  return fmt::format("{:08X}", raw);
}

std::string v6_hex(std::string_view address) {
  std::array<unsigned char, 16> bytes{};
  if (::inet_pton(AF_INET6, std::string(address).c_str(), bytes.data()) != 1) {
    ADD_FAILURE() << "bad IPv6 " << address;
  }
  std::string out;
  for (const auto b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

}  // namespace


FakeHostState::FakeHostState(FakeSysfs& sysfs) : sysfs_(sysfs) {
  sysfs_.write_file("proc/self/mountinfo", "");
  sysfs_.write_file("proc/mounts", "");
  sysfs_.write_file("proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
  sysfs_.write_file("proc/net/route",
                    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n");
}

void FakeHostState::append(std::string_view relative, const std::string& line) {
  const std::string old = read_all(sysfs_.path() / relative);
  sysfs_.write_file(relative, old + line + "\n");
}

FakeHostState& FakeHostState::add_block(std::string_view name, const std::string& dir, int major, int minor) {
  sysfs_.write_file(dir + "/dev", fmt::format("{}:{}\n", major, minor));
  std::filesystem::create_directories(sysfs_.path() / dir / "holders");
  std::filesystem::create_directories(sysfs_.path() / dir / "slaves");
  sysfs_.symlink("sys/class/block/" + std::string(name), relative_sysfs_link("sys/class/block", dir));
  block_dirs_[std::string(name)] = dir;
  return *this;
}

FakeHostState& FakeHostState::add_disk(std::string_view name, std::string_view function, std::string_view via,
                                       int major, int minor, int partitions) {
  const std::string fdir = sysfs_.function_dir(function);
  if (fdir.empty()) ADD_FAILURE() << "FakeHostState: function " << function << " was not added";
  const std::string dir = fmt::format("{}/{}/{}", fdir, via, name);
  add_block(name, dir, major, minor);
  const bool digit_end = !name.empty() && name.back() >= '0' && name.back() <= '9';
  for (int p = 1; p <= partitions; ++p) {
    const std::string part = fmt::format("{}{}{}", name, digit_end ? "p" : "", p);
    add_block(part, dir + "/" + part, major, minor + p);
  }
  return *this;
}

FakeHostState& FakeHostState::add_virtual_disk(std::string_view name, int major, int minor,
                                               std::string_view dm_name) {
  const std::string dir = "sys/devices/virtual/block/" + std::string(name);
  add_block(name, dir, major, minor);
  if (!dm_name.empty()) sysfs_.write_file(dir + "/dm/name", std::string(dm_name) + "\n");
  return *this;
}

FakeHostState& FakeHostState::add_multipath_disk(std::string_view name, std::string_view subsystem,
                                                 std::string_view controller, std::string_view function,
                                                 int major, int minor) {
  const std::string sdir = "sys/devices/virtual/nvme-subsystem/" + std::string(subsystem);
  const std::string cdir = fmt::format("{}/nvme/{}", sysfs_.function_dir(function), controller);
  std::filesystem::create_directories(sysfs_.path() / cdir);
  sysfs_.symlink(sdir + "/" + std::string(controller), relative_sysfs_link(sdir, cdir));
  return add_block(name, sdir + "/" + std::string(name), major, minor);
}

FakeHostState& FakeHostState::add_holder(std::string_view lower, std::string_view upper) {
  const auto lo = block_dirs_.find(std::string(lower));
  const auto up = block_dirs_.find(std::string(upper));
  if (lo == block_dirs_.end() || up == block_dirs_.end()) {
    ADD_FAILURE() << "FakeHostState: add " << lower << " and " << upper << " first";
    return *this;
  }
  sysfs_.symlink(lo->second + "/holders/" + std::string(upper),
                 relative_sysfs_link(lo->second + "/holders", up->second));
  sysfs_.symlink(up->second + "/slaves/" + std::string(lower),
                 relative_sysfs_link(up->second + "/slaves", lo->second));
  return *this;
}

FakeHostState& FakeHostState::add_mount(std::string_view source, std::string_view mountpoint, int major,
                                        int minor, std::string_view fstype) {
  const int id = next_mount_id_++;
  append("proc/self/mountinfo", fmt::format("{} 1 {}:{} / {} rw,relatime shared:{} - {} {} rw", id, major,
                                            minor, mountpoint, id, fstype, source));
  append("proc/mounts", fmt::format("{} {} {} rw,relatime 0 0", source, mountpoint, fstype));
  return *this;
}

FakeHostState& FakeHostState::add_swap(std::string_view filename) {
  append("proc/swaps", fmt::format("{}\t\t\t\tpartition\t8388604\t\t0\t\t-2", filename));
  return *this;
}

FakeHostState& FakeHostState::add_interface(std::string_view name, std::string_view function) {
  const std::string fdir = sysfs_.function_dir(function);
  if (fdir.empty()) ADD_FAILURE() << "FakeHostState: function " << function << " was not added";
  const std::string dir = fmt::format("{}/net/{}", fdir, name);
  std::filesystem::create_directories(sysfs_.path() / dir);
  sysfs_.symlink(dir + "/device", relative_sysfs_link(dir, fdir));
  sysfs_.symlink("sys/class/net/" + std::string(name), relative_sysfs_link("sys/class/net", dir));
  net_dirs_[std::string(name)] = dir;
  return *this;
}

FakeHostState& FakeHostState::add_virtual_interface(std::string_view name) {
  const std::string dir = "sys/devices/virtual/net/" + std::string(name);
  std::filesystem::create_directories(sysfs_.path() / dir);
  sysfs_.symlink("sys/class/net/" + std::string(name), relative_sysfs_link("sys/class/net", dir));
  net_dirs_[std::string(name)] = dir;
  return *this;
}

FakeHostState& FakeHostState::set_master(std::string_view lower, std::string_view upper) {
  const auto lo = net_dirs_.find(std::string(lower));
  const auto up = net_dirs_.find(std::string(upper));
  if (lo == net_dirs_.end() || up == net_dirs_.end()) {
    ADD_FAILURE() << "FakeHostState: add " << lower << " and " << upper << " first";
    return *this;
  }
  sysfs_.symlink(lo->second + "/master", relative_sysfs_link(lo->second, up->second));
  sysfs_.symlink(lo->second + "/upper_" + std::string(upper), relative_sysfs_link(lo->second, up->second));
  sysfs_.symlink(up->second + "/lower_" + std::string(lower), relative_sysfs_link(up->second, lo->second));
  return *this;
}

FakeHostState& FakeHostState::add_ipv4_route(std::string_view iface, std::string_view prefix,
                                             std::string_view gateway) {
  const auto [dest, len] = parse_v4(prefix);
  const auto [gw, gw_len] = parse_v4(gateway);
  (void)gw_len;
  std::array<unsigned char, 4> mask{};
  for (int i = 0; i < len; ++i) mask[static_cast<std::size_t>(i / 8)] |= static_cast<unsigned char>(0x80u >> (i % 8));
  const bool via_gateway = gw != std::array<unsigned char, 4>{};
  const unsigned flags = 0x0001u | (via_gateway ? 0x0002u : 0u);  // RTF_UP | RTF_GATEWAY
  append("proc/net/route", fmt::format("{}\t{}\t{}\t{:04X}\t0\t0\t100\t{}\t0\t0\t0", iface, v4_hex(dest),
                                       v4_hex(gw), flags, v4_hex(mask)));
  return *this;
}

FakeHostState& FakeHostState::add_ipv6_route(std::string_view iface, std::string_view prefix,
                                             std::string_view next_hop, unsigned flags) {
  const auto slash = prefix.find('/');
  const int len = slash == std::string_view::npos ? 128 : std::stoi(std::string(prefix.substr(slash + 1)));
  append("proc/net/ipv6_route",
         fmt::format("{} {:02x} {} 00 {} 00000400 00000001 00000000 {:08x} {:>8}", v6_hex(prefix.substr(0, slash)),
                     len, std::string(32, '0'), v6_hex(next_hop), flags, iface));
  return *this;
}

FakeHostState& FakeHostState::add_ipv6_address(std::string_view iface, std::string_view address,
                                               int prefix_length, unsigned scope) {
  append("proc/net/if_inet6",
         fmt::format("{} 02 {:02x} {:02x} 80 {:>8}", v6_hex(address), prefix_length, scope, iface));
  return *this;
}

FakeHostState& FakeHostState::add_framebuffer(std::string_view name, std::string_view function,
                                              std::string_view platform_device) {
  std::string parent = function.empty() ? "sys/devices/platform/" + std::string(platform_device)
                                        : sysfs_.function_dir(function);
  const std::string dir = fmt::format("{}/graphics/{}", parent, name);
  std::filesystem::create_directories(sysfs_.path() / dir);
  sysfs_.symlink(dir + "/device", relative_sysfs_link(dir, parent));
  sysfs_.symlink("sys/class/graphics/" + std::string(name), relative_sysfs_link("sys/class/graphics", dir));
  return *this;
}

FakeHostState& FakeHostState::add_vtconsole(int index, std::string_view name, bool bound) {
  const std::string dir = fmt::format("sys/devices/virtual/vtconsole/vtcon{}", index);
  sysfs_.write_file(dir + "/name", std::string(name) + "\n");
  sysfs_.write_file(dir + "/bind", bound ? "1\n" : "0\n");
  sysfs_.symlink(fmt::format("sys/class/vtconsole/vtcon{}", index),
                 relative_sysfs_link("sys/class/vtconsole", dir));
  return *this;
}

}  // namespace isogroup::testing
