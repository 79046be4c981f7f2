#pragma once
// A writer thread that commits one generation while the driver evaluates the next.
//
// The driver hands over a whole generation (push) and goes on; the thread runs the write (one
// SQLite transaction: evaluations, statistics, artifacts, checkpoint). push() waits only while
// the previous generation has not even been started (the writer is a whole generation behind),
// so at most two generations are in flight and memory stays bounded. flush() waits until everything
// handed over is committed. A failed write is kept and thrown to the driver by the next push() or
// flush(), once.
//
// Crash safety is that of the synchronous store: a generation is durable when its transaction
// commits; a process killed before that loses it together with its checkpoint, and a resumed run
// replays it from the previous checkpoint.
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace l2l {

template <class Job>
class BackgroundWriter {
 public:
  explicit BackgroundWriter(std::function<void(Job&)> write) : write_(std::move(write)) {
    thread_ = std::thread([this] { serve(); });
  }
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;
  ~BackgroundWriter() {
    {
      std::unique_lock lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();  // serve() finishes the queued job first
  }

  void push(Job&& job) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !queued_; });
    rethrow_locked();
    queued_ = std::move(job);
    cv_.notify_all();
  }

  void flush() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !queued_ && !busy_; });
    rethrow_locked();
  }

 private:
  void rethrow_locked() {
    if (auto e = std::exchange(error_, nullptr)) std::rethrow_exception(e);
  }

  void serve() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return queued_ || stop_; });
      if (!queued_) return;  // stopping, nothing left
      Job job = std::move(*queued_);
      queued_.reset();
      busy_ = true;
      lock.unlock();
      std::exception_ptr error;
      try {
        write_(job);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      busy_ = false;
      if (error) error_ = error;
      cv_.notify_all();
    }
  }

  std::function<void(Job&)> write_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Job> queued_;
  bool busy_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace l2l
