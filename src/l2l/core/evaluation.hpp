#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace l2l {

enum class Status : std::int8_t { ok = 0, failed = 1, timeout = 2 };
const char* to_string(Status s);
Status parse_status(const std::string& s);

// A named blob an evaluation or optimizer wants kept in the run store (spike raster, ensemble...).
struct Artifact {
  std::string name;
  std::string type;  // "json", "f64", "f32", "csv", "png", ...
  std::string data;  // bytes
};

// The result of evaluating one candidate.
struct Evaluation {
  Status status = Status::ok;
  std::string reason;                // why it failed; empty when ok
  std::vector<double> fitness;       // one value per objective
  std::vector<double> outputs;       // model outputs G(u) for the EnKF; empty if the model has none
  std::vector<double> observations;  // the data y the outputs should match (same size as outputs)
  std::map<std::string, double> metrics;
  std::vector<Artifact> artifacts;
  double seconds = 0.0;
  std::string worker;  // who evaluated it: "thread", "pid 123", "rank 3"

  bool ok() const { return status == Status::ok; }
  static Evaluation failure(std::string why, Status s = Status::failed) {
    Evaluation e;
    e.status = s;
    e.reason = std::move(why);
    return e;
  }
};

// Turns an evaluation whose fitness has the wrong size or is not finite into a failure with the
// reason, so bad numbers never reach an optimizer.
void validate(Evaluation& e, std::size_t n_objectives);

}  // namespace l2l
