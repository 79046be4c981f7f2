#pragma once
// The labelled images the spiking reservoir classifies (MNIST-style IDX files, see
// scripts/fetch-data.sh), reduced to the interface the reservoir needs.
#include <cstdint>
#include <string>
#include <vector>

namespace l2l::spiking {

struct DigitImages {
  std::size_t pixels_per_image = 784;
  std::vector<float> pixels;         // n x pixels_per_image, in [0, 1]
  std::vector<std::uint8_t> labels;  // n
  std::size_t size() const { return labels.size(); }
  const float* image(std::size_t i) const { return pixels.data() + i * pixels_per_image; }
  void push_back(const float* px, std::uint8_t label) {
    pixels.insert(pixels.end(), px, px + pixels_per_image);
    labels.push_back(label);
  }
};

struct DigitSplit {
  DigitImages train, test;
  std::string dir;
};

// Loads the train/test split of a named data set ("mnist" or "fashion_mnist") from `dir` or the
// standard places (data/<name> under the working directory, the experiment file's directory and
// its parents, and the source tree).
DigitSplit load_digits(const std::string& dataset, const std::string& dir,
                       const std::string& config_file);

}  // namespace l2l::spiking
