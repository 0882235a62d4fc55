#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace remap {

// Thresholds of the posterior summary (docs/network.md explains them).
struct PosteriorOptions {
    // multimodal: the 68 % highest-density set splits into separate intervals and the second-largest
    // of them holds at least this share of the probability.
    double multimodalMinMass = 0.10;
    // edgePileUp: at least this much probability lies in the outermost edgeFraction of the range
    // (at least one bin) at either end, or the mode is an edge bin.
    double edgeMass = 0.20;
    double edgeFraction = 0.02;
};

// A discrete posterior (one head's softmax) and what is read off it. The density is taken as
// constant inside each bin (a histogram), bins of equal width centred on binCentres.
struct ParameterPosterior {
    std::vector<double> binCentres, probabilities;  // probabilities sum to 1
    double mean = 0.0;
    double median = 0.0;
    double mode = 0.0;  // centre of the most probable bin
    double p16 = 0.0, p84 = 0.0;
    double hdi68Lo = 0.0, hdi68Hi = 0.0;  // highest-density interval (envelope when it splits)
    double hdi95Lo = 0.0, hdi95Hi = 0.0;
    bool multimodal = false;
    bool edgePileUp = false;

    double sigma() const { return 0.5 * (p84 - p16); }
};

// Summarizes a probability vector over equally spaced bin centres (at least 2, strictly increasing).
// Probabilities are clipped at 0 and renormalized; throws remap::Error if they do not sum to a
// positive finite number or the sizes differ.
//   mean = sum p_i c_i; mode = centre of the largest p_i (the first one on ties);
//   quantiles (median, p16, p84) from the piecewise-linear CDF of the histogram;
//   HDI_a: the level set {density >= t} holding mass a; bins at the threshold level are included
//   partly (equal fractions for ties), the partial piece placed on the side of the set already
//   included (centred when the bin stands alone). The interval reported is the set's envelope.
ParameterPosterior summarizePosterior(std::vector<double> binCentres, std::vector<double> probabilities,
                                      const PosteriorOptions& options = {});

// The highest-density set as [lo, hi] intervals, in increasing order (exposed for tests and plots).
std::vector<std::pair<double, double>> highestDensitySet(const std::vector<double>& binCentres,
                                                         const std::vector<double>& probabilities, double mass);

// What the network says about one spectrum.
struct Prediction {
    std::string source;  // file or object name the spectrum came from
    ParameterPosterior teff, logg, feh;
    // Problems worth a look: "low_snr", "many_masked_pixels", "outside_trained_range:<param>",
    // "multimodal:<param>", "preprocessing:<warning text>", and for photometry (docs/network.md):
    // "photometry_inputs:<name>+<name>...", "spectrum_only", "photometry_ignored", "photometry: <warning>".
    std::vector<std::string> flags;
    // What the network read: "spectrum", then the photometric inputs present (kPhotometryNames).
    std::vector<std::string> inputs;
    std::vector<float> embedding;  // L2-normalized
    double snr = 0.0;              // per pixel, of the prepared spectrum
    double rv = 0.0;               // km/s, radial velocity removed by preprocessing
    double maskedFraction = 0.0;   // of the network input pixels

    const ParameterPosterior& operator[](int param) const { return param == 0 ? teff : param == 1 ? logg : feh; }
    ParameterPosterior& operator[](int param) { return param == 0 ? teff : param == 1 ? logg : feh; }
};

// {"mean", "median", "mode", "p16", "p84", "hdi68": [lo, hi], "hdi95": [lo, hi], "multimodal",
//  "edge_pile_up"} (+ "probabilities" when withHistogram).
nlohmann::json posteriorToJson(const ParameterPosterior& posterior, bool withHistogram = false);

}  // namespace remap
