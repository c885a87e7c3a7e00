#include "isogroup/core/tristate.h"

#include <gtest/gtest.h>

#include <optional>

namespace isogroup {
namespace {

constexpr Tristate kT = Tristate::kTrue;
constexpr Tristate kF = Tristate::kFalse;
constexpr Tristate kU = Tristate::kUnknown;

// Kleene's strong three-valued logic, written out as truth tables.
TEST(Tristate, AndTruthTable) {
  EXPECT_EQ(kT && kT, kT);
  EXPECT_EQ(kT && kF, kF);
  EXPECT_EQ(kF && kT, kF);
  EXPECT_EQ(kF && kF, kF);
  EXPECT_EQ(kU && kF, kF);  // false decides whatever the unknown is
  EXPECT_EQ(kF && kU, kF);
  EXPECT_EQ(kU && kT, kU);
  EXPECT_EQ(kT && kU, kU);
  EXPECT_EQ(kU && kU, kU);
}

TEST(Tristate, OrTruthTable) {
  EXPECT_EQ(kT || kT, kT);
  EXPECT_EQ(kT || kF, kT);
  EXPECT_EQ(kF || kT, kT);
  EXPECT_EQ(kF || kF, kF);
  EXPECT_EQ(kU || kT, kT);  // true decides whatever the unknown is
  EXPECT_EQ(kT || kU, kT);
  EXPECT_EQ(kU || kF, kU);
  EXPECT_EQ(kF || kU, kU);
  EXPECT_EQ(kU || kU, kU);
}

TEST(Tristate, NotKeepsUnknown) {
  EXPECT_EQ(!kT, kF);
  EXPECT_EQ(!kF, kT);
  EXPECT_EQ(!kU, kU);
}

TEST(Tristate, DeMorganHoldsForAllValues) {
  for (Tristate a : {kT, kF, kU}) {
    for (Tristate b : {kT, kF, kU}) {
      EXPECT_EQ(!(a && b), !a || !b) << to_string(a) << " " << to_string(b);
      EXPECT_EQ(!(a || b), !a && !b) << to_string(a) << " " << to_string(b);
    }
  }
}

TEST(Tristate, Predicates) {
  EXPECT_TRUE(is_true(kT));
  EXPECT_FALSE(is_true(kU));
  EXPECT_FALSE(is_true(kF));
  EXPECT_TRUE(is_false(kF));
  EXPECT_FALSE(is_false(kU));  // unknown is not false
  EXPECT_FALSE(is_false(kT));
  EXPECT_TRUE(is_known(kT));
  EXPECT_TRUE(is_known(kF));
  EXPECT_FALSE(is_known(kU));
}

TEST(Tristate, FromBoolAndOptional) {
  EXPECT_EQ(to_tristate(true), kT);
  EXPECT_EQ(to_tristate(false), kF);
  EXPECT_EQ(to_tristate(std::optional<bool>{}), kU);
  EXPECT_EQ(to_tristate(std::optional<bool>{false}), kF);
  EXPECT_EQ(to_tristate(std::optional<bool>{true}), kT);
  // A known zero is a known false, not unknown.
  EXPECT_EQ(to_tristate(std::optional<int>{0}), kF);
  EXPECT_EQ(to_tristate(std::optional<int>{4}), kT);
}

TEST(Tristate, Names) {
  EXPECT_EQ(to_string(kT), "yes");
  EXPECT_EQ(to_string(kF), "no");
  EXPECT_EQ(to_string(kU), "unknown");
}

static_assert((Tristate::kUnknown && Tristate::kFalse) == Tristate::kFalse, "usable at compile time");

}  // namespace
}  // namespace isogroup
