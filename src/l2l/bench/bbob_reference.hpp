#pragma once
// The reference that `l2l bench bbob` compares with: the ERT of the COCO platform's "best 2009"
// virtual algorithm (the best of the 31 BBOB-2009 entries per function, dimension and target;
// data/bbob/README.md gives the source and licence). The table is compiled into the library.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace l2l::bench {

struct BbobReference {
  double ert = 0.0;       // evaluations; infinity where no 2009 entry reached the target
  std::string algorithm;  // the best entry in this cell, e.g. "BIPOP-CMA-ES_hansen"; "" if inf
  int successes = 0;
  int trials = 0;
  bool is_bipop_cmaes() const { return algorithm.rfind("BIPOP-CMA-ES", 0) == 0; }
};

// Keyed by (function, dimension, decimal exponent of the target precision: 1 for 1e1, -8 for
// 1e-8).
using BbobReferenceTable = std::map<std::tuple<int, int, int>, BbobReference>;

// Parses function,dim,target,ert,best_algorithm,successes,trials lines after a header; throws
// std::runtime_error naming the line where one is malformed.
BbobReferenceTable parse_bbob_reference(std::string_view csv);

// The compiled-in best-2009 table.
const BbobReferenceTable& bbob_best2009();

// The cell for (function, dimension, target precision), or nothing where the table has none
// (dimensions other than 2, 3, 5, 10, 20, 40; the targets 1e-4 and 1e-6).
std::optional<BbobReference> bbob_reference(int function, int dim, double target);

}  // namespace l2l::bench
