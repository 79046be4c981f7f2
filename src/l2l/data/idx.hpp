#pragma once
// The IDX file format of MNIST and Fashion-MNIST (LeCun et al.): a 4-byte magic number (two zero
// bytes, a type code, the number of dimensions), one big-endian 32-bit size per dimension, then
// the values in row-major order. Files may be gzip-compressed; both forms are read.
//
// Only unsigned-byte data (type 0x08, the type of every MNIST-style file) is supported. Anything
// else, a truncated file, trailing bytes or a corrupt gzip stream is rejected with a UsageError
// that names the file and what is wrong with it.
#include <cstdint>
#include <string>
#include <vector>

namespace l2l::data {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> values;

  std::size_t count() const;  // product of dims
};

IdxArray read_idx(const std::string& path);
// Writes `a` as IDX; gzip-compressed if `path` ends in ".gz".
void write_idx(const std::string& path, const IdxArray& a);

}  // namespace l2l::data
