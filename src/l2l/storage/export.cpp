#include "l2l/storage/export.hpp"

#include <sqlite3.h>

#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "l2l/core/error.hpp"
#include "l2l/storage/vector_codec.hpp"

namespace l2l {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string format_double(double v) {
  return fmt::format("{}", v);
}

}  // namespace

std::vector<std::string> export_store(RunStore& store, const std::string& dir, ExportFormat format,
                                      std::optional<std::int64_t> only_run) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  struct Table {
    const char* name;
    const char* run_column;
  };
  const Table tables[] = {{"runs", "id"},
                          {"generations", "run"},
                          {"evaluations", "run"},
                          {"checkpoints", "run"},
                          {"artifacts", "run"}};
  std::vector<std::string> files;
  for (const auto& t : tables) {
    std::string sql = fmt::format("SELECT * FROM {}", t.name);
    if (only_run) sql += fmt::format(" WHERE {} = {}", t.run_column, *only_run);
    auto st = store.db().prepare(sql);
    const auto path =
        (fs::path(dir) / (std::string(t.name) + (format == ExportFormat::csv ? ".csv" : ".json")))
            .string();
    std::ofstream out(path);
    if (!out) throw UsageError(fmt::format("cannot write '{}'", path));
    const int ncol = st.columns();
    // Blob columns (by the schema's declared type, so the header does not depend on whether the
    // first row's value happens to be NULL) are exported as their size: <column>_bytes.
    std::vector<std::string> names;
    std::vector<bool> is_blob, is_vector;
    for (int c = 0; c < ncol; ++c) {
      // Parameters and fitness are float64 blobs in the store (vector_codec.hpp) and JSON
      // arrays in an export, as they were in stores of schema 1.
      const auto column = st.column_name(c);
      is_vector.push_back(column == "params" || column == "fitness" || column == "best_fitness" ||
                          column == "best_params");
      is_blob.push_back(!is_vector.back() && st.column_decltype(c) == "BLOB");
      names.push_back(st.column_name(c) + (is_blob.back() ? "_bytes" : ""));
    }
    if (format == ExportFormat::csv) {
      for (int c = 0; c < ncol; ++c)
        out << (c ? "," : "") << csv_field(names[static_cast<std::size_t>(c)]);
      out << "\n";
    }
    // JSON is written row by row (an array of objects), so a large table never sits in memory.
    if (format == ExportFormat::json) out << "[";
    bool first_row = true;
    while (st.step()) {
      nlohmann::json row = nlohmann::json::object();
      for (int c = 0; c < ncol; ++c) {
        const auto& name = names[static_cast<std::size_t>(c)];
        std::string cell;
        if (is_vector[static_cast<std::size_t>(c)]) {
          row[name] = column_doubles_json(st, c);
          if (!row[name].is_null()) cell = row[name].dump();
          if (format == ExportFormat::csv) out << (c ? "," : "") << csv_field(cell);
          continue;
        }
        const int type = is_blob[static_cast<std::size_t>(c)] && st.column_type(c) != SQLITE_NULL
                             ? SQLITE_BLOB
                             : st.column_type(c);
        switch (type) {
          case SQLITE_INTEGER:
            cell = std::to_string(st.get_int(c));
            row[name] = st.get_int(c);
            break;
          case SQLITE_FLOAT:
            cell = format_double(st.get_double(c));
            row[name] = st.get_double(c);
            break;
          case SQLITE_BLOB:
            cell = std::to_string(st.get_text(c).size());
            row[name] = st.get_text(c).size();
            break;
          case SQLITE_NULL:
            row[name] = nullptr;
            break;
          default: {
            cell = st.get_text(c);
            // JSON-valued text columns are embedded as JSON, not as strings.
            if (!cell.empty() && (cell[0] == '[' || cell[0] == '{')) {
              auto parsed = nlohmann::json::parse(cell, nullptr, false);
              row[name] = parsed.is_discarded() ? nlohmann::json(cell) : parsed;
            } else {
              row[name] = cell;
            }
          }
        }
        if (format == ExportFormat::csv) out << (c ? "," : "") << csv_field(cell);
      }
      if (format == ExportFormat::csv) {
        out << "\n";
      } else {
        // Error messages may hold any bytes; invalid UTF-8 becomes U+FFFD rather than failing.
        out << (first_row ? "\n" : ",\n")
            << row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      first_row = false;
    }
    if (format == ExportFormat::json) out << (first_row ? "]\n" : "\n]\n");
    out.flush();
    if (!out) throw UsageError(fmt::format("cannot write '{}'", path));
    files.push_back(path);
  }
  return files;
}

}  // namespace l2l
