#pragma once

#include "Model.h"
#include "base/Progress.h"

#include <exception>
#include <optional>
#include <vector>

namespace remap::python {

struct BatchResult {
    std::vector<std::optional<Prediction>> predictions;  // one per item; empty where it failed
    std::vector<std::exception_ptr> failures;            // one per item; null where it worked
};

// What `remap predict` does with many files (core/cli predictFiles; to be replaced by the core
// application layer's predictFiles when it exists): `options.batchSize` items at a time are read and
// prepared on `options.threads` threads, then the network runs on the chunk, so the numbers are those
// of the CLI for the same inputs. Progress counts items over all chunks. Failing items are recorded
// and the rest go on; when `stopAtFailure`, no further chunk starts after a chunk with a failure.
// Honours progress.cancelRequested() (remap::Cancelled). Runs without the GIL.
BatchResult predictItems(const Model& model, const std::vector<Item>& items, ProgressObserver& progress,
                         bool stopAtFailure);

}  // namespace remap::python
