#include "isogroup/ownership/sysfs_binder.h"

#include <cerrno>

#include <fmt/format.h>

namespace isogroup {
namespace {

std::string device_path(const Bdf& function, std::string_view attribute) {
  return fmt::format("sys/bus/pci/devices/{}/{}", function.to_string(), attribute);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::string> SysfsBinder::read_driver(const Bdf& function) {
  auto link = root_.read_link(device_path(function, "driver"));
  if (!link) {
    if (link.error().errno_ == ENOENT) return std::string();  // no driver bound
    return tl::unexpected(std::move(link.error()));
  }
  return std::string(last_component(*link));
}

Result<std::string> SysfsBinder::read_driver_override(const Bdf& function) {
  auto text = root_.read_file(device_path(function, "driver_override"));
  if (!text) return tl::unexpected(std::move(text.error()));
  const std::string_view value = trim(*text);
  return value == "(null)" ? std::string() : std::string(value);
}

Status SysfsBinder::write_driver_override(const Bdf& function, std::string_view driver) {
  // The kernel clears the override for an empty write or a lone newline.
  return root_.write_file(device_path(function, "driver_override"),
                          driver.empty() ? std::string("\n") : std::string(driver) + "\n");
}

Status SysfsBinder::unbind(const Bdf& function) {
  // Through the driver link, so the write goes to the driver that is bound right now.
  return root_.write_file(device_path(function, "driver/unbind"), function.to_string());
}

Status SysfsBinder::drivers_probe(const Bdf& function) {
  return root_.write_file("sys/bus/pci/drivers_probe", function.to_string());
}

bool SysfsBinder::driver_available(std::string_view driver) {
  return root_.is_directory(fmt::format("sys/bus/pci/drivers/{}", driver));
}

bool SysfsBinder::group_device_node_exists(int group) {
  return root_.exists(fmt::format("dev/vfio/{}", group));
}

}  // namespace isogroup
