#include "l2l/storage/run_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iterator>

#include "l2l/core/error.hpp"
#include "l2l/storage/vector_codec.hpp"

namespace l2l {

namespace {

// 1: vectors (params, fitness, best_fitness, best_params) as JSON text. 2: as little-endian
// float64 blobs (vector_codec.hpp); a resumed schema-1 store holds both, row by row.
constexpr int kSchemaVersion = 2;

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  parent_run INTEGER, parent_generation INTEGER, parent_index INTEGER, task INTEGER,
  name TEXT, config TEXT, config_file TEXT, seed INTEGER, version TEXT,
  status TEXT, started REAL, finished REAL, stop_reason TEXT,
  evaluator TEXT, parallelism INTEGER, host TEXT,
  space TEXT, objectives TEXT, weights TEXT,
  origin_store TEXT, origin_run INTEGER, origin_generation INTEGER);
CREATE TABLE IF NOT EXISTS generations (
  run INTEGER, generation INTEGER, evaluations INTEGER, failed INTEGER,
  best REAL, q25 REAL, median REAL, q75 REAL, worst REAL, mean REAL,
  best_index INTEGER, best_fitness BLOB, best_params BLOB,
  seconds REAL, elapsed REAL, info TEXT,
  PRIMARY KEY (run, generation));
CREATE TABLE IF NOT EXISTS evaluations (
  run INTEGER, generation INTEGER, idx INTEGER, batch INTEGER,
  params BLOB, fitness BLOB, weighted REAL, status TEXT, error TEXT,
  seconds REAL, worker TEXT, metrics TEXT, outputs BLOB, seed INTEGER,
  PRIMARY KEY (run, generation, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  run INTEGER PRIMARY KEY, generation INTEGER, optimizer BLOB, driver TEXT, saved REAL);
CREATE TABLE IF NOT EXISTS artifacts (
  id INTEGER PRIMARY KEY, run INTEGER, generation INTEGER, idx INTEGER,
  name TEXT, type TEXT, data BLOB);
CREATE INDEX IF NOT EXISTS artifacts_by_run ON artifacts (run, generation);
)sql";

// The bytes of a vector as the store keeps it (vector_codec.hpp), bound without a copy.
std::string_view double_bytes(std::span<const double> v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double)};
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int acquire_lock(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw UsageError(fmt::format("cannot create lock file '{}'", lock_path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[256] = {};
    const auto n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    throw UsageError(fmt::format(
        "run store '{}' is being written by another process ({}); only one writer is allowed", path,
        n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("unknown")));
  }
  char host[128] = {};
  ::gethostname(host, sizeof(host) - 1);
  const std::string who = fmt::format("pid {} on {}", ::getpid(), host);
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] auto w = ::pwrite(fd, who.data(), who.size(), 0);
  }
  return fd;
}

// The runs table's JSON arrays (weights).
std::vector<double> parse_vector(const std::string& s) {
  std::vector<double> v;
  if (!s.empty() && !parse_number_array(s, v))
    throw std::runtime_error(fmt::format("malformed number array in the store: {}", s));
  return v;
}

}  // namespace

StoreLevel parse_store_level(const std::string& s) {
  if (s == "evaluations") return StoreLevel::evaluations;
  if (s == "generations") return StoreLevel::generations;
  throw UsageError(fmt::format("unknown store level '{}' (evaluations or generations)", s));
}

RunStore::RunStore(std::string path, std::unique_ptr<sql::Database> db, int lock_fd)
    : path_(std::move(path)), db_(std::move(db)), lock_fd_(lock_fd) {}

