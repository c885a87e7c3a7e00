#include "isogroup/ownership/journal.h"

#include <gtest/gtest.h>

#include "fakes/fake_sysfs.h"

namespace isogroup {
namespace {

Journal sample(std::string id, JournalState state, int group) {
  Journal j;
  j.id = std::move(id);
  j.group = group;
  j.driver = "vfio-pci";
  j.state = state;
  j.started = "2024-05-01T10:00:00Z";
  j.functions.push_back({*Bdf::parse("01:00.0"), {"nouveau", ""}, {"vfio-pci", "vfio-pci"}, true, false});
  j.steps.push_back({*Bdf::parse("01:00.0"), "write-override", "vfio-pci", false, StepStatus::kDone, ""});
  j.messages.push_back("assign group 7 begun");
  return j;
}

TEST(Journal, JsonRoundTrip) {
  const Journal j = sample("a", JournalState::kRollbackFailed, 7);
  auto back = journal_from_json(journal_to_json(j), "test");
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->id, "a");
  EXPECT_EQ(back->group, 7);
  EXPECT_EQ(back->state, JournalState::kRollbackFailed);
  ASSERT_EQ(back->functions.size(), 1u);
  EXPECT_EQ(back->functions[0].original, (BindingState{"nouveau", ""}));
  ASSERT_EQ(back->steps.size(), 1u);
  EXPECT_EQ(back->steps[0].op, "write-override");
  EXPECT_EQ(back->messages, j.messages);
}

TEST(Journal, MalformedOrForeignFilesAreErrorsNotCrashes) {
  EXPECT_FALSE(journal_from_json("{", "x"));
  EXPECT_FALSE(journal_from_json("{\"schema\":\"other\",\"schema_version\":1}", "x"));
  std::string cut = journal_to_json(sample("a", JournalState::kDone, 1));
  cut.resize(cut.size() / 2);
  EXPECT_FALSE(journal_from_json(cut, "x"));
}

TEST(Journal, StoreCreatesTheDirectoryAndFindsTheNewestClaim) {
  testing::FakeSysfs tree;
  auto root = RootDir::open(tree.path());
  ASSERT_TRUE(root);
  JournalStore store(*root);
  auto none = store.load_all();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(store.save(sample("20240501T100000-1", JournalState::kDone, 7)));
  ASSERT_TRUE(store.save(sample("20240501T110000-2", JournalState::kDone, 7)));
  ASSERT_TRUE(store.save(sample("20240501T120000-3", JournalState::kRolledBack, 7)));
  ASSERT_TRUE(store.save(sample("20240501T130000-4", JournalState::kDone, 8)));
  tree.write_file("run/isogroup/.x.json.tmp-1", "{");  // a save cut short
  EXPECT_TRUE(std::filesystem::is_directory(tree.path() / "run/isogroup"));
  auto claim = store.find_claim(7, {});
  ASSERT_TRUE(claim);
  ASSERT_TRUE(claim->has_value());
  EXPECT_EQ((*claim)->id, "20240501T110000-2");
  tree.write_file("run/isogroup/broken.json", "{");
  EXPECT_FALSE(store.load_all());  // an unreadable journal is never ignored
}

TEST(Journal, NewIdsSortByTime) {
  testing::FakeSysfs tree;
  auto root = RootDir::open(tree.path());
  ASSERT_TRUE(root);
  JournalStore store(*root);
  const std::string a = store.new_id(PlanAction::kAssign, 7);
  const std::string b = store.new_id(PlanAction::kRelease, 7);
  EXPECT_LT(a, b);
  EXPECT_NE(a.find("assign-group7"), std::string::npos);
}

}  // namespace
}  // namespace isogroup
