#pragma once

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace remap {

// The three stellar parameters the network predicts, in head order.
enum class Param { Teff = 0, Logg = 1, Feh = 2 };
inline constexpr std::array<Param, 3> kAllParams{Param::Teff, Param::Logg, Param::Feh};
inline constexpr int kParamCount = 3;

// "teff", "logg", "feh" (the names used in JSON, CSV columns and the CLI).
std::string_view paramName(Param param);
// Human label with unit, e.g. "Teff [K]".
std::string_view paramLabel(Param param);
// Parses the names above (case-insensitive); throws remap::UsageError otherwise.
Param parseParam(std::string_view text);

// Regression as classification: [min, max] cut into `count` equal bins. Bin i covers
// [min + i w, min + (i+1) w), w = (max - min) / count, and stands for its centre.
struct ParameterBins {
    double min = 0.0;
    double max = 1.0;
    int count = 1;

    double width() const { return (max - min) / count; }
    double centre(int i) const { return min + (i + 0.5) * width(); }
    std::vector<double> centres() const;
    // Index of the bin holding `value`, clamped to [0, count-1].
    int indexOf(double value) const;
    bool contains(double value) const { return value >= min && value <= max; }
    // Value scaled to [0, 1] over the range (the label space the triplet loss measures distances in).
    double normalize(double value) const { return (value - min) / (max - min); }

    // Training target for a label: the probability mass of N(value, (sigmaBins * width)^2) in each
    // bin (exact integral over the bin, via erf), renormalized over the range so it sums to 1. Mass
    // beyond the range piles into the edge bins. sigmaBins <= 0 gives the one-hot vector of indexOf(value).
    std::vector<double> target(double value, double sigmaBins) const;

    void validate(std::string_view what) const;
    bool operator==(const ParameterBins&) const = default;
};

// The bins of all three heads. Defaults (see docs/network.md): Teff 3500-7000 K in 25 K bins (140),
// log g 0-5.5 in 0.05 dex bins (110), [Fe/H] -2.5..+0.75 in 0.025 dex bins (130).
struct LabelBins {
    ParameterBins teff{3500.0, 7000.0, 140};
    ParameterBins logg{0.0, 5.5, 110};
    ParameterBins feh{-2.5, 0.75, 130};

    const ParameterBins& operator[](Param p) const;
    ParameterBins& operator[](Param p);
    std::array<int, 3> counts() const { return {teff.count, logg.count, feh.count}; }
    void validate() const;
    bool operator==(const LabelBins&) const = default;
};

void to_json(nlohmann::json& j, const ParameterBins& bins);
void from_json(const nlohmann::json& j, ParameterBins& bins);  // strict, throws remap::Error
void to_json(nlohmann::json& j, const LabelBins& bins);
void from_json(const nlohmann::json& j, LabelBins& bins);  // strict, throws remap::Error

}  // namespace remap
