// Synthesizer speed (docs/synthesizer.md "Performance"):
//   bench_synth [stars=8]
// One star over 4852-5850 A with the whole line list (~26,000 atomic + ~207,000 molecular lines) at R = 300,000
// and R = 500,000 sampling (ln-lambda steps 1/300,000 and 2e-6, what `remap synth star` writes) and at the grid's
// 0.01 A sampling, on one thread: median wall and CPU time over a spread of FGK stars, then the grid rate on all
// hardware threads, the teaching fast path (node synthesis, interpolated spectrum) and one MARVELS-like
// observation. Wall and CPU time are both printed: on a shared machine the CPU time is the load-independent one.
#include "synth/Observe.h"
#include "synth/Synthesizer.h"
#include "synth/TeachingGrid.h"

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

StellarParameters parameters(std::size_t i)
{
    // Dwarfs and giants, 4000-6800 K, metal-poor to metal-rich.
    StellarParameters p;
    p.teff = 4000.0 + 400.0 * static_cast<double>(i % 8);
    p.logg = 1.5 + 0.5 * static_cast<double>((i * 3) % 7);
    p.feh = -1.5 + 0.5 * static_cast<double>(i % 4);
    return p;
}

double seconds(Clock::time_point since)
{
    return std::chrono::duration<double>(Clock::now() - since).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Timing {
    double wall = 0, cpu = 0;
};

Timing perStar(const Synthesizer& s, const std::vector<double>& grid, std::size_t stars)
{
    SynthesisResult r;
    SynthesisWorkspace ws;
    std::vector<double> wall, cpu;
    for (std::size_t i = 0; i < stars; ++i) {
        const auto t0 = Clock::now();
        const std::clock_t c0 = std::clock();
        s.synthesize(parameters(i), grid, r, ws);
        cpu.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
        wall.push_back(seconds(t0));
    }
    return {median(wall), median(cpu)};
}

}  // namespace

int main(int argc, char** argv)
{
    const std::size_t stars = argc > 1 ? static_cast<std::size_t>(std::max(1, std::atoi(argv[1]))) : 8;
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const auto t0 = Clock::now();
    const Synthesizer synthesizer;
    std::printf("line list: %zu lines (parsing and per-line constants: %.2f s, once per process)\n",
                synthesizer.lineList().lines.size(), seconds(t0));

    const auto r300 = logWavelengthGrid(kDefaultWindowMin, kDefaultWindowMax, 1.0 / 300000.0);
    const auto r500 = logWavelengthGrid(kDefaultWindowMin, kDefaultWindowMax, 2e-6);
    const auto step = linearWavelengthGrid(kDefaultWindowMin, kDefaultWindowMax, kHighResStep);
    for (const auto& [name, grid] : {std::pair{"R = 300,000 sampling", &r300}, std::pair{"R = 500,000 sampling", &r500},
                                     std::pair{"0.01 A (grid files)", &step}}) {
        const Timing t = perStar(synthesizer, *grid, stars);
        std::printf("one star 4852-5850 A, %-22s %6zu pixels: median %.3f s wall, %.3f s CPU (1 thread, %zu stars)\n",
                    name, grid->size(), t.wall, t.cpu, stars);
    }

    // Grid throughput on all hardware threads.
    {
        std::atomic<std::size_t> next{0};
        const std::size_t total = static_cast<std::size_t>(2 * hw) * 2;
        const auto start = Clock::now();
        std::vector<std::thread> pool;
        for (int t = 0; t < hw; ++t)
            pool.emplace_back([&] {
                SynthesisResult r;
                SynthesisWorkspace ws;
                for (std::size_t i = next++; i < total; i = next++) synthesizer.synthesize(parameters(i), step, r, ws);
            });
        for (auto& t : pool) t.join();
        const double perModel = seconds(start) / static_cast<double>(total);
        std::printf(
            "grid models (0.01 A, 4852-5850 A) on %d threads: %.3f s per model -> 1980-model demo grid %.1f min\n", hw,
            perModel, perModel * 1980 / 60.0);
    }

    // Teaching fast path.
    {
        TeachingGrid grid(synthesizer);
        auto start = Clock::now();
        grid.prepare(5700, 4.4, -0.2, 1);
        const double cell = seconds(start);
        std::vector<double> flux;
        std::vector<double> ms;
        for (int k = 0; k < 20; ++k) {
            start = Clock::now();
            grid.spectrum(5610 + 5 * k, 4.1 + 0.01 * k, -0.45 + 0.01 * k, flux);
            ms.push_back(1000.0 * seconds(start));
        }
        std::printf(
            "teaching grid: a new cell (8 nodes, %zu pixels, 1 thread) %.2f s; interpolated spectrum median "
            "%.2f ms; whole lattice %zu nodes\n",
            grid.wavelengths().size(), cell, median(ms), grid.nodeCount());
    }

    // One MARVELS-like observation (synthesis of the instrument window at 0.01 A + LSF + resampling + noise).
    {
        const InstrumentModel instrument;
        ObservationSettings obs;
        obs.snr = 80;
        std::vector<double> ms;
        for (std::size_t i = 0; i < std::min<std::size_t>(stars, 6); ++i) {
            obs.seed = i;
            const auto start = Clock::now();
            const auto spectrum = observeStar(synthesizer, parameters(i), instrument, obs);
            ms.push_back(1000.0 * seconds(start));
            if (spectrum.size() != 4096) return 1;
        }
        std::printf("observeStar (5000-5700 A): median %.0f ms\n", median(ms));
    }
    return 0;
}
