// Dataset build benchmark: peak memory and speed of `remap dataset build` on a large set.
//
//   bench_dataset [ROWS=20000] [THREADS=0] [WORKDIR]
//
// Writes a small PHOENIX-layout grid (5 Teff x 4 log g x 3 [Fe/H] = 60 models, the same tiny
// star-like spectra the tests use) into WORKDIR (default: a fresh folder under the system temp
// folder, removed afterwards), then builds a training set of ROWS spectra: the 60 prepared grid
// models plus ROWS - 60 grid-interpolated ones. Prints times, file size and the peak resident set
// size (getrusage ru_maxrss); the target is < 2 GB whatever ROWS is, since rows stream to disk in
// batches.
#include "TinyPhoenixGrid.h"
#include "data/DatasetBuilder.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

double peakRssMiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv)
{
    namespace fs = std::filesystem;
    const std::size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
    const unsigned threads = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 0;
    const bool ownDir = argc <= 3;
    const fs::path work =
        ownDir ? fs::temp_directory_path() / ("remap-bench-dataset-" + std::to_string(::getpid())) : fs::path(argv[3]);
    try {
        std::vector<remap::test::PhoenixModel> models;
        for (double feh : {-1.0, -0.5, 0.0})
            for (double logg : {3.5, 4.0, 4.5, 5.0})
                for (double teff : {5000.0, 5100.0, 5200.0, 5300.0, 5400.0}) models.push_back({teff, logg, feh});
        if (rows < models.size()) {
            std::fprintf(stderr, "ROWS must be at least %zu (the grid models)\n", models.size());
            return 2;
        }
        auto start = std::chrono::steady_clock::now();
        remap::test::writeTinyPhoenixGrid((work / "grid").string(), models);
        std::printf("grid: %zu models written in %.2f s\n", models.size(), secondsSince(start));

        remap::DatasetBuildOptions options;
        options.interpolate = rows - models.size();
        options.threads = threads;
        options.timestamp = false;
        remap::SilentProgress quiet;
        const std::string out = (work / "bench.h5").string();
        start = std::chrono::steady_clock::now();
        const auto report = remap::buildPhoenixTrainingSet((work / "grid").string(), out, options, quiet);
        const double seconds = secondsSince(start);
        const double sizeMiB = static_cast<double>(fs::file_size(out)) / (1024.0 * 1024.0);
        const double rawMiB = static_cast<double>(report.rows) * 4096 * 9 / (1024.0 * 1024.0);
        std::printf("build: %zu rows (%zu prepared, %zu interpolated) x %d pixels in %.2f s (%.0f rows/s)\n",
                    report.rows, report.preparedRows, report.interpolatedRows, 4096, seconds,
                    static_cast<double>(report.rows) / seconds);
        std::printf("file: %.1f MiB (%.1f MiB uncompressed flux+ivar+mask, ratio %.2f)\n", sizeMiB, rawMiB,
                    rawMiB / sizeMiB);
        const double peak = peakRssMiB();
        std::printf("peak RSS: %.1f MiB (target < 2048 MiB): %s\n", peak, peak < 2048 ? "ok" : "OVER");
        if (ownDir) fs::remove_all(work);
        return peak < 2048 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_dataset: %s\n", e.what());
        if (ownDir) fs::remove_all(work);
        return 1;
    }
}
