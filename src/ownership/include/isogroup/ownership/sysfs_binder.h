// SysfsBinder: Binder over a sysfs root ("/" or a test tree), every path opened in the root.
#pragma once

#include "isogroup/ownership/binder.h"
#include "isogroup/sources/root_dir.h"

namespace isogroup {

class SysfsBinder final : public Binder {
 public:
  explicit SysfsBinder(const RootDir& root) : root_(root) {}

  Result<std::string> read_driver(const Bdf& function) override;
  Result<std::string> read_driver_override(const Bdf& function) override;
  Status write_driver_override(const Bdf& function, std::string_view driver) override;
  Status unbind(const Bdf& function) override;
  Status drivers_probe(const Bdf& function) override;
  bool driver_available(std::string_view driver) override;
  bool group_device_node_exists(int group) override;

 private:
  const RootDir& root_;
};

}  // namespace isogroup
