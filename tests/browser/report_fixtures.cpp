// Writes one synthetic run store for the report browser test:
//   l2l_report_fixtures NAME OUT.db     (NAME: see --list)
#include <iostream>

#include "../report_fixtures.hpp"

int main(int argc, char** argv) {
  const auto& all = l2l::testing::fixtures::all();
  if (argc == 2 && std::string(argv[1]) == "--list") {
    for (const auto& [name, make] : all) std::cout << name << "\n";
    return 0;
  }
  if (argc != 3 || !all.count(argv[1])) {
    std::cerr << "usage: l2l_report_fixtures NAME OUT.db (names: --list)\n";
    return 2;
  }
  try {
    auto store = l2l::RunStore::create(argv[2], true);
    all.at(argv[1])(*store);
  } catch (const std::exception& e) {
    std::cerr << "l2l_report_fixtures: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
