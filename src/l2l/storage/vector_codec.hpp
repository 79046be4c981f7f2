#pragma once
// How the store keeps vectors of numbers (parameters, fitness, a generation's best): since store
// schema 2, a BLOB of little-endian IEEE-754 float64, 8 bytes per element and nothing else, so a
// row costs a copy instead of decimal formatting, and NaN and infinities survive. Schema 1 stores
// kept JSON arrays as text (non-finite values as null); every reader goes through
// column_doubles(), which reads both, so old stores open unchanged.
//
// Outside l2l: Python `numpy.frombuffer(blob, "<f8")` or `struct.unpack(f"<{len(b)//8}d", b)`;
// `l2l export` writes JSON arrays (README "The run store").
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/storage/sqlite.hpp"

namespace l2l {

// The blob of `v` (empty for an empty vector).
std::string encode_doubles(std::span<const double> v);
// The inverse; throws std::runtime_error when the size is not a multiple of 8.
std::vector<double> decode_doubles(std::string_view bytes);

// Parses a flat JSON array of numbers (null -> NaN), the schema-1 text form, without building a
// JSON document; false if the text is not one.
bool parse_number_array(std::string_view text, std::vector<double>& out);

// Column `col` of the current row: a schema-2 blob, a schema-1 JSON array text (null -> NaN), or
// empty for NULL.
std::vector<double> column_doubles(const sql::Statement& st, int col);
// column_doubles that reports a malformed cell by returning false instead of throwing (readers
// that skip bad rows with a warning, like the report).
bool try_column_doubles(const sql::Statement& st, int col, std::vector<double>& out);
// The same as JSON (non-finite -> null); JSON null for SQL NULL.
nlohmann::json column_doubles_json(const sql::Statement& st, int col);

}  // namespace l2l
