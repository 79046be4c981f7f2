#include "l2l/storage/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace l2l::sql {

namespace {
[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error(fmt::format("sqlite: {}: {}", what, db ? sqlite3_errmsg(db) : "?"));
}
}  // namespace

Database::Database(const std::string& path, Mode mode) : path_(path) {
  int flags = SQLITE_OPEN_NOMUTEX;
  if (mode == Mode::read_only) flags |= SQLITE_OPEN_READONLY;
  if (mode == Mode::read_write) flags |= SQLITE_OPEN_READWRITE;
  if (mode == Mode::create) flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(fmt::format("cannot open run store '{}': {}", path, msg));
  }
  sqlite3_busy_timeout(db_, 10000);
}

Database::~Database() {
  // close_v2: a statement still alive (destroyed after its database) closes the connection
  // when it is finalized, instead of leaving it open for good.
  sqlite3_close_v2(db_);
}

void Database::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error(fmt::format("sqlite: {} (in: {})", msg, sql.substr(0, 80)));
  }
}

Statement Database::prepare(const std::string& sql) {
  return Statement(*this, sql);
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

Statement::Statement(Database& db, const std::string& sql) : db_(&db) {
  if (sqlite3_prepare_v2(db.handle(), sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr) !=
      SQLITE_OK)
    fail(db.handle(), "prepare '" + sql.substr(0, 60) + "'");
}

Statement::~Statement() {
  sqlite3_finalize(st_);
}

Statement& Statement::bind(int i, std::int64_t v) {
  if (sqlite3_bind_int64(st_, i, v) != SQLITE_OK) fail(db_->handle(), "bind");
  return *this;
}
Statement& Statement::bind(int i, double v) {
  // SQLite stores NaN as NULL; infinities survive.
  if (sqlite3_bind_double(st_, i, v) != SQLITE_OK) fail(db_->handle(), "bind");
  return *this;
}
Statement& Statement::bind_text(int i, std::string_view v) {
  if (sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK)
    fail(db_->handle(), "bind");
  return *this;
}
Statement& Statement::bind_blob(int i, std::string_view v) {
  if (sqlite3_bind_blob64(st_, i, v.data(), v.size(), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_->handle(), "bind");
  return *this;
}
Statement& Statement::bind_text_ref(int i, std::string_view v) {
  if (sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC) != SQLITE_OK)
    fail(db_->handle(), "bind");
  return *this;
}
Statement& Statement::bind_blob_ref(int i, std::string_view v) {
  if (sqlite3_bind_blob64(st_, i, v.data(), v.size(), SQLITE_STATIC) != SQLITE_OK)
    fail(db_->handle(), "bind");
  return *this;
}
Statement& Statement::bind_null(int i) {
  if (sqlite3_bind_null(st_, i) != SQLITE_OK) fail(db_->handle(), "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string msg = sqlite3_errmsg(db_->handle());
  sqlite3_reset(st_);
  throw std::runtime_error("sqlite: step: " + msg);
}

void Statement::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

bool Statement::is_null(int col) const {
  return sqlite3_column_type(st_, col) == SQLITE_NULL;
}
std::int64_t Statement::get_int(int col) const {
  return sqlite3_column_int64(st_, col);
}
double Statement::get_double(int col) const {
  if (is_null(col)) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(st_, col);
}
std::string Statement::get_text(int col) const {
  const void* p = sqlite3_column_blob(st_, col);
  const int n = sqlite3_column_bytes(st_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}
int Statement::columns() const {
  return sqlite3_column_count(st_);
}
std::string Statement::column_name(int col) const {
  return sqlite3_column_name(st_, col);
}
int Statement::column_type(int col) const {
  return sqlite3_column_type(st_, col);
}
std::string Statement::column_decltype(int col) const {
  const char* t = sqlite3_column_decltype(st_, col);
  return t ? t : "";
}

Transaction::Transaction(Database& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}
Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
    }
  }
}
void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace l2l::sql
