#pragma once
// Range checks for the benchmark programs' options. CLI11 2.1's PositiveNumber and
// NonNegativeNumber reject 0 as "not in range 0.000000 to <a 309-digit number>"; these name the
// rule that was broken.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace l2l::bench {

inline CLI::Validator lower_bound_check(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& s) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(s, v)) return "'" + s + "' is not a number";
        if (allow_zero ? v >= 0 : v > 0) return {};
        return (allow_zero ? "must be zero or positive, got " : "must be positive, got ") + s;
      },
      allow_zero ? "NONNEGATIVE" : "POSITIVE");
}

inline const CLI::Validator positive = lower_bound_check(false);
inline const CLI::Validator non_negative = lower_bound_check(true);

// A comma-separated list of positive counts (thread counts, ensemble sizes, ranks): "--threads
// 1,2".
inline CLI::Option* add_count_list(CLI::App& app, const std::string& name, std::vector<int>& v,
                                   const std::string& help) {
  return app.add_option(name, v, help)
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(positive)
      ->capture_default_str();
}

}  // namespace l2l::bench