RunStore::~RunStore() {
  if (writer_) {
    try {
      writer_->flush();
    } catch (const std::exception& e) {
      // A destructor cannot throw; the driver flushes (and reports) before it lets go.
      std::fprintf(stderr, "l2l: writing the last generation to '%s' failed: %s\n", path_.c_str(),
                   e.what());
    }
    writer_.reset();
  }
  insert_eval_.reset();
  insert_gen_.reset();
  upsert_ckpt_.reset();
  insert_artifact_.reset();
  db_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

std::unique_ptr<RunStore> RunStore::create(const std::string& path, bool overwrite) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  const int fd = acquire_lock(path);
  try {
    if (fs::exists(p)) {
      if (!overwrite)
        throw UsageError(
            fmt::format("run store '{}' already exists: continue it with `l2l resume {}`, or pass "
                        "--overwrite to start again",
                        path, path));
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
    }
    auto db = std::make_unique<sql::Database>(path, sql::Database::Mode::create);
    std::unique_ptr<RunStore> store(new RunStore(path, std::move(db), fd));
    store->create_schema();
    store->prepare_writers();
    return store;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

std::unique_ptr<RunStore> RunStore::open_writer(const std::string& path) {
  if (!std::filesystem::exists(path)) throw UsageError(fmt::format("no run store at '{}'", path));
  const int fd = acquire_lock(path);
  try {
    auto db = std::make_unique<sql::Database>(path, sql::Database::Mode::read_write);
    std::unique_ptr<RunStore> store(new RunStore(path, std::move(db), fd));
    store->create_schema();
    store->prepare_writers();
    return store;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

std::unique_ptr<RunStore> RunStore::in_memory() {
  auto db = std::make_unique<sql::Database>(":memory:", sql::Database::Mode::create);
  std::unique_ptr<RunStore> store(new RunStore(":memory:", std::move(db), -1));
  store->create_schema();
  store->prepare_writers();
  return store;
}

std::unique_ptr<RunStore> RunStore::open_reader(const std::string& path) {
  if (!std::filesystem::exists(path)) throw UsageError(fmt::format("no run store at '{}'", path));
  // Read-write open (without the writer lock) so SQLite can use the WAL index of a live run.
  auto db = std::make_unique<sql::Database>(path, sql::Database::Mode::read_write);
  auto st = db->prepare("SELECT count(*) FROM sqlite_master WHERE name='runs'");
  st.step();
  if (st.get_int(0) == 0) throw UsageError(fmt::format("'{}' is not an l2l run store", path));
  std::unique_ptr<RunStore> store(new RunStore(path, std::move(db), -1));
  store->runs_have_origin_ = store->has_column("runs", "origin_store");
  return store;
}

void RunStore::create_schema() {
  // WAL lets readers (l2l show --follow, reports) run beside the writer. synchronous=NORMAL keeps
  // every committed generation across a process crash; only a power loss may drop the last one.
  db_->exec("PRAGMA journal_mode=WAL");
  db_->exec("PRAGMA synchronous=NORMAL");
  db_->exec(kSchema);
  // Stores from before the warm start (experiment.init_from) gain its columns when written to.
  if (!has_column("runs", "origin_store"))
    db_->exec(
        "ALTER TABLE runs ADD COLUMN origin_store TEXT; "
        "ALTER TABLE runs ADD COLUMN origin_run INTEGER; "
        "ALTER TABLE runs ADD COLUMN origin_generation INTEGER");
  // A store written by an older l2l that is resumed gets the new rows in the new format; its
  // version says what the newest rows are (readers decode every row by its own type).
  db_->exec(
      fmt::format("INSERT OR REPLACE INTO meta VALUES ('schema_version', '{}')", kSchemaVersion));
}

bool RunStore::has_column(const char* table, const char* column) {
  auto st = db_->prepare(fmt::format("SELECT 1 FROM pragma_table_info('{}') WHERE name=?1", table));
  st.bind_text(1, column);
  return st.step();
}

void RunStore::prepare_writers() {
  insert_eval_ = std::make_unique<sql::Statement>(
      *db_,
      "INSERT OR REPLACE INTO evaluations (run, generation, idx, batch, params, fitness, weighted, "
      "status, error, seconds, worker, metrics, outputs, seed) "
      "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)");
  insert_gen_ = std::make_unique<sql::Statement>(
      *db_,
      "INSERT OR REPLACE INTO generations (run, generation, evaluations, failed, best, q25, "
      "median, q75, worst, mean, best_index, best_fitness, best_params, seconds, elapsed, info) "
      "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)");
  upsert_ckpt_ = std::make_unique<sql::Statement>(
      *db_,
      "INSERT OR REPLACE INTO checkpoints (run, generation, optimizer, driver, saved) "
      "VALUES (?1,?2,?3,?4,?5)");
  insert_artifact_ = std::make_unique<sql::Statement>(
      *db_,
      "INSERT INTO artifacts (run, generation, idx, name, type, data) "
      "VALUES (?1,?2,?3,?4,?5,?6)");
  writer_ = std::make_unique<BackgroundWriter<PendingGeneration>>(
      [this](PendingGeneration& p) { write_generation(p); });
}

std::int64_t RunStore::add_run(const RunInfo& r) {
  flush();
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "INSERT INTO runs (parent_run, parent_generation, parent_index, task, name, config, "
      "config_file, seed, version, status, started, evaluator, parallelism, host, space, "
      "objectives, weights, origin_store, origin_run, origin_generation) "
      "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)");
  auto opt = [&](int i, const std::optional<std::int64_t>& v) {
    if (v)
      st.bind(i, *v);
    else
      st.bind_null(i);
  };
  opt(1, r.parent_run);
  opt(2, r.parent_generation);
  opt(3, r.parent_index);
  opt(4, r.task);
  st.bind_text(5, r.name).bind_text(6, r.config).bind_text(7, r.config_file);
  st.bind(8, static_cast<std::int64_t>(r.seed)).bind_text(9, r.version).bind_text(10, "running");
  st.bind(11, now_seconds()).bind_text(12, r.evaluator).bind(13, r.parallelism);
  st.bind_text(14, r.host).bind_text(15, r.space.dump());
  st.bind_text(16, nlohmann::json(r.objectives).dump());
  st.bind_text(17, nlohmann::json(r.weights).dump());
  if (r.origin_store.empty())
    st.bind_null(18);
  else
    st.bind_text(18, r.origin_store);
  opt(19, r.origin_run);
  opt(20, r.origin_generation);
  st.step();
  return db_->last_insert_rowid();
}

void RunStore::update_run_status(std::int64_t run, const std::string& status,
                                 const std::string& stop_reason) {
  flush();
  std::lock_guard lock(mu_);
  auto st = db_->prepare("UPDATE runs SET status=?1, stop_reason=?2, finished=?3 WHERE id=?4");
  st.bind_text(1, status).bind_text(2, stop_reason);
  if (status == "running")
    st.bind_null(3);
  else
    st.bind(3, now_seconds());
  st.bind(4, run).step();
}

void RunStore::record_generation(std::int64_t run, const GenerationRecord& g,
                                 std::span<const Candidate> batch,
                                 std::span<const Evaluation> evals,
                                 std::span<const double> weighted, const Checkpoint& ckpt,
                                 std::span<const Artifact> optimizer_artifacts, StoreLevel level,
                                 bool store_outputs, bool store_params, bool write_checkpoint) {
  flush();
  write_generation(run, g, batch, evals, weighted, ckpt, optimizer_artifacts, level, store_outputs,
                   store_params, write_checkpoint);
}

bool RunStore::worth_a_background_write(StoreLevel level, std::size_t candidates,
                                        std::size_t blob_bytes) const {
  // Handing a generation over costs a thread wake-up, and the driver then allocates its vectors
  // afresh; a write of a few rows is cheaper done at once. Below 16 rows and 256 KiB of blobs
  // the synchronous write measured faster in bench_overhead.
  const std::size_t rows = level == StoreLevel::evaluations ? candidates : 0;
  return writer_ && (rows >= 16 || blob_bytes >= (256u << 10));
}

void RunStore::record_generation_async(PendingGeneration generation) {
  if (!writer_) {
    write_generation(generation);
    return;
  }
  writer_->push(std::move(generation));
}

void RunStore::flush() {
  if (writer_) writer_->flush();
}

void RunStore::write_generation(const PendingGeneration& p) {
  write_generation(p.run, p.record, p.batch, p.evals, p.weighted, p.checkpoint,
                   p.optimizer_artifacts, p.level, p.store_outputs, p.store_params,
                   p.write_checkpoint);
}

void RunStore::write_generation(std::int64_t run, const GenerationRecord& g,
                                std::span<const Candidate> batch, std::span<const Evaluation> evals,
                                std::span<const double> weighted, const Checkpoint& ckpt,
                                std::span<const Artifact> optimizer_artifacts, StoreLevel level,
                                bool store_outputs, bool store_params, bool write_checkpoint) {
  std::lock_guard lock(mu_);
  sql::Transaction tx(*db_);
  std::string metrics;
  auto& ins = *insert_eval_;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& c = batch[i];
    const auto& e = evals[i];
    if (level == StoreLevel::evaluations) {
      ins.bind(1, run).bind(2, c.generation).bind(3, c.index).bind(4, c.batch);
      if (store_params)
        ins.bind_blob_ref(5, double_bytes(c.params));
      else
        ins.bind_null(5);
      if (e.fitness.empty())
        ins.bind_null(6);
      else
        ins.bind_blob_ref(6, double_bytes(e.fitness));
      if (std::isfinite(weighted[i]))
        ins.bind(7, weighted[i]);
      else
        ins.bind_null(7);
      ins.bind_text_ref(8, to_string(e.status));
      if (e.reason.empty())
        ins.bind_null(9);
      else
        ins.bind_text_ref(9, e.reason);
      ins.bind(10, e.seconds).bind_text_ref(11, e.worker);
      if (e.metrics.empty()) {
        ins.bind_null(12);
      } else {
        metrics = nlohmann::json(e.metrics).dump();
        ins.bind_text_ref(12, metrics);
      }
      if (store_outputs && !e.outputs.empty())
        ins.bind_blob_ref(13, double_bytes(e.outputs));
      else
        ins.bind_null(13);
      ins.bind(14, static_cast<std::int64_t>(c.seed));
      ins.run();
    }
    for (const auto& a : e.artifacts)
      insert_artifact_->bind(1, run)
          .bind(2, c.generation)
          .bind(3, c.index)
          .bind_text(4, a.name)
          .bind_text(5, a.type)
          .bind_blob(6, a.data)
          .run();
  }
  for (const auto& a : optimizer_artifacts)
    insert_artifact_->bind(1, run)
        .bind(2, g.generation)
        .bind_null(3)
        .bind_text(4, a.name)
        .bind_text(5, a.type)
        .bind_blob(6, a.data)
        .run();

  auto& gs = *insert_gen_;
  auto bind_stat = [&](int i, double v) {
    if (std::isfinite(v))
      gs.bind(i, v);
    else
      gs.bind_null(i);
  };
  gs.bind(1, run).bind(2, g.generation).bind(3, g.evaluations).bind(4, g.failed);
  bind_stat(5, g.best);
  bind_stat(6, g.q25);
  bind_stat(7, g.median);
  bind_stat(8, g.q75);
  bind_stat(9, g.worst);
  bind_stat(10, g.mean);
  gs.bind(11, g.best_index);
  gs.bind_blob_ref(12, double_bytes(g.best_fitness))
      .bind_blob_ref(13, double_bytes(g.best_params))
      .bind(14, g.seconds)
      .bind(15, g.elapsed);
  gs.bind_text(16, g.info.dump());
  gs.run();

  if (write_checkpoint)
    upsert_ckpt_->bind(1, run)
        .bind(2, ckpt.generation)
        .bind_blob(3, ckpt.optimizer)
        .bind_text(4, ckpt.driver.dump())
        .bind(5, now_seconds())
        .run();
  tx.commit();
}

void RunStore::truncate_after(std::int64_t run, std::int64_t generation) {
  flush();
  std::lock_guard lock(mu_);
  sql::Transaction tx(*db_);
  for (const char* table : {"evaluations", "generations", "artifacts"}) {
    auto st = db_->prepare(fmt::format("DELETE FROM {} WHERE run=?1 AND generation>?2", table));
    st.bind(1, run).bind(2, generation);
    st.run();
  }
  tx.commit();
}

std::optional<Checkpoint> RunStore::checkpoint(std::int64_t run) {
  flush();
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT generation, optimizer, driver FROM checkpoints WHERE run=?1");
  st.bind(1, run);
  if (!st.step()) return std::nullopt;
  Checkpoint c;
  c.generation = st.get_int(0);
  c.optimizer = st.get_text(1);
  c.driver = nlohmann::json::parse(st.get_text(2));
  return c;
}

RunInfo RunStore::run(std::int64_t id) {
  flush();
  std::lock_guard lock(mu_);
  auto st = db_->prepare(fmt::format(
      "SELECT id, parent_run, parent_generation, parent_index, task, name, config, config_file, "
      "seed, version, status, started, finished, stop_reason, evaluator, parallelism, host, space, "
      "objectives, weights{} FROM runs WHERE id=?1",
      runs_have_origin_ ? ", origin_store, origin_run, origin_generation" : ""));
  st.bind(1, id);
  if (!st.step()) throw UsageError(fmt::format("run {} not found in '{}'", id, path_));
  RunInfo r;
  auto opt = [&](int c) -> std::optional<std::int64_t> {
    if (st.is_null(c)) return std::nullopt;
    return st.get_int(c);
  };
  r.id = st.get_int(0);
  r.parent_run = opt(1);
  r.parent_generation = opt(2);
  r.parent_index = opt(3);
  r.task = opt(4);
  r.name = st.get_text(5);
  r.config = st.get_text(6);
  r.config_file = st.get_text(7);
  r.seed = static_cast<std::uint64_t>(st.get_int(8));
  r.version = st.get_text(9);
  r.status = st.get_text(10);
  r.started = st.get_double(11);
  r.finished = st.get_double(12);
  r.stop_reason = st.get_text(13);
  r.evaluator = st.get_text(14);
  r.parallelism = static_cast<int>(st.get_int(15));
  r.host = st.get_text(16);
  const auto space = st.get_text(17);
  r.space = space.empty() ? nlohmann::json::array() : nlohmann::json::parse(space);
  const auto obj = st.get_text(18);
  if (!obj.empty()) r.objectives = nlohmann::json::parse(obj).get<std::vector<std::string>>();
  r.weights = parse_vector(st.get_text(19));
  if (runs_have_origin_) {
    r.origin_store = st.get_text(20);
    r.origin_run = opt(21);
    r.origin_generation = opt(22);
  }
  return r;
}

std::vector<RunInfo> RunStore::runs() {
  flush();
  std::lock_guard lock(mu_);
  std::vector<std::int64_t> ids;
  auto st = db_->prepare("SELECT id FROM runs ORDER BY id");
  while (st.step()) ids.push_back(st.get_int(0));
  std::vector<RunInfo> out;
  for (auto id : ids) out.push_back(run(id));
  return out;
}

std::optional<std::int64_t> RunStore::find_child(std::int64_t parent, std::int64_t generation,
                                                 std::int64_t index, std::int64_t task) {
  flush();
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT id FROM runs WHERE parent_run=?1 AND parent_generation=?2 AND parent_index=?3 AND "
      "task=?4 ORDER BY id DESC LIMIT 1");
  st.bind(1, parent).bind(2, generation).bind(3, index).bind(4, task);
  if (!st.step()) return std::nullopt;
  return st.get_int(0);
}

void RunStore::set_run_config(std::int64_t run, const std::string& config) {
  flush();
  std::lock_guard lock(mu_);
  auto st = db_->prepare("UPDATE runs SET config=?1 WHERE id=?2");
  st.bind_text(1, config).bind(2, run).step();
}

std::optional<std::int64_t> RunStore::root_run() {
  flush();
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT min(id) FROM runs WHERE parent_run IS NULL");
  if (!st.step() || st.is_null(0)) return std::nullopt;
  return st.get_int(0);
}

std::vector<GenerationRecord> RunStore::generations(std::int64_t run) {
  flush();
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT generation, evaluations, failed, best, q25, median, q75, worst, mean, best_index, "
      "best_fitness, best_params, seconds, elapsed, info FROM generations WHERE run=?1 "
      "ORDER BY generation");
  st.bind(1, run);
  std::vector<GenerationRecord> out;
  while (st.step()) {
    GenerationRecord g;
    g.generation = st.get_int(0);
    g.evaluations = st.get_int(1);
    g.failed = st.get_int(2);
    g.best = st.get_double(3);
    g.q25 = st.get_double(4);
    g.median = st.get_double(5);
    g.q75 = st.get_double(6);
    g.worst = st.get_double(7);
    g.mean = st.get_double(8);
    g.best_index = st.get_int(9);
    g.best_fitness = column_doubles(st, 10);
    g.best_params = column_doubles(st, 11);
    g.seconds = st.get_double(12);
    g.elapsed = st.get_double(13);
    const auto info = st.get_text(14);
    g.info = info.empty() ? nlohmann::json::object() : nlohmann::json::parse(info);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace l2l
