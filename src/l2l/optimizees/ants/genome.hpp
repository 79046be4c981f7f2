#pragma once
// The genome of an ant colony: synaptic weights and delays of the one spiking network every ant
// carries, in the layout of the published model (Jimenez-Romero et al., Swarm Intelligence 2024).
//
// All blocks are source-major (for each source, for each target), H = hidden neurons:
//   [0, 11H)                   input -> hidden, inputs in the order of `Input`
//   [11H, 12H)                 heartbeat -> hidden
//   [12H, 12H + H(H-1))        hidden -> hidden, every ordered pair except self-connections
//   [12H + H(H-1), +4H)        hidden -> output, outputs in the order of `Output`
//   the rest                   unused (the published genome has 720 genes for H = 20, 700 used)
// Weights are in genome units: clipped to [-20, 20], times 100 pA. Delays are clipped to [1, 7] ms
// and truncated to whole milliseconds, as the original simulator did (its delays were floats).
#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace l2l {
class Rng;
}

namespace l2l::ants {

constexpr int kInputs = 11;
constexpr int kOutputs = 4;
// Genes of the published genome; smaller networks keep this size (the unused tail is ignored),
// larger ones use exactly what they need.
constexpr std::size_t kPublishedGenes = 720;
constexpr double kWeightLimit = 20.0;    // genome units
constexpr double kWeightUnitPa = 100.0;  // pA per genome unit
constexpr int kMinDelay = 1;             // ms
constexpr int kMaxDelay = 7;             // ms

enum Input : int {
  visual_wall = 0,
  visual_food = 1,
  pheromone_left = 2,
  pheromone_middle = 3,
  pheromone_right = 4,
  pain = 5,
  reward = 6,
  nest_left = 7,
  nest_middle = 8,
  nest_right = 9,
  on_nest = 10,
};
enum Output : int { move = 0, rotate_left = 1, rotate_right = 2, drop_pheromone = 3 };

const std::array<const char*, kInputs>& input_names();
const std::array<const char*, kOutputs>& output_names();

// Where each connection's gene lives.
struct GenomeLayout {
  int hidden = 20;

  std::size_t input_to_hidden(int input, int h) const {
    return static_cast<std::size_t>(input * hidden + h);
  }
  std::size_t heartbeat_to_hidden(int h) const {
    return static_cast<std::size_t>(kInputs * hidden + h);
  }
  // source != target
  std::size_t hidden_to_hidden(int source, int target) const {
    return static_cast<std::size_t>((kInputs + 1) * hidden + source * (hidden - 1) +
                                    (target < source ? target : target - 1));
  }
  std::size_t hidden_to_output(int h, int output) const {
    return hidden_to_output_begin() + static_cast<std::size_t>(h * kOutputs + output);
  }
  std::size_t hidden_to_output_begin() const {
    return static_cast<std::size_t>((kInputs + 1) * hidden + hidden * (hidden - 1));
  }
  std::size_t used() const { return hidden_to_output_begin() + kOutputs * hidden; }
  std::size_t size() const { return used() > kPublishedGenes ? used() : kPublishedGenes; }
};

struct Genome {
  int hidden = 20;
  std::vector<double> weights;  // genome units, layout().size() entries
  std::vector<double> delays;   // ms, same size

  GenomeLayout layout() const { return {hidden}; }
  // Checks sizes and finiteness; throws UsageError.
  void validate() const;
  // The value the network uses: clipped, in pA.
  double weight_pa(std::size_t gene) const;
  // Clipped to [1, 7] and truncated (6.999 -> 6, as numpy's astype(int) in the original).
  int delay_ms(std::size_t gene) const;
};

// Uniform weights in [-20, 20] and integer delays in [1, 7].
Genome random_genome(int hidden, Rng& rng);

// The CSV layout of the published data: line 1 the weights, line 2 the delays, an optional line 3
// with a fitness (ignored). Throws UsageError naming the file and line on malformed input.
Genome read_genome_csv(const std::string& path, int hidden = 20);
Genome parse_genome_csv(const std::string& text, int hidden = 20,
                        const std::string& name = "genome");
std::string format_genome_csv(const Genome& g);

}  // namespace l2l::ants
