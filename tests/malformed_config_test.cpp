// The malformed-experiment corpus (tests/malformed/*.yaml, plus files no YAML editor would write):
// every one must stop `l2l run` with exit code 2 and a message that names the file, the line and
// the key, before anything is stored.
//
// A corpus file marks the line the message must point at with a trailing `# <- KEY` comment (the
// message must contain "FILE:LINE: KEY"; `# <- YAML` means a syntax error on that line) and may
// add `# expect: TEXT` lines for further text the message must contain ({file} stands for the
// file's path). Where no line can be named (a section that is missing altogether) the message
// names the file and the section.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "support/process_support.hpp"
#include "support/test_support.hpp"

namespace l2l {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

struct Expectation {
  std::vector<std::string> fragments;  // each must occur in stderr
};

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return std::string(s.substr(first, last - first + 1));
}

// String scanning rather than <regex>: GCC 12's regex headers trip -Wmaybe-uninitialized under
// the sanitizers, and the two markers are simple enough to find by hand.
Expectation expectation_of(const fs::path& file) {
  Expectation e;
  std::ifstream in(file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const auto arrow = line.find("# <-");
    const auto body = trimmed(line);
    if (arrow != std::string::npos) {
      const auto key = trimmed(std::string_view(line).substr(arrow + 4));
      e.fragments.push_back(fmt::format("{}:{}: {}", file.string(), n,
                                        key == "YAML" ? "YAML syntax error" : key + ":"));
    } else if (body.starts_with("#") && trimmed(body.substr(1)).starts_with("expect:")) {
      auto text = trimmed(trimmed(body.substr(1)).substr(7));
      const auto name = file.string();
      for (auto at = text.find("{file}"); at != std::string::npos;
           at = text.find("{file}", at + name.size()))
        text.replace(at, 6, name);
      e.fragments.push_back(text);
    }
  }
  return e;
}

// Runs `l2l run FILE --out DIR/run.db [extra]` in DIR and checks what every malformed experiment
// must give: exit 2, the file named (the `--set` that was wrong, for errors that come from the
// command line), the expected fragments, no store and no runs/ folder.
void expect_refused(const std::string& file, const std::vector<std::string>& fragments,
                    const std::vector<std::string>& extra = {}) {
  TempDir dir;
  const auto store = dir.file("run.db");
  std::vector<std::string> args = {L2L_BINARY, "run", file, "--out", store, "-q"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = testing::run_to_end(args, dir.path().string());
  SCOPED_TRACE(file);
  EXPECT_EQ(r.code, 2) << r.err;
  if (extra.empty()) {
    EXPECT_NE(r.err.find(file), std::string::npos) << "the message does not name the file:\n"
                                                   << r.err;
  }
  for (const auto& f : fragments) EXPECT_NE(r.err.find(f), std::string::npos) << f << "\n" << r.err;
  // Nothing stored, nowhere: neither the store nor its journal nor a default-named store.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const auto name = entry.path().filename().string();
    EXPECT_TRUE(name == "stdout.txt" || name == "stderr.txt") << "left behind: " << name;
  }
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(L2L_MALFORMED_DIR))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(MalformedExperiments, CorpusIsLargeAndEveryFileSaysWhatItExpects) {
  const auto files = corpus();
  EXPECT_GE(files.size(), 50u);
  for (const auto& f : files) EXPECT_FALSE(expectation_of(f).fragments.empty()) << f;
}

TEST(MalformedExperiments, EveryCorpusFileExitsWith2NamingFileLineAndKeyAndLeavesNoStore) {
  for (const auto& f : corpus()) expect_refused(f.string(), expectation_of(f).fragments);
}

TEST(MalformedExperiments, FilesThatAreNotExperiments) {
  TempDir dir;
  struct Bad {
    std::string name, bytes, fragment;
  };
  std::string binary;
  for (int i = 0; i < 512; ++i) binary.push_back(static_cast<char>((i * 151 + 7) % 256));
  const std::vector<Bad> bad = {
      {"empty.yaml", "", "optimizer: section missing"},
      {"comments.yaml", "# nothing but a comment\n", "optimizer: section missing"},
      {"binary.yaml", binary, ""},
      {"list.yaml", "- experiment\n- optimizer\n", "must be a mapping"},
      {"scalar.yaml", "just words\n", "must be a mapping"},
      {"nul.yaml", std::string("optimizer:\n  type: ga\0\n", 22), ""},
  };
  for (const auto& b : bad) {
    const auto path = dir.file(b.name);
    std::ofstream(path, std::ios::binary) << b.bytes;
    std::vector<std::string> fragments;
    if (!b.fragment.empty()) fragments.push_back(b.fragment);
    expect_refused(path, fragments);
  }
}

TEST(MalformedExperiments, CommandLineOverridesAreCheckedLikeTheFile) {
  const auto file = (fs::path(L2L_EXAMPLES_DIR) / "rastrigin-ga.yaml").string();
  expect_refused(file, {"--set optimizer.populaton: unknown key"},
                 {"--set", "optimizer.populaton=5"});
  expect_refused(file, {"--set optimizer.population:"}, {"--set", "optimizer.population=many"});
  expect_refused(file, {"--set experiment.seed:"}, {"--set", "experiment.seed=-3"});
}

}  // namespace
}  // namespace l2l
