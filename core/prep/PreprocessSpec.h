#pragma once

#include "base/Spectrum.h"
#include "prep/Continuum.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>
#include <vector>

namespace remap {

enum class GridSpacing { Log, Linear };

std::string_view toString(GridSpacing spacing);
// "log" (also "log-uniform") or "linear"; throws remap::Error otherwise.
GridSpacing parseGridSpacing(std::string_view text);

// Everything that defines how a spectrum becomes network input. Stored with every training set and
// every model so that training and prediction run the identical chain. Defaults: the MARVELS-like
// model grid (5000-5700 A, 4096 log-uniform pixels, air) at R = 11000.
struct PreprocessSpec {
    static constexpr int kCurrentVersion = 1;

    int version = kCurrentVersion;
    // Model grid: pixel centres from waveMin to waveMax inclusive, in `medium`.
    double waveMin = 5000.0;  // Angstrom
    double waveMax = 5700.0;  // Angstrom
    std::size_t nPixels = 4096;
    GridSpacing spacing = GridSpacing::Log;
    Medium medium = Medium::Air;  // Air or Vacuum
    double resolvingPower = 11000.0;
    // Radial-velocity correction (needs a template given to the Preprocessor; skipped without one).
    bool correctRv = true;
    double rvMinKms = -500.0;
    double rvMaxKms = 500.0;
    ContinuumOptions continuum;
    // Normalized flux the network sees in masked pixels (1 = continuum); their ivar is 0 and the mask
    // is returned alongside so the network is told.
    double maskedValue = 1.0;
    // A warning is added when the estimated S/N per input pixel is positive but below this.
    double snrWarnBelow = 10.0;

    // Throws remap::Error naming the first nonsensical value.
    void validate() const;
    // Pixel centres of the model grid (validates first).
    std::vector<double> grid() const;

    // JSON form (snake_case keys, every field written):
    //   {"version":1,"grid":{"wave_min":5000,"wave_max":5700,"npix":4096,"spacing":"log","medium":"air"},
    //    "resolving_power":11000,"rv":{"correct":true,"min_kms":-500,"max_kms":500},
    //    "continuum":{"method":"bspline","knot_spacing":100,"legendre_order":5,"lower_sigma":2,
    //                 "upper_sigma":3,"iterations":30,"min_relative_scale":1e-4},
    //    "masked_value":1,"snr_warn_below":10}
    nlohmann::json toJson() const;
    // Strict reader: every field is required, unknown fields and wrong types are errors, and the
    // version must be one this build reads. Throws remap::Error with the field's path in words.
    static PreprocessSpec fromJson(const nlohmann::json& json);

    bool operator==(const PreprocessSpec&) const = default;
};

// The default (MARVELS-like) model grid: PreprocessSpec{}.grid().
std::vector<double> marvelsGrid();

}  // namespace remap
