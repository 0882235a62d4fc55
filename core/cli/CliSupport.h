#pragma once

#include "base/Progress.h"
#include "ml/Posterior.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace remap {
class Predictor;
}

namespace remap::cli {

// Exit statuses of `remap`: documented in `remap --help`.
enum ExitStatus : int { kExitOk = 0, kExitError = 1, kExitUsage = 2, kExitSomeFailed = 3, kExitCancelled = 130 };

struct CliState {
    int exitCode = kExitOk;
    std::vector<std::string> argv;  // the command line as given (`remap train --nproc` relaunches it)
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

// Throws remap::UsageError unless `out` ends in one of `allowed` (".csv", ...; case-insensitive).
void checkOutputExtension(const std::string& out, const std::vector<std::string>& allowed);

// One spectrum file to predict: where it is and the name it is reported under.
struct SpectrumInput {
    std::string path;
    std::string name;
};

struct PredictedFiles {
    std::vector<Prediction> predictions;  // of the files that worked, in input order
    std::vector<std::size_t> inputIndex;  // input index of each prediction
    std::vector<std::size_t> failed;      // input indices of the files that could not be read or prepared
    std::vector<std::string> reasons;     // one per failed file
    bool cancelled = false;               // Ctrl-C: the predictions hold what was finished
};

// What `remap predict` and `remap evaluate` share: reads and prepares the files on `threads`
// threads, `chunk` at a time, and runs the network on each chunk. A file that fails is reported on
// stderr ("<command>: skipped NAME: reason") and left out; the rest go on.
PredictedFiles predictFiles(const Predictor& predictor, const std::vector<SpectrumInput>& inputs, int threads,
                            std::size_t chunk, ConsoleProgress& progress, const std::string& command);

}  // namespace remap::cli
