#pragma once

#include <vector>

namespace remap {

// Temperature scaling of a classification posterior (Guo et al. 2017): one T > 0 per head such that
// softmax(logits / T) is calibrated on held-out stars. With p = softmax(logits), softmax(logits / T) is
// p^(1/T) renormalized, so the fit needs only the T = 1 probabilities.
struct TemperatureFit {
    double temperature = 1.0;
    double nllBefore = 0.0;  // mean -log p(reference bin) at T = 1 (likelihood fit only)
    double nllAfter = 0.0;   // at the fitted T
    int stars = 0;
    double coverageBefore = 0.0;  // share of references inside [p16, p84] at T = 1 (coverage fit only)
    double coverageAfter = 0.0;   // at the fitted T
};

// Minimizes the mean negative log-likelihood of the reference bins over T in [0.05, 20] (golden-section
// search on log T; the NLL is convex in 1/T). probabilities[i] is star i's posterior (any bin count, the
// same for all); referenceBins[i] its reference label's bin. Throws remap::Error for empty or mismatched input.
TemperatureFit fitTemperature(const std::vector<std::vector<double>>& probabilities,
                              const std::vector<int>& referenceBins);

// Finds T so that the central interval [p16, p84] of the tempered posteriors holds `target` of the
// references (bisection on log T in [0.02, 20]: coverage grows with T). Where the posteriors are not
// Gaussian (the asymmetric loss leaves heavy shoulders) this calibrates the reported 68 % intervals
// directly, which the likelihood fit does not. centres: the bin centres; references: label values.
TemperatureFit fitTemperatureForCoverage(const std::vector<std::vector<double>>& probabilities,
                                         const std::vector<double>& centres, const std::vector<double>& references,
                                         double target = 0.6827);

// p^(1/T) renormalized (what the predictor's softmax(logits / T) gives).
std::vector<double> temperedProbabilities(const std::vector<double>& probabilities, double temperature);

}  // namespace remap
