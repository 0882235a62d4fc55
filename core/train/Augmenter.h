#pragma once

// On-the-fly augmentation of prepared training spectra (torch-free, plain arrays).

#include "train/TrainConfig.h"

#include <cstdint>
#include <span>
#include <vector>

namespace remap::train {

// One sample's random stream: the same (seed, epoch, row) gives the same numbers wherever and
// whenever it is drawn (resume, any process count). SplitMix64 over a hash of the three.
std::uint64_t sampleSeed(std::uint64_t seed, std::int64_t epoch, std::int64_t row);

class Augmenter {
public:
    // grid: the prepared spectra's wavelengths (the training set's /wavelength), strictly increasing.
    Augmenter(AugmentationConfig config, std::vector<double> grid);

    // Augments one spectrum in place. flux/mask have grid().size() values (mask 1 = bad); ivar may
    // be empty or all zero (noiseless); snr is the row's S/N (NaN or <= 0 = unknown/noiseless).
    // Only the listed operations run, each with its probability, in the order
    // RV shift, continuum tilt, noise, masking; all from the stream `seed` (see sampleSeed).
    void apply(std::span<float> flux, std::span<std::uint8_t> mask, std::span<const float> ivar, double snr,
               std::uint64_t seed) const;

    // The RV operation alone (exposed for tests): resamples flux at lambda (1 - v/c) by linear
    // interpolation, so a line at lambda0 moves to lambda0 (1 + v/c); a pixel takes the mask of
    // both neighbours it is drawn from; pixels whose source lies off the grid get flux 1, mask 1.
    static void dopplerShift(std::span<const double> grid, std::span<float> flux, std::span<std::uint8_t> mask,
                             double velocityKms);

    const AugmentationConfig& config() const { return config_; }
    const std::vector<double>& grid() const { return grid_; }

private:
    AugmentationConfig config_;
    std::vector<double> grid_;
};

}  // namespace remap::train
