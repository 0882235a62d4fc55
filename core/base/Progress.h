#pragma once

#include <atomic>
#include <cstddef>
#include <string_view>

namespace remap {

// Seam between long-running core work and whoever shows it (CLI progress bar, GUI, tests).
// Implementations must be thread-safe: workers may report from several threads.
class ProgressObserver {
public:
    virtual ~ProgressObserver() = default;
    virtual void onProgress(std::size_t done, std::size_t total, std::string_view stage) = 0;
    // Polled by workers between units of work; returning true makes them throw remap::Cancelled.
    virtual bool cancelRequested() const { return false; }
};

// Observer that reports nothing and is never cancelled.
class SilentProgress final : public ProgressObserver {
public:
    void onProgress(std::size_t, std::size_t, std::string_view) override {}
};

// Throws remap::Cancelled when the observer asks to stop.
void throwIfCancelled(const ProgressObserver& progress);

}  // namespace remap
