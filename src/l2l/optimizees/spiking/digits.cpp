#include "l2l/optimizees/spiking/digits.hpp"

#include <zlib.h>

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "l2l/core/error.hpp"

namespace l2l::spiking {

namespace fs = std::filesystem;

namespace {

// Reads an unsigned-byte IDX file, plain or gzip-compressed (zlib reads both).
std::vector<std::uint8_t> read_idx_bytes(const std::string& path,
                                         std::vector<std::uint32_t>& dims) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) throw UsageError(fmt::format("{}: cannot open", path));
  unsigned char head[4];
  if (gzread(f.get(), head, 4) != 4 || head[0] != 0 || head[1] != 0 || head[2] != 0x08)
    throw UsageError(fmt::format("{}: not an unsigned-byte IDX file", path));
  dims.assign(head[3], 0);
  std::size_t n = 1;
  for (auto& d : dims) {
    unsigned char b[4];
    if (gzread(f.get(), b, 4) != 4) throw UsageError(fmt::format("{}: truncated header", path));
    d = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
        b[3];
    n *= d;
  }
  std::vector<std::uint8_t> v(n);
  std::size_t got = 0;
  while (got < n) {
    const int r = gzread(f.get(), v.data() + got,
                         static_cast<unsigned>(std::min<std::size_t>(n - got, 1 << 30)));
    if (r <= 0) throw UsageError(fmt::format("{}: truncated data", path));
    got += static_cast<std::size_t>(r);
  }
  return v;
}

std::string find(const fs::path& dir, const std::string& stem) {
  for (const char* suffix : {"", ".gz"})
    if (fs::is_regular_file(dir / (stem + suffix))) return (dir / (stem + suffix)).string();
  return {};
}

DigitImages load_set(const fs::path& dir, const std::string& prefix) {
  std::vector<std::uint32_t> di, dl;
  const auto images = find(dir, prefix + "-images-idx3-ubyte");
  const auto labels = find(dir, prefix + "-labels-idx1-ubyte");
  const auto px = read_idx_bytes(images, di);
  const auto lb = read_idx_bytes(labels, dl);
  if (di.size() != 3 || dl.size() != 1 || di[0] != dl[0])
    throw UsageError(fmt::format("{}: images and labels do not match", dir.string()));
  DigitImages s;
  s.pixels_per_image = std::size_t{di[1]} * di[2];
  s.labels = lb;
  s.pixels.resize(px.size());
  for (std::size_t i = 0; i < px.size(); ++i) s.pixels[i] = px[i] / 255.0f;
  return s;
}

}  // namespace

DigitSplit load_digits(const std::string& dataset, const std::string& dir,
                       const std::string& config_file) {
  if (dataset != "mnist" && dataset != "fashion_mnist")
    throw UsageError(fmt::format("unknown data set '{}' (mnist or fashion_mnist)", dataset));
  const std::string sub = dataset == "mnist" ? "mnist" : "fashion-mnist";
  std::vector<fs::path> candidates;
  if (!dir.empty()) {
    candidates.emplace_back(dir);
    if (fs::path(dir).is_relative() && !config_file.empty())
      candidates.push_back(fs::absolute(config_file).parent_path() / dir);
  } else {
    candidates.push_back(fs::path("data") / sub);
    if (!config_file.empty())
      for (fs::path p = fs::absolute(config_file).parent_path();; p = p.parent_path()) {
        candidates.push_back(p / "data" / sub);
        if (p == p.parent_path()) break;
      }
#ifdef L2L_SOURCE_DIR
    candidates.push_back(fs::path(L2L_SOURCE_DIR) / "data" / sub);
#endif
    if (dataset == "fashion_mnist") candidates.emplace_back("/usr/share/datasets/fashion-mnist");
  }
  for (const auto& d : candidates) {
    if (find(d, "train-images-idx3-ubyte").empty() || find(d, "t10k-labels-idx1-ubyte").empty())
      continue;
    DigitSplit s;
    s.train = load_set(d, "train");
    s.test = load_set(d, "t10k");
    s.dir = d.string();
    return s;
  }
  throw UsageError(fmt::format("data set '{}' not found{}; run scripts/fetch-data.sh", dataset,
                               dir.empty() ? "" : " in " + dir));
}

}  // namespace l2l::spiking
