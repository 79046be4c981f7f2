#include "l2l/core/evaluation.hpp"

#include <fmt/format.h>
#include <cmath>

#include "l2l/core/error.hpp"

namespace l2l {

const char* to_string(Status s) {
  switch (s) {
    case Status::ok:
      return "ok";
    case Status::failed:
      return "failed";
    case Status::timeout:
      return "timeout";
  }
  return "?";
}

Status parse_status(const std::string& s) {
  if (s == "ok") return Status::ok;
  if (s == "failed") return Status::failed;
  if (s == "timeout") return Status::timeout;
  throw UsageError(fmt::format("unknown evaluation status '{}'", s));
}

void validate(Evaluation& e, std::size_t n_objectives) {
  if (!e.ok()) return;
  if (e.fitness.size() != n_objectives) {
    e = Evaluation::failure(fmt::format("optimizee returned {} fitness values, expected {}",
                                        e.fitness.size(), n_objectives));
    return;
  }
  for (std::size_t i = 0; i < e.fitness.size(); ++i) {
    if (!std::isfinite(e.fitness[i])) {
      e = Evaluation::failure(fmt::format("fitness[{}] is {}", i, e.fitness[i]));
      return;
    }
  }
  for (std::size_t i = 0; i < e.outputs.size(); ++i) {
    if (!std::isfinite(e.outputs[i])) {
      e = Evaluation::failure(fmt::format("output[{}] is {}", i, e.outputs[i]));
      return;
    }
  }
  if (!e.observations.empty() && e.observations.size() != e.outputs.size()) {
    e = Evaluation::failure(
        fmt::format("{} observations for {} outputs", e.observations.size(), e.outputs.size()));
  }
}

}  // namespace l2l
