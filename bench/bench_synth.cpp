// Synthesizer throughput (docs/synthesizer.md "Performance"):
//   bench_synth [seconds-per-measurement]
// Measures spectra per second for the default high-resolution window (4800-5900 A at 0.01 A,
// 110,001 pixels) on one thread and on all hardware threads, the latency of the GUI's teaching-mode
// window (5000-5700 A) and of one MARVELS-like observation (synthesis + LSF + resampling + noise).
#include "synth/Observe.h"
#include "synth/Synthesizer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>
#include <vector>

using namespace remap::synth;
using Clock = std::chrono::steady_clock;

namespace {

// A spread of FGK parameters so the timing is not one star's.
remap::synth::StellarParameters parameters(std::size_t i)
{
    StellarParameters p;
    p.teff = 4000.0 + 300.0 * static_cast<double>(i % 11);
    p.logg = 1.0 + 0.5 * static_cast<double>(i % 8);
    p.feh = -2.0 + 0.5 * static_cast<double>(i % 5);
    return p;
}

double seconds(Clock::time_point since)
{
    return std::chrono::duration<double>(Clock::now() - since).count();
}

// Spectra per second with `threads` threads for at least `budget` seconds.
double throughput(const Synthesizer& s, const std::vector<double>& grid, int threads, double budget)
{
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    const auto start = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            SynthesisResult r;
            SynthesisWorkspace ws;
            while (!stop) {
                s.synthesize(parameters(next++), grid, r, ws);
            }
        });
    while (seconds(start) < budget) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop = true;
    for (auto& t : pool) t.join();
    return static_cast<double>(next.load()) / seconds(start);
}

}  // namespace

int main(int argc, char** argv)
{
    const double budget = argc > 1 ? std::max(0.5, std::atof(argv[1])) : 3.0;
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const Synthesizer synthesizer;
    const auto full = linearWavelengthGrid(kDefaultWindowMin, kDefaultWindowMax, kHighResStep);
    const auto teaching = linearWavelengthGrid(5000.0, 5700.0, kHighResStep);
    std::printf("line list: %zu lines; default window %zu pixels, teaching window %zu pixels\n",
                synthesizer.lineList().lines.size(), full.size(), teaching.size());

    const std::clock_t cpu0 = std::clock();
    const auto wall0 = Clock::now();
    const double one = throughput(synthesizer, full, 1, budget);
    const double cpuPerSpectrum = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC / (one * seconds(wall0));
    std::printf(
        "4800-5900 A, 1 thread:   %7.1f spectra/s (%.2f ms each; %.2f ms of CPU time each, so an idle core "
        "gives %.0f/s)\n",
        one, 1000.0 / one, 1000.0 * cpuPerSpectrum, 1.0 / cpuPerSpectrum);
    const double all = throughput(synthesizer, full, hw, budget);
    std::printf("4800-5900 A, %d threads:  %7.1f spectra/s\n", hw, all);

    // Teaching-mode latency: median of repeated single syntheses with a reused workspace.
    SynthesisResult r;
    SynthesisWorkspace ws;
    std::vector<double> ms;
    for (std::size_t i = 0; i < 200; ++i) {
        const auto t0 = Clock::now();
        synthesizer.synthesize(parameters(i), teaching, r, ws);
        ms.push_back(1000.0 * seconds(t0));
    }
    std::sort(ms.begin(), ms.end());
    std::printf("5000-5700 A teaching mode: median %.2f ms, max %.2f ms per synthesis\n", ms[ms.size() / 2], ms.back());

    // One MARVELS-like observation.
    const InstrumentModel instrument;
    ObservationSettings obs;
    obs.snr = 80;
    std::vector<double> observeMs;
    for (std::size_t i = 0; i < 30; ++i) {
        obs.seed = i;
        const auto t0 = Clock::now();
        const auto spectrum = observeStar(synthesizer, parameters(i), instrument, obs);
        observeMs.push_back(1000.0 * seconds(t0));
        if (spectrum.size() != 4096) return 1;
    }
    std::sort(observeMs.begin(), observeMs.end());
    std::printf("observeStar (synthesis + LSF + resampling + noise): median %.1f ms\n",
                observeMs[observeMs.size() / 2]);
    return 0;
}
