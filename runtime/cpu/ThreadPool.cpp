// The process-wide spin-then-sleep thread pool behind kiln_parallel_for.
#include "cpu/ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kiln {
namespace {

/// How long an idle worker spins before it sleeps.
constexpr std::chrono::microseconds kSpinTime(100);
/// Chunks per thread: a little slack balances uneven or late threads.
constexpr int64_t kChunksPerThread = 4;

/// True on pool workers and on a caller inside parallelFor: nested calls run
/// inline.
thread_local bool tInsideParallel = false;

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "futex needs a plain 32-bit atomic");

void futexWait(std::atomic<uint32_t> *word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t *>(word), FUTEX_WAIT_PRIVATE,
          expected, nullptr, nullptr, 0);
}

void futexWakeAll(std::atomic<uint32_t> *word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t *>(word), FUTEX_WAKE_PRIVATE,
          INT_MAX, nullptr, nullptr, 0);
}

void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// KILN_NUM_THREADS if set, else the CPUs this process may run on.
int defaultNumThreads() {
  if (const char *env = std::getenv("KILN_NUM_THREADS")) {
    int value = std::atoi(env);
    if (value > 0)
      return value;
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

/// Sets tInsideParallel for a scope.
struct InsideParallel {
  InsideParallel() { tInsideParallel = true; }
  ~InsideParallel() { tInsideParallel = false; }
};

/// Spins on `done` and yields once spinning has gone on for a while, so an
/// oversubscribed machine still makes progress.
template <typename Pred> void spinUntil(Pred done) {
  for (int i = 0; !done(); ++i) {
    if (i < 4096)
      cpuRelax();
    else
      std::this_thread::yield();
  }
}

} // namespace

ThreadPool &ThreadPool::global() {
  static ThreadPool pool;
  return pool;
}

ThreadPool::ThreadPool() : numThreads_(defaultNumThreads()) {}

ThreadPool::~ThreadPool() {
  std::lock_guard<std::mutex> lock(dispatchMutex_);
  stopWorkers();
}

void ThreadPool::parallelFor(kiln_parallel_fn fn, void *ctx, int64_t n) {
  if (n <= 0)
    return;
  if (n == 1 || tInsideParallel || numThreads_.load() <= 1) {
    fn(ctx, 0, n);
    return;
  }
  // Another thread owns the pool: run inline rather than wait for it.
  std::unique_lock<std::mutex> lock(dispatchMutex_, std::try_to_lock);
  if (!lock.owns_lock()) {
    fn(ctx, 0, n);
    return;
  }
  if (workers_.size() + 1 != size_t(numThreads_.load()))
    startWorkers();
  InsideParallel inside;
  dispatch(fn, ctx, n);
}

void ThreadPool::setNumThreads(int numThreads) {
  if (tInsideParallel)
    return; // Resizing from inside a loop would deadlock on dispatchMutex_.
  std::lock_guard<std::mutex> lock(dispatchMutex_);
  stopWorkers();
  numThreads_.store(numThreads > 0 ? numThreads : defaultNumThreads());
}

// Protocol: the caller writes job_, then bumps generation_ to g. A worker that
// sees g joins by incrementing active_ and re-checks that g is still current
// and not closed before touching job_. The caller closes g once every chunk is
// done and waits for active_ to drop to 0, so no worker reads job_ while the
// next dispatch rewrites it.
void ThreadPool::dispatch(kiln_parallel_fn fn, void *ctx, int64_t n) {
  job_.fn = fn;
  job_.ctx = ctx;
  job_.n = n;
  int threads = numThreads_.load();
  job_.numChunks = std::min(n, int64_t(threads) * kChunksPerThread);
  job_.numLanes = int(std::min<int64_t>({threads, kMaxLanes, job_.numChunks}));
  for (int lane = 0; lane < job_.numLanes; ++lane) {
    job_.lanes[lane].next.store(job_.numChunks * lane / job_.numLanes);
    job_.lanes[lane].end = job_.numChunks * (lane + 1) / job_.numLanes;
  }
  job_.doneChunks.store(0);
  uint32_t generation = generation_.load() + 1;
  publishGeneration(generation);
  runChunks(0);
  spinUntil([&] { return job_.doneChunks.load() == job_.numChunks; });
  closedGeneration_.store(generation);
  spinUntil([&] { return active_.load() == 0; });
}

void ThreadPool::runChunk(int64_t chunk) {
  const int64_t base = job_.n / job_.numChunks, extra = job_.n % job_.numChunks;
  int64_t begin = chunk * base + std::min(chunk, extra);
  int64_t end = begin + base + (chunk < extra ? 1 : 0);
  job_.fn(job_.ctx, begin, end);
  job_.doneChunks.fetch_add(1);
}

void ThreadPool::runChunks(int lane) {
  // Own lane first, then the others' leftovers (a late or descheduled thread).
  for (int i = 0; i < job_.numLanes; ++i) {
    Lane &from = job_.lanes[(lane + i) % job_.numLanes];
    for (int64_t chunk = from.next.fetch_add(1); chunk < from.end; chunk = from.next.fetch_add(1))
      runChunk(chunk);
  }
}

void ThreadPool::workerLoop(int lane, uint32_t seen) {
  tInsideParallel = true;
  for (;;) {
    uint32_t generation = waitForGeneration(seen);
    if (stop_.load())
      return;
    seen = generation;
    active_.fetch_add(1);
    if (generation_.load() == generation &&
        closedGeneration_.load() != generation)
      runChunks(std::min(lane, kMaxLanes - 1));
    active_.fetch_sub(1);
  }
}

uint32_t ThreadPool::waitForGeneration(uint32_t seen) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 1;; ++i) {
    uint32_t generation = generation_.load();
    if (generation != seen)
      return generation;
    cpuRelax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() - start > kSpinTime)
      break;
  }
  // Announce the sleep before the final check: publishGeneration() bumps the
  // counter before reading sleepers_, so one of the two sees the other.
  sleepers_.fetch_add(1);
  uint32_t generation;
  while ((generation = generation_.load()) == seen)
    futexWait(&generation_, seen);
  sleepers_.fetch_sub(1);
  return generation;
}

void ThreadPool::publishGeneration(uint32_t generation) {
  generation_.store(generation);
  if (sleepers_.load() > 0)
    futexWakeAll(&generation_);
}

void ThreadPool::startWorkers() {
  stopWorkers();
  uint32_t seen = generation_.load();
  for (int i = 1; i < numThreads_.load(); ++i)
    workers_.emplace_back([this, i, seen] { workerLoop(i, seen); });
}

void ThreadPool::stopWorkers() {
  if (workers_.empty())
    return;
  stop_.store(true);
  publishGeneration(generation_.load() + 1);
  for (std::thread &worker : workers_)
    worker.join();
  workers_.clear();
  stop_.store(false);
}

} // namespace kiln

extern "C" {

void kiln_parallel_for(kiln_parallel_fn fn, void *ctx, int64_t n) {
  kiln::ThreadPool::global().parallelFor(fn, ctx, n);
}

void kiln_set_num_threads(int num_threads) {
  kiln::ThreadPool::global().setNumThreads(num_threads);
}

int kiln_get_num_threads(void) {
  return kiln::ThreadPool::global().numThreads();
}

} // extern "C"
