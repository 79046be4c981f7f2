// Store schema 2 keeps vectors as float64 blobs; stores of schema 1 (JSON text) must still open
// in every reader, and a resumed schema-1 store goes on in the new format.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/config/config.hpp"
#include "l2l/experiment/experiment.hpp"
#include "l2l/report/report_data.hpp"
#include "l2l/storage/export.hpp"
#include "l2l/storage/hall_of_fame.hpp"
#include "l2l/storage/run_store.hpp"
#include "l2l/storage/vector_codec.hpp"
#include "support/test_support.hpp"

namespace {

using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The schema-1 store of tests/data/schema1-store.sql, written by the l2l of before schema 2.
std::string old_store(const l2l::testing::TempDir& dir) {
  const auto path = (dir.path() / "old.db").string();
  l2l::sql::Database db(path, l2l::sql::Database::Mode::create);
  db.exec(read_file(std::string(L2L_SOURCE_DIR) + "/tests/data/schema1-store.sql"));
  return path;
}

std::string text_of(l2l::RunStore& store, const std::string& sql) {
  auto st = store.db().prepare(sql);
  return st.step() ? st.get_text(0) : std::string();
}

TEST(StoreSchema, Schema1StoresOpenInEveryReader) {
  l2l::testing::TempDir dir;
  const auto path = old_store(dir);
  auto store = l2l::RunStore::open_reader(path);
  ASSERT_EQ(text_of(*store, "SELECT value FROM meta WHERE key='schema_version'"), "1");
  ASSERT_EQ(text_of(*store, "SELECT typeof(params) FROM evaluations LIMIT 1"), "text");

  // generations(): the bests decode from their JSON text.
  const auto gens = store->generations(1);
  ASSERT_EQ(gens.size(), 3u);
  for (const auto& g : gens) {
    const auto expect =
        json::parse(text_of(*store, "SELECT best_params FROM generations WHERE generation=" +
                                        std::to_string(g.generation)));
    ASSERT_EQ(g.best_params.size(), 2u);
    EXPECT_EQ(g.best_params[0], expect[0].get<double>());
    EXPECT_EQ(g.best_params[1], expect[1].get<double>());
  }

  // The hall of fame (l2l show --top): parameters and fitness of the best row, from the text.
  const auto top = l2l::hall_of_fame(*store, 1, 3);
  ASSERT_EQ(top.size(), 3u);
  const auto row = json::parse(
      text_of(*store, "SELECT json_array(params, fitness) FROM evaluations WHERE generation=" +
                          std::to_string(top[0]["generation"].get<int>()) +
                          " AND idx=" + std::to_string(top[0]["index"].get<int>())));
  const auto params = json::parse(row[0].get<std::string>());
  EXPECT_EQ(top[0]["params"]["x[0]"].get<double>(), params[0].get<double>());
  EXPECT_EQ(top[0]["fitness"][0].get<double>(),
            json::parse(row[1].get<std::string>())[0].get<double>());

  // l2l export: JSON arrays, as the store holds them.
  const auto files =
      l2l::export_store(*store, (dir.path() / "json").string(), l2l::ExportFormat::json);
  const auto evals = json::parse(read_file((dir.path() / "json" / "evaluations.json").string()));
  ASSERT_EQ(evals.size(), 12u);
  EXPECT_TRUE(evals[0]["params"].is_array());
  EXPECT_EQ(evals[0]["params"].size(), 2u);

  // The report reads it without a warning.
  const auto data = l2l::report::collect_report_data(*store, 1);
  EXPECT_TRUE(data["warnings"].empty()) << data["warnings"].dump();
  EXPECT_GT(data["parameters"]["population_points"].get<int>(), 0);
}

TEST(StoreSchema, NewStoresKeepVectorsAsFloat64Blobs) {
  l2l::testing::TempDir dir;
  const auto path = (dir.path() / "new.db").string();
  l2l::RunOptions o;
  o.out = path;
  o.progress = false;
  l2l::Experiment exp(
      l2l::load_config_text(read_file(std::string(L2L_SOURCE_DIR) + "/examples/rastrigin-ga.yaml"),
                            "ga.yaml", {"experiment.max_generations=3"}),
      o);
  const auto out = exp.run();
  auto store = l2l::RunStore::open_reader(path);
  EXPECT_EQ(text_of(*store, "SELECT value FROM meta WHERE key='schema_version'"), "2");
  EXPECT_EQ(text_of(*store, "SELECT DISTINCT typeof(params) FROM evaluations"), "blob");
  EXPECT_EQ(text_of(*store, "SELECT DISTINCT typeof(fitness) FROM evaluations"), "blob");
  EXPECT_EQ(text_of(*store, "SELECT DISTINCT length(params) FROM evaluations"),
            std::to_string(8 * out.best_params.size()));
  // The best individual's stored parameters are its doubles, bit for bit.
  auto st = store->db().prepare("SELECT params FROM evaluations WHERE generation=?1 AND idx=?2");
  st.bind(1, out.best_generation).bind(2, out.best_index);
  ASSERT_TRUE(st.step());
  EXPECT_EQ(l2l::column_doubles(st, 0), out.best_params);
  EXPECT_THROW(l2l::decode_doubles(std::string(12, '\0')), std::runtime_error);
}

TEST(StoreSchema, AResumedSchema1StoreGoesOnInTheNewFormat) {
  l2l::testing::TempDir dir;
  const auto path = old_store(dir);
  l2l::RunOptions o;
  o.progress = false;
  const auto out = l2l::Experiment::resume(path, {"experiment.max_generations=5"}, o);
  EXPECT_EQ(out.generations, 5);
  auto store = l2l::RunStore::open_reader(path);
  EXPECT_EQ(text_of(*store, "SELECT value FROM meta WHERE key='schema_version'"), "2");
  EXPECT_EQ(text_of(*store, "SELECT typeof(params) FROM evaluations WHERE generation=0 LIMIT 1"),
            "text");
  EXPECT_EQ(text_of(*store, "SELECT typeof(params) FROM evaluations WHERE generation=4 LIMIT 1"),
            "blob");
  const auto gens = store->generations(1);
  ASSERT_EQ(gens.size(), 5u);
  for (const auto& g : gens) EXPECT_EQ(g.best_params.size(), 2u) << g.generation;
  // Individuals are told apart by their stored parameters, text rows and blob rows alike.
  EXPECT_EQ(std::to_string(l2l::hall_of_fame(*store, 1, 100).size()),
            text_of(*store, "SELECT count(DISTINCT params) FROM evaluations WHERE status='ok'"));
}

}  // namespace
