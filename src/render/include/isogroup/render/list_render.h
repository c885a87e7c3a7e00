// Text and JSON renderings of a ListModel. The JSON is a versioned contract:
// docs/json-schema.md.
#pragma once

#include <string>

#include "isogroup/pci/pci_ids.h"
#include "isogroup/render/list_model.h"

namespace isogroup {

inline constexpr int kListSchemaVersion = 1;

// `names` may be null: ids are printed without names.
std::string render_list_text(const ListModel& model, const pci::PciIds* names);
std::string render_list_json(const ListModel& model, const pci::PciIds* names);

}  // namespace isogroup
