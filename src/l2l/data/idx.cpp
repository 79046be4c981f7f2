#include "l2l/data/idx.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "l2l/core/error.hpp"

namespace l2l::data {

namespace {

// The largest IDX payload accepted; the full MNIST training images are 47 MB.
constexpr std::size_t kMaxBytes = std::size_t(4) << 30;

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw UsageError(fmt::format("{}: {}", path, why));
}

// zlib prefixes its messages with the path; we already do.
std::string zlib_message(const std::string& path, const char* msg) {
  std::string m = msg ? msg : "unknown error";
  if (m.rfind(path + ": ", 0) == 0) m.erase(0, path.size() + 2);
  return m;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The whole (decompressed) content. zlib reads plain files transparently.
std::string slurp(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) bad(path, fmt::format("cannot open: {}", std::strerror(errno)));
  std::string out;
  std::vector<char> buf(1 << 20);
  for (;;) {
    const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int err = 0;
      const std::string msg = zlib_message(path, gzerror(f, &err));
      gzclose(f);
      bad(path, "corrupt or truncated gzip data (" + msg + ")");
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
    if (out.size() > kMaxBytes) {
      gzclose(f);
      bad(path, "larger than 4 GiB; not an IDX file this loader accepts");
    }
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  if (err != Z_OK && err != Z_STREAM_END) {
    const std::string m = zlib_message(path, msg);
    gzclose(f);
    bad(path, "corrupt or truncated gzip data (" + m + ")");
  }
  if (gzclose(f) != Z_OK) bad(path, "corrupt or truncated gzip data");
  return out;
}

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

}  // namespace

std::size_t IdxArray::count() const {
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

IdxArray read_idx(const std::string& path) {
  const std::string bytes = slurp(path);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4)
    bad(path, fmt::format("too short for an IDX header ({} bytes)", bytes.size()));
  if (p[0] != 0 || p[1] != 0)
    bad(path, fmt::format("not an IDX file (magic number {:02x}{:02x}{:02x}{:02x}, expected "
                          "0000 then type and rank)",
                          p[0], p[1], p[2], p[3]));
  if (p[2] != 0x08)
    bad(path,
        fmt::format("IDX data type 0x{:02x} is not supported (only unsigned bytes, 0x08)", p[2]));
  const unsigned rank = p[3];
  if (rank < 1 || rank > 4) bad(path, fmt::format("IDX rank {} is not in 1..4", rank));
  const std::size_t header = 4 + 4 * std::size_t(rank);
  if (bytes.size() < header)
    bad(path, fmt::format("truncated header: {} dimensions need {} bytes, file has {}", rank,
                          header, bytes.size()));
  IdxArray a;
  std::size_t n = 1;
  for (unsigned d = 0; d < rank; ++d) {
    const std::uint32_t s = be32(p + 4 + 4 * d);
    a.dims.push_back(s);
    if (s == 0) bad(path, fmt::format("dimension {} has size 0", d));
    n *= s;
    if (n > kMaxBytes) bad(path, "header declares more than 4 GiB of data");
  }
  const std::size_t have = bytes.size() - header;
  if (have < n)
    bad(path, fmt::format("truncated: the header declares {} values, the file holds {}", n, have));
  if (have > n)
    bad(path,
        fmt::format("{} unexpected bytes after the {} values the header declares", have - n, n));
  a.values.assign(p + header, p + header + n);
  return a;
}

void write_idx(const std::string& path, const IdxArray& a) {
  if (a.dims.empty() || a.dims.size() > 4 || a.count() != a.values.size())
    throw std::invalid_argument("write_idx: dims do not match the values");
  std::string bytes = {0, 0, 0x08, static_cast<char>(a.dims.size())};
  for (auto d : a.dims)
    for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<char>((d >> s) & 0xff));
  bytes.append(reinterpret_cast<const char*>(a.values.data()), a.values.size());
  if (ends_with(path, ".gz")) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error(fmt::format("{}: cannot create", path));
    const int n = gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    if (gzclose(f) != Z_OK || n != static_cast<int>(bytes.size()))
      throw std::runtime_error(fmt::format("{}: write failed", path));
  } else {
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw std::runtime_error(fmt::format("{}: write failed", path));
  }
}

}  // namespace l2l::data
