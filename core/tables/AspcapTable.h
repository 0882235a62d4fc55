#pragma once

// Per-star results named the way APOGEE/ASPCAP catalogs name them (allStar: TEFF, TEFF_ERR, LOGG,
// LOGG_ERR, FE_H, FE_H_ERR, SNR, VHELIO, a FLAGS bitmask), so astronomers' scripts read REMAP output
// without a mapping table. The bit meanings and the model go into the table keywords.

#include "tables/ResultTable.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace remap::tables {

// One stellar parameter read off a posterior (NaN = not available).
struct ParameterResult {
    double value = std::numeric_limits<double>::quiet_NaN();  // the point estimate (see ModelInfo::estimator)
    double error = std::numeric_limits<double>::quiet_NaN();  // 1 sigma: half the 16th-84th percentile range
    double p16 = std::numeric_limits<double>::quiet_NaN();
    double p50 = std::numeric_limits<double>::quiet_NaN();
    double p84 = std::numeric_limits<double>::quiet_NaN();
};

// Bits of the FLAGS column (bit n set = flag n raised). The numbers are part of the file format:
// append new flags, never renumber.
enum class StarFlag : unsigned {
    LowSnr = 0,
    ManyMaskedPixels = 1,
    TeffOutsideTrainedRange = 2,
    LoggOutsideTrainedRange = 3,
    FehOutsideTrainedRange = 4,
    TeffMultimodal = 5,
    LoggMultimodal = 6,
    FehMultimodal = 7,
    TeffEdgePileUp = 8,
    LoggEdgePileUp = 9,
    FehEdgePileUp = 10,
    PreprocessingWarning = 11,
    Other = 12,
};

struct StarFlagInfo {
    StarFlag flag;
    const char* name;     // written as the value of keyword FLAGBnn
    const char* meaning;  // written as its comment
};
// Every flag, in bit order.
const std::vector<StarFlagInfo>& starFlags();
constexpr std::uint64_t flagBit(StarFlag flag)
{
    return std::uint64_t{1} << static_cast<unsigned>(flag);
}
// The predictor's flag codes ("low_snr", "many_masked_pixels", "outside_trained_range:teff",
// "multimodal:logg", "edge_pile_up:feh", "preprocessing:<text>"); an unknown code maps to Other.
StarFlag starFlagFromCode(const std::string& code);

struct StarResult {
    std::string file;                                          // the spectrum's file or URL
    std::string name;                                          // object name, may be empty
    ParameterResult teff;                                      // K
    ParameterResult logg;                                      // dex (log10 of g in cm s^-2)
    ParameterResult feh;                                       // dex
    double snr = std::numeric_limits<double>::quiet_NaN();     // per pixel
    double vhelio = std::numeric_limits<double>::quiet_NaN();  // heliocentric radial velocity, km/s; NaN if unknown
    std::uint64_t flags = 0;                                   // bits of StarFlag
};

struct ModelInfo {
    std::string name;                            // MODEL keyword
    std::string version;                         // MODELVER keyword
    std::string estimator = "posterior median";  // what TEFF/LOGG/FE_H hold, in words
};

// Columns FILE, [OBJ when any star has a name], TEFF, TEFF_ERR, TEFF_P16, TEFF_P50, TEFF_P84, the same
// for LOGG and FE_H, SNR, VHELIO, FLAGS (int64). Keywords MODEL, MODELVER, ORIGIN, and FLAGBnn = flag
// name / meaning for every bit. Table name REMAP_ASPCAP.
ResultTable aspcapTable(const std::vector<StarResult>& stars, const ModelInfo& model);

}  // namespace remap::tables
