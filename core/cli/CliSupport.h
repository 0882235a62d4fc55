#pragma once

#include "base/Progress.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace remap::cli {

// Exit statuses of `remap`: documented in `remap --help`.
enum ExitStatus : int { kExitOk = 0, kExitError = 1, kExitUsage = 2, kExitSomeFailed = 3, kExitCancelled = 130 };

struct CliState {
    int exitCode = kExitOk;
};

// Progress bar with rate and ETA on stderr (redrawn at most 10 times a second; plain lines when
// stderr is not a terminal). Ctrl-C sets the cancel flag instead of killing the process, so
// long work stops cleanly and leaves valid files behind.
class ConsoleProgress final : public ProgressObserver {
public:
    explicit ConsoleProgress(std::string label, bool enabled = true);
    ~ConsoleProgress() override;
    void onProgress(std::size_t done, std::size_t total, std::string_view stage) override;
    bool cancelRequested() const override;
    void finish();

private:
    std::string label_;
    bool enabled_;
    bool isTerminal_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point lastDraw_{};
    std::mutex mutex_;
};

// True once the user pressed Ctrl-C (SIGINT) or sent SIGTERM.
bool interruptRequested();
void installInterruptHandler();

void printJson(const nlohmann::json& value);

// Formats seconds as "1m23s" / "4.2s".
std::string formatDuration(double seconds);

}  // namespace remap::cli
