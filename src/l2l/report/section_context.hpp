#pragma once
// What a report section reads a run through: the run and its space, the generations, the
// artifact index with loaders that turn unreadable artifacts into warnings, and the report
// options. One context serves the whole report (report_data.cpp builds it inside the read
// transaction), so everything is read once and every section sees the same snapshot.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/report/fitness_scale.hpp"
#include "l2l/report/report_data.hpp"
#include "l2l/storage/run_store.hpp"

namespace l2l::report {

// One row of the artifacts table, without its data (load_blob reads that on demand).
struct ArtifactMeta {
  std::int64_t id = 0, generation = 0;
  std::optional<std::int64_t> idx;  // the individual; empty for optimizer artifacts
  std::string name, type;
  std::int64_t bytes = 0;
};

// One parameter of the space: its elements are offset .. offset+size-1 in flat order.
struct SpaceGroup {
  std::string name;
  std::size_t offset, size;
};

class SectionContext {
 public:
  SectionContext(RunStore& store, std::int64_t run_id, const ReportOptions& options);

  RunStore& store() const { return store_; }
  std::int64_t run_id() const { return run_id_; }
  const ReportOptions& options() const { return options_; }
  const RunInfo& info() const { return info_; }
  const Scale& scale() const { return scale_; }
  const std::vector<GenerationRecord>& generations() const { return generations_; }
  // Element names in flat order ("x", "w[3]", ...) and the parameters they belong to.
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<SpaceGroup>& groups() const { return groups_; }
  // The `type` of the config's optimizer and optimizee sections; empty when not readable.
  const std::string& optimizer_type() const { return optimizer_type_; }
  const std::string& optimizee_type() const { return optimizee_type_; }

  // Every artifact of the run, by generation, then in the order stored.
  const std::vector<ArtifactMeta>& artifacts() const { return artifacts_; }
  // The artifacts whose name matches, optionally newest generation first.
  std::vector<const ArtifactMeta*> artifacts_named(
      const std::function<bool(const std::string&)>& match, bool newest_first) const;
  std::string load_blob(std::int64_t id) const;
  // The artifact as a JSON object; null (and a warning naming it as `what`) when it is not one.
  nlohmann::json optional_json_artifact(const ArtifactMeta& a, const char* what);
  // A float32 artifact as doubles; false (and a warning) when its size is not a multiple of 4.
  bool decode_f32(const ArtifactMeta& a, std::vector<double>& out);

  // A parameter vector in normalized coordinates: 0 at the lower and 1 at the upper bound
  // (logarithmically on log scales), unchanged where the bounds are not finite.
  std::vector<double> to_unit(const std::vector<double>& x) const;

  // Problems the page lists under "Warnings", in the order they were found.
  void warn(std::string w) { warnings_.push_back(std::move(w)); }
  const nlohmann::json& warnings() const { return warnings_; }

 private:
  void load_space();
  void load_types();
  void load_artifact_index();

  RunStore& store_;
  std::int64_t run_id_;
  const ReportOptions& options_;
  RunInfo info_;
  Scale scale_;
  std::vector<GenerationRecord> generations_;
  std::vector<std::string> names_;
  std::vector<double> lo_, hi_;
  std::vector<bool> log_;
  std::vector<SpaceGroup> groups_;
  std::vector<ArtifactMeta> artifacts_;
  std::string optimizer_type_, optimizee_type_;
  nlohmann::json warnings_ = nlohmann::json::array();
};

}  // namespace l2l::report
