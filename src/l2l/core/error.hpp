#pragma once
#include <stdexcept>
#include <string>

namespace l2l {

// A mistake in what the user asked for (configuration, command line, input files). The CLI maps it
// to exit code 2; everything else that escapes is an internal error.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace l2l
