// Tristate: a fact that may be unknown. Unknown is never silently read as false.
#pragma once

#include <optional>
#include <string_view>

namespace isogroup {

enum class Tristate : unsigned char { kFalse, kTrue, kUnknown };

constexpr Tristate to_tristate(bool b) { return b ? Tristate::kTrue : Tristate::kFalse; }

template <class T>
constexpr Tristate to_tristate(const std::optional<T>& known_bool) {
  return known_bool ? to_tristate(static_cast<bool>(*known_bool)) : Tristate::kUnknown;
}

constexpr bool is_true(Tristate t) { return t == Tristate::kTrue; }
constexpr bool is_false(Tristate t) { return t == Tristate::kFalse; }
constexpr bool is_known(Tristate t) { return t != Tristate::kUnknown; }

// Kleene logic: false dominates AND, true dominates OR.
constexpr Tristate operator&&(Tristate a, Tristate b) {
  if (a == Tristate::kFalse || b == Tristate::kFalse) return Tristate::kFalse;
  if (a == Tristate::kTrue && b == Tristate::kTrue) return Tristate::kTrue;
  return Tristate::kUnknown;
}
constexpr Tristate operator||(Tristate a, Tristate b) {
  if (a == Tristate::kTrue || b == Tristate::kTrue) return Tristate::kTrue;
  if (a == Tristate::kFalse && b == Tristate::kFalse) return Tristate::kFalse;
  return Tristate::kUnknown;
}
constexpr Tristate operator!(Tristate a) {
  if (a == Tristate::kUnknown) return a;
  return a == Tristate::kTrue ? Tristate::kFalse : Tristate::kTrue;
}

constexpr std::string_view to_string(Tristate t) {
  return t == Tristate::kTrue ? "yes" : t == Tristate::kFalse ? "no" : "unknown";
}

}  // namespace isogroup
