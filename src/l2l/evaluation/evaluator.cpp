#include "l2l/evaluation/evaluator.hpp"

#include <chrono>
#include <exception>

namespace l2l {

namespace {

std::string describe_exception(std::exception_ptr p) {
  try {
    std::rethrow_exception(p);
  } catch (const std::exception& e) {
    return std::string("exception: ") + e.what();
  } catch (...) {
    return "unknown exception";
  }
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Evaluation evaluate_guarded(Optimizee& optimizee, const Candidate& c, std::size_t n_objectives) {
  const auto t0 = std::chrono::steady_clock::now();
  Evaluation e;
  try {
    e = optimizee.evaluate(c);
  } catch (...) {
    e = Evaluation::failure(describe_exception(std::current_exception()));
  }
  validate(e, n_objectives);
  e.seconds = seconds_since(t0);
  return e;
}

void evaluate_chunk_guarded(Optimizee& optimizee, std::span<const Candidate> chunk,
                            std::span<Evaluation> out, std::size_t n_objectives) {
  if (chunk.size() == 1 || optimizee.batch_size() <= 1) {
    for (std::size_t i = 0; i < chunk.size(); ++i)
      out[i] = evaluate_guarded(optimizee, chunk[i], n_objectives);
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  try {
    optimizee.evaluate_batch(chunk, out);
  } catch (...) {
    const auto why = describe_exception(std::current_exception());
    for (auto& e : out) e = Evaluation::failure(why);
  }
  // A batched call has one duration; each member is charged its share.
  const double share = seconds_since(t0) / static_cast<double>(chunk.size());
  for (auto& e : out) {
    validate(e, n_objectives);
    e.seconds = share;
  }
}

EvaluatorRegistry& evaluator_registry() {
  static EvaluatorRegistry registry;
  return registry;
}

std::unique_ptr<Evaluator> make_evaluator(Options& options, const EvaluatorContext& ctx) {
  return evaluator_registry().from_options(options, "evaluator").create(options, ctx);
}

void override_evaluator_type(YAML::Node section, const std::string& type) {
  const YAML::Node& cs = section;
  const std::string old =
      cs.IsMap() && cs["type"].IsDefined() && cs["type"].IsScalar() ? cs["type"].Scalar() : "";
  if (old == type) return;
  YAML::Node replacement(YAML::NodeType::Map);
  replacement["type"] = type;
  if (type == "mpi" && !old.empty()) replacement["local"] = YAML::Clone(section);
  // Replace the contents in place: the node is a reference into the configuration tree.
  std::vector<std::string> keys;
  for (auto it = cs.begin(); it != cs.end(); ++it) keys.push_back(it->first.Scalar());
  for (const auto& k : keys) section.remove(k);
  for (auto it = replacement.begin(); it != replacement.end(); ++it)
    section[it->first.Scalar()] = it->second;
}

}  // namespace l2l
