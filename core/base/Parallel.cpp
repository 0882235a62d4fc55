#include "Parallel.h"

#include "base/Error.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace remap {

int resolveThreadCount(int requested)
{
    if (requested > 0) return std::min(requested, 256);
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(std::min(hw, 256u));
}

void parallelFor(std::size_t count, int threads, ProgressObserver& progress, std::string_view stage,
                 const std::function<void(std::size_t, int)>& work)
{
    const std::string stageName(stage);
    progress.onProgress(0, count, stageName);
    if (count == 0) return;
    const int workers = std::max(1, std::min(resolveThreadCount(threads), static_cast<int>(count)));
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> done{0};
    std::atomic<bool> stop{false};
    std::atomic<bool> cancelled{false};
    std::exception_ptr failure;
    std::mutex failureMutex;
    auto run = [&](int worker) {
        while (!stop.load()) {
            if (progress.cancelRequested()) {
                cancelled = true;
                stop = true;
                break;
            }
            const std::size_t item = next.fetch_add(1);
            if (item >= count) break;
            try {
                work(item, worker);
            } catch (...) {
                std::lock_guard lock(failureMutex);
                if (!failure) failure = std::current_exception();
                stop = true;
                break;
            }
            progress.onProgress(done.fetch_add(1) + 1, count, stageName);
        }
    };
    if (workers == 1) {
        run(0);
    } else {
        std::vector<std::thread> pool;
        pool.reserve(static_cast<std::size_t>(workers));
        for (int w = 0; w < workers; ++w) pool.emplace_back(run, w);
        for (auto& t : pool) t.join();
    }
    if (failure) std::rethrow_exception(failure);
    if (cancelled) throw Cancelled();
}

}  // namespace remap
