#pragma once
// The run store: one SQLite file per experiment (WAL mode), written only by the driver.
//
// Each generation is one transaction holding its evaluations, its statistics and the checkpoint
// taken after the optimizer's tell(), so a run killed at any instant (SIGKILL included) resumes
// from the last complete generation and replays the rest bit-exactly. A second writer is refused
// through an exclusive lock on the side file RUN.db.lock. Within the writing process the store is
// thread-safe, so the inner runs of nested experiments share it. The schema is in README.md.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/core/candidate.hpp"
#include "l2l/core/evaluation.hpp"
#include "l2l/storage/background_writer.hpp"
#include "l2l/storage/sqlite.hpp"

namespace l2l {

enum class StoreLevel { evaluations, generations };
StoreLevel parse_store_level(const std::string& s);

struct RunInfo {
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_run, parent_generation, parent_index, task;
  std::string name;
  std::string config;       // the resolved YAML (file plus --set overrides)
  std::string config_file;  // where it came from
  std::uint64_t seed = 0;
  std::string version;
  std::string status;  // running, finished, interrupted, failed
  double started = 0, finished = 0;
  std::string stop_reason;
  std::string evaluator;
  int parallelism = 1;
  std::string host;
  nlohmann::json space;  // ParameterSpace::to_json()
  std::vector<std::string> objectives;
  std::vector<double> weights;
  // A warm-started run (experiment.init_from): the store, run and generation it began from.
  std::string origin_store;
  std::optional<std::int64_t> origin_run, origin_generation;
};

struct GenerationRecord {
  std::int64_t generation = 0;
  std::int64_t evaluations = 0;
  std::int64_t failed = 0;
  // Statistics of the weighted fitness over successful evaluations (NaN if none succeeded).
  double best = 0, q25 = 0, median = 0, q75 = 0, worst = 0, mean = 0;
  std::int64_t best_index = -1;
  std::vector<double> best_fitness, best_params;
  double seconds = 0;                              // wall time of this generation
  double elapsed = 0;                              // wall time of the run so far (across resumes)
  nlohmann::json info = nlohmann::json::object();  // optimizer hyper-state, test metrics
};

struct Checkpoint {
  std::int64_t generation = -1;  // last completed generation
  std::string optimizer;         // CBOR of Optimizer::state()
  nlohmann::json driver;         // the experiment driver's own counters
};

// A generation as the driver hands it to record_generation_async: owned, because the driver goes
// on with the next one while it is written.
struct PendingGeneration {
  std::int64_t run = 0;
  GenerationRecord record;
  std::vector<Candidate> batch;
  std::vector<Evaluation> evals;
  std::vector<double> weighted;
  Checkpoint checkpoint;
  std::vector<Artifact> optimizer_artifacts;
  StoreLevel level = StoreLevel::evaluations;
  bool store_outputs = false;
  bool store_params = true;
  bool write_checkpoint = true;
};

class RunStore {
 public:
  // Creates a new store (refusing an existing file unless overwrite) and takes the writer lock.
  static std::unique_ptr<RunStore> create(const std::string& path, bool overwrite);
  // Opens an existing store for writing (resume) and takes the writer lock.
  static std::unique_ptr<RunStore> open_writer(const std::string& path);
  // A private store in memory (inner runs evaluated in worker processes).
  static std::unique_ptr<RunStore> in_memory();
  // Opens for reading; works while a writer is active.
  static std::unique_ptr<RunStore> open_reader(const std::string& path);
  ~RunStore();

  std::int64_t add_run(const RunInfo& info);
  void update_run_status(std::int64_t run, const std::string& status,
                         const std::string& stop_reason);

  // One transaction: evaluations (all, or none at level `generations`; parameters NULL unless
  // store_params), evaluation artifacts,
  // the generation row, optimizer artifacts and the checkpoint.
  void record_generation(std::int64_t run, const GenerationRecord& g,
                         std::span<const Candidate> batch, std::span<const Evaluation> evals,
                         std::span<const double> weighted, const Checkpoint& checkpoint,
                         std::span<const Artifact> optimizer_artifacts, StoreLevel level,
                         bool store_outputs, bool store_params = true,
                         bool write_checkpoint = true);
  // record_generation on the store's writer thread (background_writer.hpp): returns at once
  // unless the previous generation is still being written. Every other method of this object
  // first waits for what is queued, so its callers see every generation they handed over.
  void record_generation_async(PendingGeneration generation);
  // Whether a generation of this size is better written in the background than at once.
  bool worth_a_background_write(StoreLevel level, std::size_t candidates,
                                std::size_t blob_bytes) const;
  // Waits until every queued generation is committed; throws what a failed write threw.
  void flush();
  // Removes what a run stored after `generation` (evaluations, generations, artifacts): a run
  // resumed from an older checkpoint replays those generations.
  void truncate_after(std::int64_t run, std::int64_t generation);

  std::optional<Checkpoint> checkpoint(std::int64_t run);
  RunInfo run(std::int64_t id);
  std::vector<RunInfo> runs();
  std::optional<std::int64_t> root_run();
  // The latest inner run of (parent run, generation, index, task), for nested experiments.
  std::optional<std::int64_t> find_child(std::int64_t parent, std::int64_t generation,
                                         std::int64_t index, std::int64_t task);
  void set_run_config(std::int64_t run, const std::string& config);
  std::vector<GenerationRecord> generations(std::int64_t run);

  const std::string& path() const { return path_; }
  // Direct access for readers (show, export, report). Not synchronised: writers sharing a store
  // across threads (nested experiments) go through the methods above, which lock.
  sql::Database& db() {
    flush();
    return *db_;
  }

 private:
  RunStore(std::string path, std::unique_ptr<sql::Database> db, int lock_fd);
  void create_schema();
  bool has_column(const char* table, const char* column);
  void prepare_writers();
  void write_generation(const PendingGeneration& p);
  void write_generation(std::int64_t run, const GenerationRecord& g,
                        std::span<const Candidate> batch, std::span<const Evaluation> evals,
                        std::span<const double> weighted, const Checkpoint& checkpoint,
                        std::span<const Artifact> optimizer_artifacts, StoreLevel level,
                        bool store_outputs, bool store_params, bool write_checkpoint);

  std::string path_;
  std::unique_ptr<sql::Database> db_;
  int lock_fd_ = -1;
  bool runs_have_origin_ = true;  // false for stores older than the warm start, opened to read
  std::recursive_mutex mu_;       // inner runs of nested experiments write from evaluator threads
  std::unique_ptr<sql::Statement> insert_eval_, insert_gen_, upsert_ckpt_, insert_artifact_;
  // Writer stores only; declared last so that it is destroyed (finishing its queue) first.
  std::unique_ptr<BackgroundWriter<PendingGeneration>> writer_;
};

}  // namespace l2l
