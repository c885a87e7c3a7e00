// Rebuilds the registers lspci -vv decoded into a partially known ConfigSpace, so text
// and binary inputs are decoded by the same pci:: code. Private to sources/.
#pragma once

#include <string>
#include <vector>

#include "isogroup/pci/config_space.h"
#include "lspci_verbose_block.h"

namespace isogroup::lspci_verbose {

// What the rest of the file says about this function's device (slot).
struct SlotFacts {
  // Another function with the same domain:bus:device is in the text.
  bool other_functions = false;
  // A function of this slot lists a Multi-Function Virtual Channel capability.
  bool mfvc = false;
};

struct Synthesis {
  pci::ConfigSpace config;
  // A PCI Express function whose text shows no extended capability: whether it has any
  // cannot be told from "lspci did not read them", so 0x100 was left unknown.
  bool pcie_without_extended = false;
  // The header layout was inferred from the class code alone (no Bus line).
  bool layout_from_class = false;
  std::vector<std::string> notes;  // "line N: ..."
};

Synthesis synthesize_config(const FunctionText& f, const SlotFacts& slot);

}  // namespace isogroup::lspci_verbose
