// The IDX loader: round trips (plain and gzip) and clear rejection of corrupt files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "l2l/core/error.hpp"
#include "l2l/data/idx.hpp"
#include "l2l/data/image_dataset.hpp"

using namespace l2l;
using namespace l2l::data;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("l2l_idx_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

IdxArray sample(std::uint32_t n = 3) {
  IdxArray a;
  a.dims = {n, 4, 5};
  for (std::size_t i = 0; i < a.count(); ++i) a.values.push_back(static_cast<std::uint8_t>(i * 7));
  return a;
}

std::string bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void put(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The message of the UsageError that reading `path` throws ("" if none).
std::string error_of(const std::string& path) {
  try {
    read_idx(path);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Idx, RoundTripsPlainAndGzip) {
  TempDir d;
  const auto a = sample();
  for (const char* name : {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
    write_idx(d.file(name), a);
    const auto b = read_idx(d.file(name));
    EXPECT_EQ(b.dims, a.dims);
    EXPECT_EQ(b.values, a.values);
  }
  // The gzip file really is compressed (gzip magic), the plain one starts with the IDX magic.
  EXPECT_EQ(bytes_of(d.file("a-idx3-ubyte.gz")).substr(0, 2), std::string("\x1f\x8b"));
  EXPECT_EQ(bytes_of(d.file("a-idx3-ubyte")).substr(0, 4), std::string("\0\0\x08\x03", 4));
}

TEST(Idx, RejectsCorruptFilesWithClearErrors) {
  TempDir d;
  write_idx(d.file("good"), sample());
  const std::string good = bytes_of(d.file("good"));
  struct Case {
    std::string name, bytes, expect;
  };
  std::string bad_magic = good;
  bad_magic[0] = 'P';
  std::string float_type = good;
  float_type[2] = 0x0D;
  std::string rank0 = good;
  rank0[3] = 0;
  std::string zero_dim = good;
  zero_dim[4] = zero_dim[5] = zero_dim[6] = zero_dim[7] = 0;
  const std::vector<Case> cases = {
      {"empty", "", "too short"},
      {"magic", bad_magic, "not an IDX file"},
      {"type", float_type, "data type 0x0d is not supported"},
      {"rank", rank0, "rank 0"},
      {"header", good.substr(0, 10), "truncated header"},
      {"short", good.substr(0, good.size() - 1),
       "truncated: the header declares 60 values, the file holds 59"},
      {"long", good + "xy", "2 unexpected bytes"},
      {"zerodim", zero_dim, "size 0"},
  };
  for (const auto& c : cases) {
    put(d.file(c.name), c.bytes);
    const std::string msg = error_of(d.file(c.name));
    EXPECT_NE(msg.find(d.file(c.name)), std::string::npos) << c.name << ": " << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": " << msg;
  }
  EXPECT_NE(error_of(d.file("missing")).find("cannot open"), std::string::npos);
}

TEST(Idx, RejectsCorruptGzip) {
  TempDir d;
  IdxArray big;
  big.dims = {100, 28, 28};
  for (std::size_t i = 0; i < big.count(); ++i)
    big.values.push_back(static_cast<std::uint8_t>((i * 2654435761u) >> 24));
  write_idx(d.file("x.gz"), big);
  const std::string gz = bytes_of(d.file("x.gz"));
  std::string flipped = gz;
  for (std::size_t i = gz.size() / 2; i < gz.size() / 2 + 16; ++i) flipped[i] ^= 0x5a;
  put(d.file("flipped.gz"), flipped);
  put(d.file("cut.gz"), gz.substr(0, gz.size() / 2));
  std::string bad_crc = gz;
  bad_crc[gz.size() - 6] ^= 1;  // the CRC-32 in the gzip trailer
  put(d.file("crc.gz"), bad_crc);
  for (const char* name : {"flipped.gz", "cut.gz", "crc.gz"}) {
    const std::string msg = error_of(d.file(name));
    EXPECT_TRUE(msg.find("gzip") != std::string::npos || msg.find("truncated") != std::string::npos)
        << name << ": " << msg;
  }
}

TEST(ImageSet, ChecksCountsAndLabels) {
  TempDir d;
  auto images = sample(3);
  write_idx(d.file("img"), images);
  IdxArray labels{{3}, {0, 9, 4}};
  write_idx(d.file("lab"), labels);
  const auto s = load_image_set(d.file("img"), d.file("lab"));
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.rows, 4u);
  EXPECT_FLOAT_EQ(s.pixels[1], 7.0f / 255.0f);
  write_idx(d.file("lab4"), IdxArray{{4}, {0, 1, 2, 3}});
  EXPECT_THROW(load_image_set(d.file("img"), d.file("lab4")), UsageError);
  write_idx(d.file("lab10"), IdxArray{{3}, {0, 10, 2}});
  try {
    load_image_set(d.file("img"), d.file("lab10"));
    FAIL() << "label 10 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("label 10"), std::string::npos);
  }
}

TEST(ImageSet, MissingDataSaysHowToGetIt) {
  TempDir d;
  try {
    load_named_split("mnist", d.file("nowhere"), "");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("scripts/fetch-data.sh"), std::string::npos) << e.what();
  }
  try {
    load_named_split("fashion_mnist", d.file("nowhere"), "");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos) << e.what();
  }
}
