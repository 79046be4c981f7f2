#include "l2l/optimizees/fault.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "l2l/core/process_role.hpp"
#include "l2l/core/rng.hpp"

namespace l2l {

namespace {

struct FaultName {
  FaultOptimizee::Fault fault;
  const char* name;
};
constexpr FaultName kFaults[] = {
    {FaultOptimizee::Fault::none, "none"},
    {FaultOptimizee::Fault::segfault, "segfault"},
    {FaultOptimizee::Fault::abort, "abort"},
    {FaultOptimizee::Fault::exit, "exit"},
    {FaultOptimizee::Fault::hang, "hang"},
    {FaultOptimizee::Fault::sleep, "sleep"},
    {FaultOptimizee::Fault::leak, "leak"},
    {FaultOptimizee::Fault::nan, "nan"},
    {FaultOptimizee::Fault::throw_error, "throw"},
    {FaultOptimizee::Fault::garbage, "garbage"},
    {FaultOptimizee::Fault::huge_output, "huge_output"},
};

std::vector<std::string> fault_names() {
  std::vector<std::string> v;
  for (const auto& f : kFaults) v.emplace_back(f.name);
  return v;
}

FaultOptimizee::Fault parse_fault(const std::string& s) {
  for (const auto& f : kFaults)
    if (s == f.name) return f.fault;
  return FaultOptimizee::Fault::none;
}

const char* fault_name(FaultOptimizee::Fault fault) {
  for (const auto& f : kFaults)
    if (f.fault == fault) return f.name;
  return "?";
}

// Faults that take the process down or disturb its terminal.
bool destructive(FaultOptimizee::Fault f) {
  using F = FaultOptimizee::Fault;
  return f == F::segfault || f == F::abort || f == F::exit || f == F::hang || f == F::sleep ||
         f == F::leak || f == F::garbage || f == F::huge_output;
}

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const auto w = ::write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// Executes a fault that does not return normally (or returns after disturbing the process).
void misbehave(FaultOptimizee::Fault f, const FaultOptimizee::Config& cfg, std::uint64_t seed) {
  using F = FaultOptimizee::Fault;
  switch (f) {
    case F::segfault:
      // A real invalid access would be undefined behaviour the compiler may remove; the signal is
      // what a crashing model produces.
      ::raise(SIGSEGV);
      break;
    case F::abort:
      std::abort();
    case F::exit:
      std::_Exit(cfg.exit_code);
    case F::hang: {
      volatile std::uint64_t spin = 0;
      for (;;) spin = spin + 1;
    }
    case F::sleep:
      for (;;) ::pause();
    case F::leak: {
      // Held on purpose: a leaking model keeps what it allocated.
      static std::mutex m;
      static std::vector<std::unique_ptr<char[]>> kept;
      const std::size_t n = static_cast<std::size_t>(cfg.leak_mb) << 20;
      auto block = std::make_unique<char[]>(n);  // throws std::bad_alloc under a memory limit
      std::memset(block.get(), 1, n);
      std::lock_guard lock(m);
      kept.push_back(std::move(block));
      break;
    }
    case F::garbage: {
      Rng rng(seed);
      std::string junk(4096, '\0');
      for (auto& c : junk) c = static_cast<char>(rng.below(256));
      write_all(1, junk.data(), junk.size());
      write_all(2, junk.data(), junk.size());
      break;
    }
    case F::huge_output: {
      const std::string line = "fault optimizee: huge output line .......................\n";
      std::string block;
      while (block.size() < 65536) block += line;
      for (std::int64_t done = 0; done < cfg.output_bytes;
           done += static_cast<std::int64_t>(block.size())) {
        write_all(1, block.data(), block.size());
        write_all(2, block.data(), block.size());
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace

FaultOptimizee::Config FaultOptimizee::Config::read(Options& o) {
  Config c;
  c.fault = parse_fault(o.get<std::string>(
      "fault", "segfault",
      "what goes wrong: none, segfault, abort, exit (exit_code, before answering), hang (busy "
      "loop forever), sleep (blocks forever), leak (allocates leak_mb), nan, throw, garbage "
      "(random bytes on stdout and stderr), huge_output (output_bytes on stdout and stderr)",
      Check::one_of(fault_names())));
  c.rate = o.get<double>("rate", c.rate,
                         "fraction of evaluations that misbehave, drawn from each candidate's seed "
                         "(ignored when indices is set)",
                         Check::probability());
  c.indices = o.get<std::vector<std::int64_t>>(
      "indices", {}, "batch indices that misbehave in every generation (instead of rate)");
  c.dims = o.get<std::int64_t>("dims", c.dims, "size of the parameter array x, bounds [-1, 1]",
                               Check::range(1, 1000000));
  c.seconds = o.get<double>("seconds", c.seconds,
                            "time every evaluation sleeps before answering or misbehaving",
                            Check::at_least(0));
  c.exit_code = o.get<int>("exit_code", c.exit_code, "status of fault: exit", Check::range(0, 255));
  c.output_bytes = o.get<std::int64_t>("output_bytes", c.output_bytes,
                                       "bytes written to each of stdout and stderr by huge_output",
                                       Check::at_least(0));
  c.leak_mb = o.get<std::int64_t>("leak_mb", c.leak_mb, "MiB allocated and touched by leak",
                                  Check::at_least(1));
  c.at_start = parse_fault(o.get<std::string>(
      "at_start", "none",
      "misbehave while the optimizee is built (in worker processes): none, segfault, abort, "
      "exit, hang, sleep, throw",
      Check::one_of({"none", "segfault", "abort", "exit", "hang", "sleep", "throw"})));
  c.allow_in_driver = o.get<bool>(
      "allow_in_driver", false,
      "also crash/hang/leak in the driver process (normally these faults only happen in worker "
      "processes and MPI ranks, and become ordinary failures in the driver)");
  return c;
}

FaultOptimizee::FaultOptimizee(const Config& cfg, const OptimizeeContext&) : cfg_(cfg) {
  if (cfg_.at_start == Fault::none) return;
  if (!in_worker_process() && !cfg_.allow_in_driver) return;
  if (cfg_.at_start == Fault::throw_error)
    throw std::runtime_error("fault optimizee: injected failure at start-up (at_start: throw)");
  static const char msg[] = "fault optimizee: misbehaving at start-up\n";
  write_all(2, msg, sizeof msg - 1);
  misbehave(cfg_.at_start, cfg_, 0);
}

ParameterSpace FaultOptimizee::space() const {
  ParameterSpace s;
  s.add_array("x", static_cast<std::size_t>(cfg_.dims), -1.0, 1.0);
  return s;
}

bool FaultOptimizee::faults(const Candidate& c) const {
  if (cfg_.fault == Fault::none) return false;
  if (!cfg_.indices.empty()) {
    for (auto i : cfg_.indices)
      if (i == c.index) return true;
    return false;
  }
  Rng rng(mix_seed(c.seed, 0xFA017));
  return rng.bernoulli(cfg_.rate);
}

Evaluation FaultOptimizee::evaluate(const Candidate& c) {
  if (cfg_.seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(cfg_.seconds));
  Evaluation e;
  double v = 0.0;
  for (double x : c.params) v += x * x;
  e.fitness.assign(1, v);
  if (!faults(c)) return e;

  if (destructive(cfg_.fault) && !in_worker_process() && !cfg_.allow_in_driver)
    return Evaluation::failure(fmt::format(
        "fault optimizee: '{}' is only injected in worker processes (use the processes or mpi "
        "evaluator, or allow_in_driver: true)",
        fault_name(cfg_.fault)));
  switch (cfg_.fault) {
    case Fault::nan:
      e.fitness[0] = std::numeric_limits<double>::quiet_NaN();
      return e;
    case Fault::throw_error:
      throw std::runtime_error(
          fmt::format("fault optimizee: injected exception (generation {}, "
                      "index {})",
                      c.generation, c.index));
    default:
      // Say what is about to happen, so the failure reason's output tail shows it.
      const auto note = fmt::format("fault optimizee: injecting '{}' (generation {}, index {})\n",
                                    fault_name(cfg_.fault), c.generation, c.index);
      write_all(2, note.data(), note.size());
      misbehave(cfg_.fault, cfg_, c.seed);
      return e;  // garbage, huge_output and a leak that fit return normally
  }
}

nlohmann::json FaultOptimizee::describe() const {
  return {{"fault", fault_name(cfg_.fault)},
          {"rate", cfg_.rate},
          {"indices", cfg_.indices},
          {"dims", cfg_.dims},
          {"at_start", fault_name(cfg_.at_start)}};
}

L2L_REGISTER_OPTIMIZEE(FaultOptimizee, "fault",
                       "TESTING TOOL: segfaults, aborts, hangs, leaks, NaN, garbage output on "
                       "purpose, to test evaluators");

}  // namespace l2l
