#include "l2l/evaluation/wire.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace l2l::wire {

void Writer::raw(const void* p, std::size_t n) {
  buf_.append(static_cast<const char*>(p), n);
}

void Writer::str(std::string_view s) {
  u64(s.size());
  raw(s.data(), s.size());
}

void Writer::doubles(std::span<const double> v) {
  u64(v.size());
  raw(v.data(), v.size() * sizeof(double));
}

void Reader::take(void* p, std::size_t n) {
  if (n > data_.size() - pos_)
    throw ProtocolError(fmt::format("truncated message: wanted {} bytes at offset {} of {}", n,
                                    pos_, data_.size()));
  if (n == 0) return;  // an empty vector's data() may be null, which memcpy must not get
  std::memcpy(p, data_.data() + pos_, n);
  pos_ += n;
}

std::uint8_t Reader::u8() {
  std::uint8_t v;
  take(&v, sizeof v);
  return v;
}
std::uint32_t Reader::u32() {
  std::uint32_t v;
  take(&v, sizeof v);
  return v;
}
std::uint64_t Reader::u64() {
  std::uint64_t v;
  take(&v, sizeof v);
  return v;
}
std::int64_t Reader::i64() {
  std::int64_t v;
  take(&v, sizeof v);
  return v;
}
double Reader::f64() {
  double v;
  take(&v, sizeof v);
  return v;
}

std::string Reader::str() {
  const auto n = u64();
  if (n > data_.size() - pos_) throw ProtocolError("truncated message: string longer than message");
  std::string s(data_.substr(pos_, n));
  pos_ += n;
  return s;
}

std::vector<double> Reader::doubles() {
  const auto n = u64();
  if (n > (data_.size() - pos_) / sizeof(double))
    throw ProtocolError("truncated message: vector longer than message");
  std::vector<double> v(n);
  take(v.data(), n * sizeof(double));
  return v;
}

void Reader::expect_end() const {
  if (!done())
    throw ProtocolError(
        fmt::format("{} unexpected bytes at the end of a message", data_.size() - pos_));
}

void write(Writer& w, const Candidate& c) {
  w.i64(c.generation);
  w.i64(c.index);
  w.u64(c.seed);
  w.i64(c.batch);
  w.u8(static_cast<std::uint8_t>(c.phase));
  w.doubles(c.params);
}

Candidate read_candidate(Reader& r) {
  Candidate c;
  c.generation = r.i64();
  c.index = r.i64();
  c.seed = r.u64();
  c.batch = r.i64();
  const auto phase = r.u8();
  if (phase > 2) throw ProtocolError(fmt::format("bad phase {}", phase));
  c.phase = static_cast<Phase>(phase);
  c.params = r.doubles();
  return c;
}

void write(Writer& w, const Evaluation& e) {
  w.u8(static_cast<std::uint8_t>(e.status));
  w.str(e.reason);
  w.doubles(e.fitness);
  w.doubles(e.outputs);
  w.doubles(e.observations);
  w.u64(e.metrics.size());
  for (const auto& [k, v] : e.metrics) {
    w.str(k);
    w.f64(v);
  }
  w.u64(e.artifacts.size());
  for (const auto& a : e.artifacts) {
    w.str(a.name);
    w.str(a.type);
    w.str(a.data);
  }
  w.f64(e.seconds);
  w.str(e.worker);
}

Evaluation read_evaluation(Reader& r) {
  Evaluation e;
  const auto status = r.u8();
  if (status > 2) throw ProtocolError(fmt::format("bad evaluation status {}", status));
  e.status = static_cast<Status>(status);
  e.reason = r.str();
  e.fitness = r.doubles();
  e.outputs = r.doubles();
  e.observations = r.doubles();
  const auto n_metrics = r.u64();
  for (std::uint64_t i = 0; i < n_metrics; ++i) {
    auto k = r.str();
    e.metrics[std::move(k)] = r.f64();
  }
  const auto n_artifacts = r.u64();
  for (std::uint64_t i = 0; i < n_artifacts; ++i) {
    Artifact a;
    a.name = r.str();
    a.type = r.str();
    a.data = r.str();
    e.artifacts.push_back(std::move(a));
  }
  e.seconds = r.f64();
  e.worker = r.str();
  return e;
}

