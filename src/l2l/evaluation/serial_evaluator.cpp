// Evaluates candidates one after another on the driver thread. The reference for every other
// evaluator, and the fastest choice for very cheap objectives.
#include "l2l/evaluation/evaluator.hpp"

namespace l2l {
namespace {

class SerialEvaluator final : public Evaluator {
 public:
  struct Config {
    static Config read(Options&) { return {}; }
  };
  SerialEvaluator(const Config&, const EvaluatorContext&) {}

  void evaluate(Optimizee& optimizee, std::span<const Candidate> batch,
                std::span<Evaluation> out) override {
    const std::size_t n_obj = optimizee.objective_names().size();
    const std::size_t chunk = std::max<std::size_t>(1, optimizee.batch_size());
    for (std::size_t i = 0; i < batch.size(); i += chunk) {
      const std::size_t n = std::min(chunk, batch.size() - i);
      evaluate_chunk_guarded(optimizee, batch.subspan(i, n), out.subspan(i, n), n_obj);
    }
    for (auto& e : out) e.worker = "serial";
  }
  std::string name() const override { return "serial"; }
};

L2L_REGISTER_EVALUATOR(SerialEvaluator, "serial",
                       "one evaluation after another on the driver thread");

}  // namespace
}  // namespace l2l
