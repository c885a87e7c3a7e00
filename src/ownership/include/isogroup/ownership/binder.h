// Binder: the only way ownership code changes which driver a function has. The real one
// writes sysfs through a RootDir (sysfs_binder.cc); tests use FakeKernel, which reacts to
// the same writes as the kernel does. Every call is one observable kernel operation, so a
// journal can record each before it happens.
//
// Binding is done with driver_override + unbind + drivers_probe, never new_id: new_id adds
// a dynamic id to the driver, which then grabs every function with that vendor:device,
// not only the one meant (reference peers-and-users §2.7).
#pragma once

#include <string>
#include <string_view>

#include "isogroup/core/bdf.h"
#include "isogroup/core/error.h"

namespace isogroup {

class Binder {
 public:
  virtual ~Binder() = default;

  // The bound driver's name, "" when none (sys/bus/pci/devices/B/driver).
  virtual Result<std::string> read_driver(const Bdf& function) = 0;
  // driver_override, "" when none (the kernel shows "(null)").
  virtual Result<std::string> read_driver_override(const Bdf& function) = 0;
  // Sets driver_override; "" clears it.
  virtual Status write_driver_override(const Bdf& function, std::string_view driver) = 0;
  // Detaches the bound driver (sys/bus/pci/devices/B/driver/unbind).
  virtual Status unbind(const Bdf& function) = 0;
  // Asks the driver core to probe the function again (sys/bus/pci/drivers_probe): with
  // driver_override set, only that driver may bind; otherwise the best matching one.
  virtual Status drivers_probe(const Bdf& function) = 0;
  // Whether the PCI driver is registered (sys/bus/pci/drivers/NAME); a module that is not
  // loaded has no directory, and binding to it would leave the function without a driver.
  virtual bool driver_available(std::string_view driver) = 0;
  // Whether /dev/vfio/N exists (created when the first function of group N binds to a
  // vfio driver, reference §6.4).
  virtual bool group_device_node_exists(int group) = 0;
};

}  // namespace isogroup
