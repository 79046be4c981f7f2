#include "l2l/report/section_context.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace l2l::report {

static_assert(std::endian::native == std::endian::little,
              "f32 artifacts are little-endian; a big-endian host would need byte swaps");

SectionContext::SectionContext(RunStore& store, std::int64_t run_id, const ReportOptions& options)
    : store_(store), run_id_(run_id), options_(options), info_(store.run(run_id)), scale_(info_) {
  load_space();
  load_types();
  generations_ = store_.generations(run_id_);
  load_artifact_index();
}

void SectionContext::load_space() {
  std::size_t offset = 0;
  for (const auto& p : info_.space) {
    const auto name = p.value("name", std::string("?"));
    const bool arr = p.value("array", false);
    const std::size_t size = arr ? p.value("size", std::size_t{1}) : 1;
    groups_.push_back({name, offset, size});
    for (std::size_t k = 0; k < size; ++k) {
      names_.push_back(arr ? fmt::format("{}[{}]", name, k) : name);
      lo_.push_back(p.value("lo", 0.0));
      hi_.push_back(p.value("hi", 1.0));
      log_.push_back(p.value("log", false));
    }
    offset += size;
  }
}

void SectionContext::load_types() {
  try {
    const auto cfg = YAML::Load(info_.config);
    if (cfg["optimizer"] && cfg["optimizer"]["type"])
      optimizer_type_ = cfg["optimizer"]["type"].as<std::string>();
    if (cfg["optimizee"] && cfg["optimizee"]["type"])
      optimizee_type_ = cfg["optimizee"]["type"].as<std::string>();
  } catch (const std::exception&) {
    // A config that does not parse only loses the type labels.
  }
}

void SectionContext::load_artifact_index() {
  auto st = store_.db().prepare(
      "SELECT id, generation, idx, name, type, length(data) FROM artifacts WHERE run=?1 "
      "ORDER BY generation, id");
  st.bind(1, run_id_);
  while (st.step()) {
    ArtifactMeta m;
    m.id = st.get_int(0);
    m.generation = st.get_int(1);
    if (!st.is_null(2)) m.idx = st.get_int(2);
    m.name = st.get_text(3);
    m.type = st.get_text(4);
    m.bytes = st.get_int(5);
    artifacts_.push_back(std::move(m));
  }
}

std::string SectionContext::load_blob(std::int64_t id) const {
  auto st = store_.db().prepare("SELECT data FROM artifacts WHERE id=?1");
  st.bind(1, id);
  return st.step() ? st.get_text(0) : std::string();
}

std::vector<const ArtifactMeta*> SectionContext::artifacts_named(
    const std::function<bool(const std::string&)>& match, bool newest_first) const {
  std::vector<const ArtifactMeta*> out;
  for (const auto& a : artifacts_)
    if (match(a.name)) out.push_back(&a);
  if (newest_first)
    std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) {
      if (a->generation != b->generation) return a->generation > b->generation;
      return a->idx.value_or(-1) < b->idx.value_or(-1);
    });
  return out;
}

nlohmann::json SectionContext::optional_json_artifact(const ArtifactMeta& a, const char* what) {
  const auto text = load_blob(a.id);
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    warn(fmt::format("{} artifact '{}' (generation {}{}) is not a JSON object; skipped", what,
                     a.name, a.generation, a.idx ? fmt::format(", individual {}", *a.idx) : ""));
    return nullptr;
  }
  return j;
}

bool SectionContext::decode_f32(const ArtifactMeta& a, std::vector<double>& out) {
  const auto bytes = load_blob(a.id);
  if (bytes.size() % 4 != 0) {
    warn(fmt::format("artifact '{}' (generation {}) has {} bytes, not a float32 array; skipped",
                     a.name, a.generation, bytes.size()));
    return false;
  }
  out.resize(bytes.size() / 4);
  for (std::size_t i = 0; i < out.size(); ++i) {
    float f;
    std::memcpy(&f, bytes.data() + 4 * i, 4);
    out[i] = f;
  }
  return true;
}

std::vector<double> SectionContext::to_unit(const std::vector<double>& x) const {
  std::vector<double> u(x.size());
  for (std::size_t j = 0; j < x.size(); ++j) {
    const double lo = lo_[j], hi = hi_[j];
    if (log_[j] && lo > 0 && hi > lo && x[j] > 0)
      u[j] = std::log(x[j] / lo) / std::log(hi / lo);
    else if (std::isfinite(lo) && std::isfinite(hi) && hi > lo)
      u[j] = (x[j] - lo) / (hi - lo);
    else
      u[j] = x[j];
  }
  return u;
}

}  // namespace l2l::report
