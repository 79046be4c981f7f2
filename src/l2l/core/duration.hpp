#pragma once
// Durations as people read them in progress lines, summaries and reports: "42.0s", "3m07s",
// "2h05m"; "?" for a negative or non-finite value (an ETA not known yet).
#include <string>

namespace l2l {

std::string format_duration(double seconds);

}  // namespace l2l
