// The network checks: "default-route" and "address", for an interface behind a function
// and for the bridges, bonds and VLANs stacked on it (a Proxmox vmbr0 carries the
// address of the NIC port below it).
#include <arpa/inet.h>

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "host_usage_scan.h"

namespace isogroup::host_usage_detail {
namespace {

// include/uapi/linux/route.h and ipv6_route.h.
constexpr unsigned kRtfUp = 0x0001;
constexpr unsigned kRtfReject = 0x0200;
// include/net/ipv6.h IPV6_ADDR_LOOPBACK / IPV6_ADDR_LINKLOCAL as printed in if_inet6 (scope).
constexpr unsigned kScopeHost = 0x10;
constexpr unsigned kScopeLink = 0x20;
constexpr int kMaxUpperDepth = 8;

std::optional<std::uint32_t> parse_hex(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// proc/net/route prints each __be32 with %08X as a native integer: its bytes in memory
// are the address in network order.
std::string ipv4_text(std::uint32_t raw) {
  std::array<unsigned char, 4> b{};
  std::memcpy(b.data(), &raw, b.size());
  return fmt::format("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
}

std::string ipv6_text(std::string_view hex32) {
  std::array<unsigned char, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = parse_hex(hex32.substr(2 * i, 2));
    if (!byte) return std::string(hex32);
    bytes[i] = static_cast<unsigned char>(*byte);
  }
  char out[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(AF_INET6, bytes.data(), out, sizeof out) == nullptr) return std::string(hex32);
  return out;
}

struct InterfaceFacts {
  std::vector<std::string> default_routes;  // "IPv4 via 192.168.1.1", "IPv6"
  std::vector<std::string> addresses;       // "192.168.1.0/24 (IPv4 route)", "2001:db8::5/64"
};

struct NetTables {
  std::map<std::string, InterfaceFacts> by_interface;
};

void read_ipv4_routes(Scan& scan, NetTables& tables) {
  auto text = scan.root.read_file("proc/net/route");
  if (!text) {
    scan.unknown(kCheckDefaultRoute, text.error());
    scan.unknown(kCheckAddress, text.error());
    return;
  }
  bool header = true;
  for (const auto line : split_lines(*text)) {
    if (header) {  // "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT"
      header = false;
      continue;
    }
    const auto f = split_fields(line);
    if (f.size() < 8) continue;
    const auto dest = parse_hex(f[1]);
    const auto gateway = parse_hex(f[2]);
    const auto flags = parse_hex(f[3]);
    const auto mask = parse_hex(f[7]);
    if (!dest || !gateway || !flags || !mask || (*flags & kRtfUp) == 0) continue;
    auto& facts = tables.by_interface[std::string(f[0])];
    if (*dest == 0 && *mask == 0) {
      facts.default_routes.push_back(*gateway == 0 ? std::string("IPv4, on link")
                                                   : "IPv4 via " + ipv4_text(*gateway));
    } else {
      facts.addresses.push_back(
          fmt::format("{}/{} (IPv4 route)", ipv4_text(*dest), std::popcount(*mask)));
    }
  }
}

// A missing file means IPv6 is not built in or disabled: nothing to find, not unknown.
void read_ipv6(Scan& scan, NetTables& tables) {
  auto routes = scan.root.read_file("proc/net/ipv6_route");
  if (!routes) {
    if (!is_missing(routes.error())) scan.unknown(kCheckDefaultRoute, routes.error());
  } else {
    // dest plen src plen next-hop metric refcnt use flags iface
    for (const auto line : split_lines(*routes)) {
      const auto f = split_fields(line);
      if (f.size() < 10 || f[0].size() != 32) continue;
      const auto flags = parse_hex(f[8]);
      if (!flags || (*flags & kRtfUp) == 0 || (*flags & kRtfReject) != 0) continue;
      if (f[0] != std::string(32, '0') || f[1] != "00") continue;
      std::string via = "IPv6";
      if (f[4].size() == 32 && f[4] != std::string(32, '0')) via += " via " + ipv6_text(f[4]);
      tables.by_interface[std::string(f[9])].default_routes.push_back(std::move(via));
    }
  }
  auto addresses = scan.root.read_file("proc/net/if_inet6");
  if (!addresses) {
    if (!is_missing(addresses.error())) scan.unknown(kCheckAddress, addresses.error());
    return;
  }
  // address ifindex prefix-length scope flags name
  for (const auto line : split_lines(*addresses)) {
    const auto f = split_fields(line);
    if (f.size() < 6 || f[0].size() != 32) continue;
    const auto plen = parse_hex(f[2]);
    const auto scope = parse_hex(f[3]);
    if (!plen || !scope || *scope == kScopeHost || *scope == kScopeLink) continue;
    tables.by_interface[std::string(f[5])].addresses.push_back(
        fmt::format("{}/{}", ipv6_text(f[0]), *plen));
  }
}

// The interface and every interface stacked on it (master: bridge or bond; upper_*: VLAN,
// macvlan, bond, bridge), nearest first.
void collect_uppers(Scan& scan, const std::string& name, const std::string& path, int depth,
                    std::vector<std::string>& out, std::set<std::string>& seen) {
  if (!seen.insert(name).second) return;
  out.push_back(name);
  if (depth >= kMaxUpperDepth) return;
  std::vector<std::string> uppers;
  auto entries = scan.root.list_dir(path);
  if (!entries) {
    scan.unknown(kCheckDefaultRoute, entries.error());
    scan.unknown(kCheckAddress, entries.error());
    return;
  }
  for (const auto& entry : *entries) {
    if (entry.starts_with("upper_")) uppers.push_back(entry.substr(6));
  }
  if (auto master = resolve_link(scan.root, path + "/master")) {
    uppers.emplace_back(last_component(*master));
  }
  for (const auto& upper : uppers) {
    auto upper_path = resolve_link(scan.root, "sys/class/net/" + upper);
    if (!upper_path) {
      scan.unknown(kCheckDefaultRoute, upper_path.error());
      continue;
    }
    collect_uppers(scan, upper, *upper_path, depth + 1, out, seen);
  }
}

std::string where(const std::string& carrier, const std::string& self, std::string_view behind) {
  if (carrier == self) return std::string(behind);
  return fmt::format("{}, through {},", behind, carrier);
}

}  // namespace

void check_network(Scan& scan) {
  auto names = scan.root.list_dir("sys/class/net");
  if (!names) {
    if (is_missing(names.error())) return;
    scan.unknown(kCheckDefaultRoute, names.error());
    scan.unknown(kCheckAddress, names.error());
    return;
  }
  struct Owned {
    std::string name, path;
    FunctionId function;
  };
  std::vector<Owned> owned;
  for (const auto& name : *names) {
    auto path = resolve_link(scan.root, "sys/class/net/" + name);
    if (!path) {
      scan.unknown(kCheckDefaultRoute, path.error());
      continue;
    }
    if (auto owner = scan.owner_of(*path)) owned.push_back({name, std::move(*path), *owner});
  }
  if (owned.empty()) return;

  NetTables tables;
  read_ipv4_routes(scan, tables);
  read_ipv6(scan, tables);

  for (const auto& nic : owned) {
    std::vector<std::string> carriers;
    std::set<std::string> seen;
    collect_uppers(scan, nic.name, nic.path, 0, carriers, seen);
    const std::string behind = fmt::format("{} (behind {})", nic.name, scan.address(nic.function));
    for (const auto& carrier : carriers) {
      const auto it = tables.by_interface.find(carrier);
      if (it == tables.by_interface.end()) continue;
      const auto& facts = it->second;
      if (!facts.default_routes.empty()) {
        scan.finding(kCheckDefaultRoute, nic.function,
                     fmt::format("{} carries the default route ({})", where(carrier, nic.name, behind),
                                 fmt::join(facts.default_routes, "; ")),
                     "reach the host through another interface first and move the default route "
                     "there (ip route replace default via GATEWAY dev OTHER): taking this one "
                     "cuts the connection you are likely using");
      }
      if (!facts.addresses.empty()) {
        scan.finding(kCheckAddress, nic.function,
                     fmt::format("{} has addresses: {}", where(carrier, nic.name, behind),
                                 fmt::join(facts.addresses, ", ")),
                     fmt::format("stop what uses it, then remove them (ip address flush dev {} "
                                 "and disable it in the network configuration)",
                                 carrier));
      }
    }
  }
}

}  // namespace isogroup::host_usage_detail
