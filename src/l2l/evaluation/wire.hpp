#pragma once
// The compact binary encoding of candidates and evaluations that worker processes and MPI ranks
// exchange with the driver.
//
// Numbers are written in the machine's byte order (doubles bit for bit, so results travel
// unchanged): driver and workers are the same binary on the same machine, and MPI jobs run on
// homogeneous nodes. A truncated or inconsistent message throws ProtocolError instead of reading
// out of bounds.
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "l2l/core/candidate.hpp"
#include "l2l/core/evaluation.hpp"

namespace l2l::wire {

class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Writer {
 public:
  void u8(std::uint8_t v) { raw(&v, 1); }
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void i64(std::int64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(std::string_view s);
  void doubles(std::span<const double> v);
  void raw(const void* p, std::size_t n);

  const std::string& bytes() const { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  std::string buf_;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  std::uint8_t u8();
  std::uint32_t u32();
  std::uint64_t u64();
  std::int64_t i64();
  double f64();
  std::string str();
  std::vector<double> doubles();
  bool done() const { return pos_ == data_.size(); }
  // Throws unless every byte was consumed (a message with trailing bytes is corrupt).
  void expect_end() const;

 private:
  void take(void* p, std::size_t n);
  std::string_view data_;
  std::size_t pos_ = 0;
};

void write(Writer& w, const Candidate& c);
Candidate read_candidate(Reader& r);
void write(Writer& w, const Evaluation& e);
Evaluation read_evaluation(Reader& r);

void write(Writer& w, std::span<const Candidate> cs);
std::vector<Candidate> read_candidates(Reader& r);
void write(Writer& w, std::span<const Evaluation> es);
std::vector<Evaluation> read_evaluations(Reader& r);

// Framing over a byte stream (pipes, sockets): [u32 length][u8 type][payload of length - 1].
struct Frame {
  std::uint8_t type = 0;
  std::string payload;
};

// Messages larger than this are refused as corrupt (a garbage length would otherwise allocate
// gigabytes).
constexpr std::uint32_t kMaxFrame = 1u << 30;

std::string encode_frame(std::uint8_t type, std::string_view payload);

// Accumulates bytes from a non-blocking stream and cuts them into frames.
class FrameReader {
 public:
  void feed(const char* data, std::size_t n) { buf_.append(data, n); }
  std::optional<Frame> next();
  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  std::size_t pos_ = 0;
};

// Blocking frame I/O on a file descriptor (the worker side). read_frame returns nullopt on a
// clean end of stream before the first byte of a frame; errors and truncated frames throw.
std::optional<Frame> read_frame(int fd);
void write_frame(int fd, std::uint8_t type, std::string_view payload);

}  // namespace l2l::wire
