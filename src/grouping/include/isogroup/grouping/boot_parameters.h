// Kernel command-line pieces that change ACS: the device matcher of pci=config_acs= and
// pci=disable_acs_redir= (drivers/pci/pci.c pci_dev_str_match()), usable against a Topology.
// parse_boot_parameters() itself is declared in policy.h.
#pragma once

#include <cstddef>
#include <string_view>

#include "isogroup/model/topology.h"

namespace isogroup {

enum class DeviceMatch {
  kNo,
  kYes,
  kUnknown,  // the input lacks a fact the entry tests (e.g. subsystem ids)
  kInvalid,  // the kernel cannot parse the entry: it stops at it ("Can't parse ACS command line")
};

// pci_dev_str_match(dev, spec): `spec` is one entry, either a path
// "[<domain>:]<bus>:<dev>.<fn>[/<dev>.<fn>]*" (the first element is a full address, every
// later one the dev.fn of the next function down, so the last names `f`), or
// "pci:<vendor>:<device>[:<subvendor>:<subdevice>]" where 0 is a wildcard.
// Like the kernel, a path is checked from its last element upwards, so a malformed
// upper element only matters for functions whose lower elements match.
DeviceMatch match_device_spec(const Topology& topology, FunctionId f, std::string_view spec);

// Syntax check of one entry without a device: whether the kernel could ever parse it.
bool device_spec_well_formed(std::string_view spec);

}  // namespace isogroup
