#pragma once
// Everything a report shows, read from a run store into one JSON document (the data the page's
// charts are drawn from). Large runs are thinned here, never in the browser: generations are
// subsampled evenly, populations sampled per generation, spike rasters thinned by neuron, big
// parameter spaces projected on their principal components, so a report stays a few megabytes.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "l2l/storage/run_store.hpp"

namespace l2l::report {

struct ReportOptions {
  std::size_t small_space = 16;            // up to this many elements: one chart per parameter
  std::size_t max_points = 30000;          // population points drawn in the parameter charts
  std::size_t max_generation_rows = 5000;  // rows of the per-generation charts
  std::size_t cov_first = 0;               // covariance block: first element ...
  std::size_t cov_size = 32;               // ... and number of elements
  std::size_t max_inner_runs = 12;         // outer individuals whose inner curves are drawn
  std::size_t hall_of_fame = 10;           // best distinct individuals listed
  std::size_t max_artifacts = 3;           // per kind: rasters, arenas, correlations
  std::size_t max_spikes = 60000;          // per raster
  std::size_t max_snapshots = 24;          // per arena
  std::size_t spectrum_generations = 12;   // EnKF spectra drawn
  std::size_t histogram_generations = 12;  // EnKF weight histograms drawn
  std::size_t histogram_bins = 30;
};

// Reads one consistent snapshot of run `run_id` (a read transaction, so a run that is still
// going is seen as of one committed generation). Problems with individual artifacts become
// entries of "warnings", never exceptions.
nlohmann::json collect_report_data(RunStore& store, std::int64_t run_id,
                                   const ReportOptions& options = {});

// Element names of a stored space JSON ("x", "w[3]", ...), in flat order.
std::vector<std::string> element_names(const nlohmann::json& space);

}  // namespace l2l::report
