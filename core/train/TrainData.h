#pragma once

// The training and validation spectra of a run, held in memory, and the order the trainer visits
// them in. Torch-free.

#include "base/Photometry.h"
#include "base/Progress.h"
#include "data/TrainingSet.h"
#include "train/TrainConfig.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace remap::train {

// Rows of one HDF5 training set (or a subset of them), row-major [rows x pixels].
struct SpectraTable {
    std::string path;  // the file the rows came from
    std::size_t pixels = 0;
    std::vector<double> wavelength;
    nlohmann::json preprocessSpec = nlohmann::json::object();
    std::vector<float> flux, ivar;
    std::vector<std::uint8_t> mask;
    std::vector<std::array<double, 3>> labels;  // Teff, log g, [Fe/H], all finite
    std::vector<double> snr;
    std::vector<std::string> sources;
    // One row per spectrum when the file has /photometry (kPhotometryNames order, NaN = missing), else empty.
    std::vector<PhotometryRow> photometry;
    std::size_t skipped = 0;  // rows of the file dropped for an unknown (NaN) Teff, log g or [Fe/H]

    std::size_t size() const { return labels.size(); }
    // The photometry of row `row` (empty when the table has none).
    Photometry photometryOf(std::size_t row) const;
    // The rows `indices` (in that order) as a new table.
    SpectraTable subset(const std::vector<std::size_t>& indices) const;
    // Adds the rows of `other` (same pixel count) at the end.
    void append(const SpectraTable& other);
};

// Reads every row of a training set; rows with a NaN label are skipped and counted. Throws
// remap::Error naming the file (unreadable, no usable rows).
SpectraTable loadSpectraTable(const std::string& path, ProgressObserver& progress);

struct TrainData {
    SpectraTable train;
    SpectraTable validation;  // a file of its own, or rows held out of the training set
    bool heldOut = false;     // validation rows were taken out of the training set
};

// Loads config.trainSet plus, when fine-tuning with rehearsal, config.finetune.rehearsalRows rows of
// config.finetune.rehearsalSet (a seeded choice without replacement), and the validation rows (config.validationSet, or
// validationFraction of the training rows chosen by config.seed when it is empty). Throws remap::Error naming both
// files when their wavelength grids differ.
TrainData loadTrainData(const TrainConfig& config, ProgressObserver& progress);

// True when two grids have the same size and agree to 1e-9 relative.
bool sameGrid(const std::vector<double>& a, const std::vector<double>& b);

// The training rows of one epoch, a function of (seed, epoch) and the labels only: a permutation, or
// with ClassBalance::InverseFrequency N draws with replacement, each row weighted by
// count(cell)^-balancePower over a Teff x log g x [Fe/H] histogram of balanceCells per axis over `bins`.
std::vector<std::size_t> epochOrder(const std::vector<std::array<double, 3>>& labels, const SamplingConfig& sampling,
                                    const LabelBins& bins, std::uint64_t seed, std::int64_t epoch);

// SplitMix64 stream for the trainer's own draws (platform-independent).
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    double uniform();                                            // [0, 1)
    std::size_t below(std::size_t n);                            // [0, n), n > 0
    static std::uint64_t mix(std::uint64_t a, std::uint64_t b);  // hash of two words

private:
    std::uint64_t state_;
};

}  // namespace remap::train
