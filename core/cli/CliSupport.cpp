#include "CliSupport.h"

#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace remap::cli {
namespace {
volatile std::sig_atomic_t gInterrupted = 0;

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