void write(Writer& w, std::span<const Candidate> cs) {
  w.u64(cs.size());
  for (const auto& c : cs) write(w, c);
}

std::vector<Candidate> read_candidates(Reader& r) {
  const auto n = r.u64();
  if (n > kMaxFrame) throw ProtocolError("implausible candidate count");
  std::vector<Candidate> cs;
  cs.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) cs.push_back(read_candidate(r));
  return cs;
}

void write(Writer& w, std::span<const Evaluation> es) {
  w.u64(es.size());
  for (const auto& e : es) write(w, e);
}

std::vector<Evaluation> read_evaluations(Reader& r) {
  const auto n = r.u64();
  if (n > kMaxFrame) throw ProtocolError("implausible evaluation count");
  std::vector<Evaluation> es;
  es.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) es.push_back(read_evaluation(r));
  return es;
}

std::string encode_frame(std::uint8_t type, std::string_view payload) {
  if (payload.size() + 1 > kMaxFrame)
    throw ProtocolError(fmt::format("message of {} bytes is too large", payload.size()));
  std::string out;
  out.reserve(payload.size() + 5);
  const auto len = static_cast<std::uint32_t>(payload.size() + 1);
  out.append(reinterpret_cast<const char*>(&len), sizeof len);
  out.push_back(static_cast<char>(type));
  out.append(payload);
  return out;
}

std::optional<Frame> FrameReader::next() {
  if (buffered() < 4) return std::nullopt;
  std::uint32_t len;
  std::memcpy(&len, buf_.data() + pos_, 4);
  if (len == 0 || len > kMaxFrame)
    throw ProtocolError(fmt::format("corrupt message header (length {})", len));
  if (buffered() < 4 + std::size_t{len}) return std::nullopt;
  Frame f;
  f.type = static_cast<std::uint8_t>(buf_[pos_ + 4]);
  f.payload.assign(buf_, pos_ + 5, len - 1);
  pos_ += 4 + std::size_t{len};
  // Compact once the consumed prefix dominates, so the buffer does not grow without bound.
  if (pos_ > 4096 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return f;
}

namespace {

// Reads exactly n bytes; false on end of stream before the first byte.
bool read_exact(int fd, char* p, std::size_t n, bool eof_ok) {
  std::size_t got = 0;
  while (got < n) {
    const auto r = ::read(fd, p + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw ProtocolError(fmt::format("read failed: {}", std::strerror(errno)));
    }
    if (r == 0) {
      if (got == 0 && eof_ok) return false;
      throw ProtocolError("end of stream inside a message");
    }
    got += static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

std::optional<Frame> read_frame(int fd) {
  char header[5];
  if (!read_exact(fd, header, 4, true)) return std::nullopt;
  std::uint32_t len;
  std::memcpy(&len, header, 4);
  if (len == 0 || len > kMaxFrame)
    throw ProtocolError(fmt::format("corrupt message header (length {})", len));
  read_exact(fd, header + 4, 1, false);
  Frame f;
  f.type = static_cast<std::uint8_t>(header[4]);
  f.payload.resize(len - 1);
  if (len > 1) read_exact(fd, f.payload.data(), len - 1, false);
  return f;
}

void write_frame(int fd, std::uint8_t type, std::string_view payload) {
  const std::string bytes = encode_frame(type, payload);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw ProtocolError(fmt::format("write failed: {}", std::strerror(errno)));
    }
    done += static_cast<std::size_t>(w);
  }
}

}  // namespace l2l::wire
