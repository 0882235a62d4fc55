#pragma once

// A tiny, learnable training set and network for training tests (tests/train, the GUI training panel).
// Header-only and torch-free; links remap_data (the writer) and remap_ml (tinyTrainConfigJson). The labels are drawn
// inside the default LabelBins ranges and shape Gaussian absorption features smoothly:
//   doublet A (5016 + 5021 A):  depth grows with [Fe/H]
//   line B (5050 A):            depth grows with Teff
//   triplet C (5075-5083 A):    depth falls with Teff
//   every line:                 width grows with log g
// The network pools globally over the spectral axis, so each label is carried by a feature of its
// own local shape (single, doublet, triplet), not by its position.

#include "data/TrainingSet.h"
#include "ml/NetworkConfig.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace remap::test {

inline constexpr double kTinyLambdaMin = 5000.0;
inline constexpr double kTinyLambdaMax = 5100.0;

// Label ranges of the tiny set: inside the default bins, away from their edges.
inline constexpr double kTinyTeff[2] = {4000.0, 6500.0};
inline constexpr double kTinyLogg[2] = {1.0, 5.0};
inline constexpr double kTinyFeh[2] = {-2.0, 0.5};

namespace detail {
// SplitMix64: the same numbers on every platform (std:: distributions are implementation-defined).
struct TinyRng {
    std::uint64_t state;
    std::uint64_t next()
    {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    double normal()  // Box-Muller
    {
        const double u1 = 1.0 - uniform();
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
};
}  // namespace detail

// The noiseless flux of the tiny model at `lambda` for labels (teff, logg, feh).
inline double tinyModelFlux(double lambda, double teff, double logg, double feh)
{
    const double sigma = 0.8 + 1.2 * logg / 5.5;            // Angstrom: 0.8 .. 2.0
    const double x = (teff - 3500.0) / 3500.0;              // 0 .. 1 over the Teff bins
    const double depthA = 0.08 + 0.4 * (feh + 2.5) / 3.25;  // 0.08 .. 0.48
    const double depthB = 0.1 + 0.45 * x;                   // hot: strong B
    const double depthC = 0.4 - 0.3 * x;                    // cool: strong C
    auto line = [&](double centre, double depth) {
        const double d = (lambda - centre) / sigma;
        return depth * std::exp(-0.5 * d * d);
    };
    return 1.0 - line(5016.0, depthA) - line(5021.0, depthA) - line(5050.0, depthB) - line(5075.0, depthC) -
           line(5079.0, depthC) - line(5083.0, depthC);
}

// Writes `rows` spectra of `pixels` points on 5000-5100 A (equally spaced) to `path` (replacing it).
// Labels uniform in kTinyTeff/kTinyLogg/kTinyFeh (alpha 0), Gaussian noise at S/N `snr` (ivar = snr^2,
// mask 0), sources "tiny-00000"... . The same (rows, pixels, seed) always gives the same file contents.
inline void writeTinyTrainingSet(const std::string& path, std::size_t rows, std::size_t pixels, std::uint64_t seed,
                                 DatasetKind kind = DatasetKind::PhoenixGrid, double snr = 200.0)
{
    TrainingSetHeader header;
    header.kind = kind;
    header.preprocessSpec = nlohmann::json::object();  // inputs already on the network grid
    header.provenance = {{"command", "remap::test::writeTinyTrainingSet"}, {"seed", seed}, {"rows", rows}};
    header.inputsDigest = "tiny-" + std::to_string(seed) + "-" + std::to_string(rows) + "-" + std::to_string(pixels);
    for (std::size_t p = 0; p < pixels; ++p)
        header.wavelength.push_back(kTinyLambdaMin + (kTinyLambdaMax - kTinyLambdaMin) * static_cast<double>(p) /
                                                         static_cast<double>(pixels - 1));

    detail::TinyRng rng{seed * 0x2545F4914F6CDD1DULL + 17};
    auto writer = TrainingSetWriter::create(path, header);
    TrainingBatch batch(pixels);
    for (std::size_t r = 0; r < rows; ++r) {
        TrainingRow row;
        const double teff = rng.uniform(kTinyTeff[0], kTinyTeff[1]);
        const double logg = rng.uniform(kTinyLogg[0], kTinyLogg[1]);
        const double feh = rng.uniform(kTinyFeh[0], kTinyFeh[1]);
        row.flux.resize(pixels);
        row.ivar.assign(pixels, static_cast<float>(snr * snr));
        row.mask.assign(pixels, 0);
        for (std::size_t p = 0; p < pixels; ++p)
            row.flux[p] = static_cast<float>(tinyModelFlux(header.wavelength[p], teff, logg, feh) + rng.normal() / snr);
        row.labels = {teff, logg, feh, 0.0};
        row.snr = snr;
        row.rv = 0.0;
        char name[32];
        std::snprintf(name, sizeof name, "tiny-%05zu", r);
        row.source = name;
        batch.append(row);
        if (batch.size() == TrainingSetWriter::kDefaultChunkRows) {
            writer.append(batch);
            batch.clear();
        }
    }
    if (!batch.empty()) writer.append(batch);
    writer.close();
}

// A network small enough that a training step on 32 rows of 128 pixels takes milliseconds on the CPU:
// 2 -> stem 8 (k5, /2) -> stage 16 (k5) -> stage 32 (k3, /2) -> embedding 4; ~5 k weights plus the heads.
// (Narrower stages learn the tiny set's log g too slowly for a test of a few dozen steps.)
inline NetworkConfig tinyNetworkConfig(int pixels)
{
    NetworkConfig c;
    c.inputLength = pixels;
    c.stemWidth = 8;
    c.stemKernel = 5;
    c.stemStride = 2;
    c.stemPool = false;
    c.stageWidths = {16, 32};
    c.blocksPerStage = {1, 1};
    c.stageKernels = {5, 3};
    c.embeddingSize = 4;
    c.dropout = 0.1;
    return c;
}

// A training config (JSON, for TrainConfig::fromJson) that learns the tiny set quickly: the tiny
// network, batch 32, learning rate 1e-2 (1e-3 barely moves a network this small in a few hundred
// steps), cosine schedule with a short warm-up, 20 % held-out validation rows, one thread.
inline nlohmann::json tinyTrainConfigJson(const std::string& trainSet, const std::string& outputDir, int pixels,
                                          int epochs = 2)
{
    return {{"train_set", trainSet},
            {"output_dir", outputDir},
            {"validation_fraction", 0.2},
            {"epochs", epochs},
            {"batch_size", 32},
            {"log_every_steps", 1},
            {"reference_rows", 32},
            {"threads", 1},
            {"device", "cpu"},
            {"optimizer", {{"learning_rate", 1e-2}}},
            {"schedule", {{"warmup_epochs", 0.5}}},
            {"network", tinyNetworkConfig(pixels)}};
}

}  // namespace remap::test
