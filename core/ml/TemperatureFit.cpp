#include "ml/TemperatureFit.h"

#include "base/Error.h"
#include "ml/Posterior.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace remap {
namespace {

constexpr double kFloor = 1e-300;  // probabilities that underflowed to 0 in the softmax

// Mean -log of the reference bin under p^(1/T) renormalized, computed with log-sum-exp.
double meanNll(const std::vector<std::vector<double>>& probs, const std::vector<int>& bins, double temperature)
{
    double total = 0.0;
    std::vector<double> scaled;
    for (std::size_t i = 0; i < probs.size(); ++i) {
        scaled.resize(probs[i].size());
        for (std::size_t k = 0; k < probs[i].size(); ++k)
            scaled[k] = std::log(std::max(probs[i][k], kFloor)) / temperature;
        const double top = *std::max_element(scaled.begin(), scaled.end());
        double sum = 0.0;
        for (double v : scaled) sum += std::exp(v - top);
        total += -(scaled[static_cast<std::size_t>(bins[i])] - top - std::log(sum));
    }
    return total / static_cast<double>(probs.size());
}

}  // namespace

TemperatureFit fitTemperature(const std::vector<std::vector<double>>& probabilities,
                              const std::vector<int>& referenceBins)
{
    if (probabilities.empty()) throw Error("temperature fit: no stars");
    if (probabilities.size() != referenceBins.size())
        throw Error("temperature fit: " + std::to_string(probabilities.size()) + " posteriors but " +
                    std::to_string(referenceBins.size()) + " reference bins");
    const std::size_t bins = probabilities.front().size();
    for (std::size_t i = 0; i < probabilities.size(); ++i)
        if (probabilities[i].size() != bins || referenceBins[i] < 0 ||
            static_cast<std::size_t>(referenceBins[i]) >= bins)
            throw Error("temperature fit: star " + std::to_string(i) +
                        " has a posterior or reference bin that does not fit");

    const double phi = (std::sqrt(5.0) - 1.0) / 2.0;
    double lo = std::log(0.05), hi = std::log(20.0);
    double a = hi - phi * (hi - lo), b = lo + phi * (hi - lo);
    double fa = meanNll(probabilities, referenceBins, std::exp(a));
    double fb = meanNll(probabilities, referenceBins, std::exp(b));
    for (int it = 0; it < 80 && hi - lo > 1e-6; ++it) {
        if (fa < fb) {
            hi = b, b = a, fb = fa;
            a = hi - phi * (hi - lo);
            fa = meanNll(probabilities, referenceBins, std::exp(a));
        } else {
            lo = a, a = b, fa = fb;
            b = lo + phi * (hi - lo);
            fb = meanNll(probabilities, referenceBins, std::exp(b));
        }
    }
    TemperatureFit fit;
    fit.temperature = std::exp(0.5 * (lo + hi));
    fit.nllBefore = meanNll(probabilities, referenceBins, 1.0);
    fit.nllAfter = meanNll(probabilities, referenceBins, fit.temperature);
    fit.stars = static_cast<int>(probabilities.size());
    return fit;
}

namespace {

double coverage(const std::vector<std::vector<double>>& probs, const std::vector<double>& centres,
                const std::vector<double>& references, double temperature)
{
    std::size_t inside = 0;
    for (std::size_t i = 0; i < probs.size(); ++i) {
        const auto post = summarizePosterior(centres, temperedProbabilities(probs[i], temperature));
        inside += references[i] >= post.p16 && references[i] <= post.p84;
    }
    return static_cast<double>(inside) / static_cast<double>(probs.size());
}

}  // namespace

TemperatureFit fitTemperatureForCoverage(const std::vector<std::vector<double>>& probabilities,
                                         const std::vector<double>& centres, const std::vector<double>& references,
                                         double target)
{
    if (probabilities.empty()) throw Error("temperature fit: no stars");
    if (probabilities.size() != references.size())
        throw Error("temperature fit: " + std::to_string(probabilities.size()) + " posteriors but " +
                    std::to_string(references.size()) + " references");
    for (const auto& p : probabilities)
        if (p.size() != centres.size())
            throw Error("temperature fit: a posterior does not have one value per bin centre");
    if (!(target > 0.0 && target < 1.0)) throw Error("temperature fit: the target coverage must be between 0 and 1");
    double lo = std::log(0.02), hi = std::log(20.0);
    for (int it = 0; it < 40 && hi - lo > 1e-4; ++it) {
        const double mid = 0.5 * (lo + hi);
        (coverage(probabilities, centres, references, std::exp(mid)) < target ? lo : hi) = mid;
    }
    TemperatureFit fit;
    fit.temperature = std::exp(0.5 * (lo + hi));
    fit.stars = static_cast<int>(probabilities.size());
    fit.coverageBefore = coverage(probabilities, centres, references, 1.0);
    fit.coverageAfter = coverage(probabilities, centres, references, fit.temperature);
    return fit;
}

std::vector<double> temperedProbabilities(const std::vector<double>& probabilities, double temperature)
{
    std::vector<double> out(probabilities.size());
    double top = -INFINITY;
    for (std::size_t k = 0; k < out.size(); ++k) {
        out[k] = std::log(std::max(probabilities[k], kFloor)) / temperature;
        top = std::max(top, out[k]);
    }
    double sum = 0.0;
    for (double& v : out) sum += (v = std::exp(v - top));
    for (double& v : out) v /= sum;
    return out;
}

}  // namespace remap
