#pragma once

#include "base/Progress.h"

#include <cstddef>
#include <functional>
#include <string_view>

namespace remap {

// The number of worker threads for a request: `requested` if positive, else all hardware threads.
int resolveThreadCount(int requested);

// Runs work(item, worker) for every item in [0, count) on `threads` std::threads (worker in
// [0, threads)), items taken in increasing order. Reports progress after every item, checks
// progress.cancelRequested() before each; on cancellation or the first exception the remaining items
// are skipped, all threads are joined and remap::Cancelled (or that exception) is rethrown.
void parallelFor(std::size_t count, int threads, ProgressObserver& progress, std::string_view stage,
                 const std::function<void(std::size_t item, int worker)>& work);

}  // namespace remap
