#pragma once
// Labelled image sets (MNIST, Fashion-MNIST) loaded from IDX files, with pixels scaled to [0, 1].
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace l2l::data {

struct ImageSet {
  std::size_t rows = 0, cols = 0;
  std::vector<float> pixels;         // n x rows x cols, row-major, in [0, 1]
  std::vector<std::uint8_t> labels;  // n
  std::size_t size() const { return labels.size(); }
  std::size_t pixels_per_image() const { return rows * cols; }
  const float* image(std::size_t i) const { return pixels.data() + i * rows * cols; }
};

// Reads an images file (rank 3) and its labels file (rank 1); checks that the counts agree and
// that every label is below `classes`.
ImageSet load_image_set(const std::string& images, const std::string& labels, int classes = 10);

struct ImageSplit {
  ImageSet train, test;
  std::string dir;  // where the files were found
};

// A named data set ("mnist" or "fashion_mnist") from `dir`, or, when dir is empty, from the
// standard places: data/<name> under the working directory, under the experiment file's
// directory and its parents, under the source tree, and for Fashion-MNIST the directory of the
// Debian package dataset-fashion-mnist. The files are the usual train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally
// ending in .gz. A missing data set is a UsageError that says how to get it.
ImageSplit load_named_split(const std::string& name, const std::string& dir,
                            const std::string& config_file);

}  // namespace l2l::data
