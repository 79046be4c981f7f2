// The store's writer thread: generations are committed in the order they were handed over, a
// reader of the same store object sees everything handed over, and a failed write reaches the
// driver once instead of being lost.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "l2l/storage/background_writer.hpp"
#include "l2l/storage/run_store.hpp"
#include "support/test_support.hpp"

namespace {

using l2l::BackgroundWriter;

TEST(BackgroundWriter, WritesInOrderAndFlushWaitsForTheQueue) {
  std::vector<int> written;
  {
    BackgroundWriter<int> w([&](int& job) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // slower than the producer
      written.push_back(job);
    });
    for (int i = 0; i < 20; ++i) w.push(int{i});
    w.flush();
    EXPECT_EQ(written.size(), 20u);
    w.push(20);  // left queued: the destructor must still write it
  }
  ASSERT_EQ(written.size(), 21u);
  for (int i = 0; i < 21; ++i) EXPECT_EQ(written[static_cast<std::size_t>(i)], i);
}

TEST(BackgroundWriter, NeverRunsMoreThanOneJobBehind) {
  // push() returns only when the previous job has been taken up, so when the producer goes on,
  // every job but the last two is finished.
  std::atomic<int> started{0}, finished{0};
  BackgroundWriter<int> w([&](int&) {
    ++started;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ++finished;
  });
  for (int i = 0; i < 10; ++i) {
    w.push(int{i});
    EXPECT_GE(finished.load(), i - 1) << "job " << i;
  }
  w.flush();
  EXPECT_EQ(started.load(), 10);
  EXPECT_EQ(finished.load(), 10);
}

TEST(BackgroundWriter, AFailedWriteIsThrownOnceToTheProducer) {
  int calls = 0;
  BackgroundWriter<int> w([&](int& job) {
    ++calls;
    if (job == 1) throw std::runtime_error("disk full");
  });
  w.push(0);
  w.push(1);
  try {
    w.flush();
    ADD_FAILURE() << "the failure was lost";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "disk full");
  }
  w.push(2);  // the writer goes on after reporting
  w.flush();
  EXPECT_EQ(calls, 3);
}

TEST(RunStoreWriter, ReadersOfTheStoreSeeEveryGenerationHandedOver) {
  l2l::testing::TempDir dir;
  const auto path = (dir.path() / "w.db").string();
  auto store = l2l::RunStore::create(path, false);
  l2l::RunInfo info;
  info.name = "w";
  const auto run = store->add_run(info);
  for (std::int64_t g = 0; g < 50; ++g) {
    l2l::PendingGeneration p;
    p.run = run;
    p.record.generation = g;
    p.record.evaluations = 3;
    p.batch.resize(3);
    p.evals.resize(3);
    p.weighted.assign(3, -static_cast<double>(g));
    for (std::int64_t i = 0; i < 3; ++i) {
      p.batch[static_cast<std::size_t>(i)].generation = g;
      p.batch[static_cast<std::size_t>(i)].index = i;
      p.batch[static_cast<std::size_t>(i)].params = {static_cast<double>(g),
                                                     static_cast<double>(i)};
      p.evals[static_cast<std::size_t>(i)].fitness = {static_cast<double>(g)};
    }
    p.checkpoint.generation = g;
    p.checkpoint.driver = nlohmann::json::object();
    store->record_generation_async(std::move(p));
  }
  // No flush: every reading method waits for the queue itself.
  const auto gens = store->generations(run);
  ASSERT_EQ(gens.size(), 50u);
  for (std::size_t g = 0; g < gens.size(); ++g)
    EXPECT_EQ(gens[g].generation, static_cast<std::int64_t>(g));
  EXPECT_EQ(store->checkpoint(run)->generation, 49);
  {
    auto st = store->db().prepare("SELECT count(*) FROM evaluations WHERE run=?1");
    st.bind(1, run);
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.get_int(0), 150);
  }  // statements go before their database
  store.reset();

  // And another process (a fresh reader) sees them after the writer is gone.
  auto reader = l2l::RunStore::open_reader(path);
  EXPECT_EQ(reader->generations(run).size(), 50u);
}

}  // namespace
