#include "CliSupport.h"

#include "base/Error.h"
#include "base/Parallel.h"
#include "io/SpectrumReader.h"
#include "ml/Predictor.h"

#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

namespace remap::cli {
namespace {
volatile std::sig_atomic_t gInterrupted = 0;

// Maps a chunk's progress onto the whole run.
class OffsetProgress final : public ProgressObserver {
public:
    OffsetProgress(ProgressObserver& base, std::size_t offset, std::size_t total)
        : base_(base), offset_(offset), total_(total)
    {
    }
    void onProgress(std::size_t done, std::size_t, std::string_view stage) override
    {
        base_.onProgress(offset_ + done, total_, stage);
    }
    bool cancelRequested() const override { return base_.cancelRequested(); }

private:
    ProgressObserver& base_;
    std::size_t offset_, total_;
};

extern "C" void onInterrupt(int)
{
    // A second Ctrl-C falls back to the default action so a stuck process can still be killed.
    if (gInterrupted) std::_Exit(kExitCancelled);
    gInterrupted = 1;
}
}  // namespace

bool interruptRequested()
{
    return gInterrupted != 0;
}

void installInterruptHandler()
{
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

void printJson(const nlohmann::json& value)
{
    std::cout << value.dump(2) << std::endl;
}

std::string formatDuration(double seconds)
{
    char buf[32];
    if (seconds < 60)
        std::snprintf(buf, sizeof buf, "%.1fs", seconds);
    else if (seconds < 3600)
        std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(seconds) / 60, static_cast<int>(seconds) % 60);
    else
        std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(seconds) / 3600,
                      (static_cast<int>(seconds) % 3600) / 60);
    return buf;
}

void checkOutputExtension(const std::string& out, const std::vector<std::string>& allowed)
{
    std::string ext = std::filesystem::path(out).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::find(allowed.begin(), allowed.end(), ext) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        throw UsageError("-o " + out + ": unknown output format (use " + list + ")");
    }
}

PredictedFiles predictFiles(const Predictor& predictor, const std::vector<SpectrumInput>& inputs, int threads,
                            std::size_t chunk, ConsoleProgress& progress, const std::string& command)
{
    PredictedFiles out;
    chunk = std::max<std::size_t>(chunk, 1);
    for (std::size_t start = 0; start < inputs.size() && !out.cancelled; start += chunk) {
        const std::size_t n = std::min(chunk, inputs.size() - start);
        std::vector<std::optional<PreparedSpectrum>> prepared(n);
        std::vector<std::string> errors(n);
        OffsetProgress chunkProgress(progress, start, inputs.size());
        try {
            parallelFor(n, threads, chunkProgress, "", [&](std::size_t i, int) {
                try {
                    prepared[i] = predictor.prepare(readSpectrum(inputs[start + i].path));
                } catch (const Cancelled&) {
                    throw;
                } catch (const Error& e) {
                    errors[i] = e.what();
                }
            });
        } catch (const Cancelled&) {
            out.cancelled = true;  // keep what this chunk finished
        }
        std::vector<PreparedSpectrum> ok;
        std::vector<std::string> names;
        for (std::size_t i = 0; i < n; ++i) {
            if (prepared[i]) {
                ok.push_back(std::move(*prepared[i]));
                names.push_back(inputs[start + i].name);
                out.inputIndex.push_back(start + i);
            } else if (!errors[i].empty()) {
                out.failed.push_back(start + i);
                out.reasons.push_back(errors[i]);
                progress.finish();
                std::cerr << command << ": skipped " << inputs[start + i].name << ": " << errors[i] << '\n';
            }
        }
        auto batch = predictor.predictPrepared(ok, names);
        out.predictions.insert(out.predictions.end(), std::make_move_iterator(batch.begin()),
                               std::make_move_iterator(batch.end()));
    }
    return out;
}

ConsoleProgress::ConsoleProgress(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      isTerminal_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now())
{
}

ConsoleProgress::~ConsoleProgress()
{
    finish();
}

void ConsoleProgress::onProgress(std::size_t done, std::size_t total, std::string_view stage)
{
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const bool last = total > 0 && done >= total;
    const auto minGap = isTerminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    if (!last && drawn_ && now - lastDraw_ < minGap) return;
    lastDraw_ = now;
    drawn_ = true;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double fraction = total ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
    std::string line = label_;
    if (!stage.empty()) line += " (" + std::string(stage) + ")";
    char buf[160];
    if (total) {
        const int width = 28;
        const int filled = static_cast<int>(fraction * width);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(width, '.');
        const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
        const std::string eta = (done > 0 && !last) ? formatDuration(elapsed / fraction - elapsed) : "-";
        std::snprintf(buf, sizeof buf, " [%s] %zu/%zu %5.1f%% %.1f/s ETA %s", bar.c_str(), done, total,
                      100.0 * fraction, rate, eta.c_str());
    } else {
        std::snprintf(buf, sizeof buf, " %zu done, %s", done, formatDuration(elapsed).c_str());
    }
    line += buf;
    if (isTerminal_)
        std::cerr << "\r\033[K" << line << std::flush;
    else
        std::cerr << line << '\n';
}

bool ConsoleProgress::cancelRequested() const
{
    return interruptRequested();
}

void ConsoleProgress::finish()
{
    if (enabled_ && drawn_ && isTerminal_) std::cerr << '\n';
    drawn_ = false;
}

}  // namespace remap::cli
