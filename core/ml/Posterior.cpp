#include "Posterior.h"

#include "base/Error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace remap {
namespace {

double binWidth(const std::vector<double>& centres)
{
    if (centres.size() < 2) throw Error("a posterior needs at least 2 bins");
    const double w = (centres.back() - centres.front()) / static_cast<double>(centres.size() - 1);
    if (!(w > 0.0) || !std::isfinite(w)) throw Error("posterior bin centres must be strictly increasing");
    for (std::size_t i = 1; i < centres.size(); ++i)
        if (std::abs(centres[i] - centres[i - 1] - w) > 1e-6 * w)
            throw Error("posterior bin centres must be equally spaced");
    return w;
}

// Value below which a fraction q of the histogram's mass lies (piecewise-linear CDF).
double quantile(const std::vector<double>& c, const std::vector<double>& p, double w, double q)
{
    double cum = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (p[i] > 0.0 && cum + p[i] >= q) return c[i] - 0.5 * w + std::clamp((q - cum) / p[i], 0.0, 1.0) * w;
        cum += p[i];
    }
    return c.back() + 0.5 * w;  // only reached through rounding when q is ~1
}

struct Component {
    double lo, hi, mass;
};

std::vector<Component> hdiComponents(const std::vector<double>& c, const std::vector<double>& p, double w, double mass)
{
    const std::size_t n = p.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
    // Fraction of each bin inside the level set; bins sharing the threshold level share the remainder.
    std::vector<double> f(n, 0.0);
    double acc = 0.0;
    for (std::size_t k = 0; k < n && p[order[k]] > 0.0;) {
        const double level = p[order[k]];
        std::size_t end = k;
        while (end < n && std::abs(p[order[end]] - level) <= 1e-12 * level) ++end;
        const double groupMass = level * static_cast<double>(end - k);
        const bool last = acc + groupMass >= mass - 1e-12;
        const double frac = last ? std::clamp((mass - acc) / groupMass, 0.0, 1.0) : 1.0;
        for (std::size_t g = k; g < end; ++g) f[order[g]] = frac;
        acc += groupMass;
        if (last) break;
        k = end;
    }
    // Pieces of the set along the axis.
    std::vector<Component> pieces;
    auto full = [&](std::size_t i) { return f[i] >= 1.0; };
    for (std::size_t i = 0; i < n; ++i) {
        if (f[i] <= 0.0) continue;
        const double lo = c[i] - 0.5 * w, hi = c[i] + 0.5 * w, m = f[i] * p[i], len = f[i] * w;
        if (full(i)) {
            pieces.push_back({lo, hi, m});
            continue;
        }
        const bool left = i > 0 && full(i - 1), right = i + 1 < n && full(i + 1);
        if (left && right) {
            pieces.push_back({lo, lo + 0.5 * len, 0.5 * m});
            pieces.push_back({hi - 0.5 * len, hi, 0.5 * m});
        } else if (left) {
            pieces.push_back({lo, lo + len, m});
        } else if (right) {
            pieces.push_back({hi - len, hi, m});
        } else {
            pieces.push_back({c[i] - 0.5 * len, c[i] + 0.5 * len, m});
        }
    }
    std::vector<Component> merged;
    for (const auto& piece : pieces) {
        if (!merged.empty() && piece.lo <= merged.back().hi + 1e-9 * w) {
            merged.back().hi = std::max(merged.back().hi, piece.hi);
            merged.back().mass += piece.mass;
        } else {
            merged.push_back(piece);
        }
    }
    return merged;
}

std::vector<double> normalized(std::vector<double> p)
{
    double sum = 0.0;
    for (double& v : p) {
        if (!std::isfinite(v)) throw Error("posterior probabilities must be finite");
        v = std::max(v, 0.0);
        sum += v;
    }
    if (!(sum > 0.0) || !std::isfinite(sum)) throw Error("posterior probabilities must have a positive sum");
    for (double& v : p) v /= sum;
    return p;
}

}  // namespace

std::vector<std::pair<double, double>> highestDensitySet(const std::vector<double>& binCentres,
                                                         const std::vector<double>& probabilities, double mass)
{
    if (binCentres.size() != probabilities.size())
        throw Error("posterior: bin centres and probabilities differ in length");
    const double w = binWidth(binCentres);
    std::vector<std::pair<double, double>> out;
    for (const auto& comp : hdiComponents(binCentres, normalized(probabilities), w, mass))
        out.emplace_back(comp.lo, comp.hi);
    return out;
}

ParameterPosterior summarizePosterior(std::vector<double> binCentres, std::vector<double> probabilities,
                                      const PosteriorOptions& options)
{
    if (binCentres.size() != probabilities.size())
        throw Error("posterior: bin centres and probabilities differ in length");
    const double w = binWidth(binCentres);
    ParameterPosterior out;
    out.probabilities = normalized(std::move(probabilities));
    out.binCentres = std::move(binCentres);
    const auto& c = out.binCentres;
    const auto& p = out.probabilities;
    const std::size_t n = p.size();

    for (std::size_t i = 0; i < n; ++i) out.mean += p[i] * c[i];
    const auto modeIndex = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    out.mode = c[modeIndex];
    out.median = quantile(c, p, w, 0.5);
    out.p16 = quantile(c, p, w, 0.16);
    out.p84 = quantile(c, p, w, 0.84);

    const auto hdi68 = hdiComponents(c, p, w, 0.68);
    const auto hdi95 = hdiComponents(c, p, w, 0.95);
    out.hdi68Lo = hdi68.front().lo;
    out.hdi68Hi = hdi68.back().hi;
    out.hdi95Lo = hdi95.front().lo;
    out.hdi95Hi = hdi95.back().hi;

    if (hdi68.size() >= 2) {
        std::vector<double> masses;
        for (const auto& comp : hdi68) masses.push_back(comp.mass);
        std::sort(masses.rbegin(), masses.rend());
        out.multimodal = masses[1] >= options.multimodalMinMass;
    }

    const auto edgeBins = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(options.edgeFraction * n)));
    double low = 0.0, high = 0.0;
    for (std::size_t i = 0; i < std::min(edgeBins, n); ++i) {
        low += p[i];
        high += p[n - 1 - i];
    }
    out.edgePileUp = low >= options.edgeMass || high >= options.edgeMass || modeIndex == 0 || modeIndex == n - 1;
    return out;
}

nlohmann::json posteriorToJson(const ParameterPosterior& posterior, bool withHistogram)
{
    nlohmann::json j{{"mean", posterior.mean},
                     {"median", posterior.median},
                     {"mode", posterior.mode},
                     {"p16", posterior.p16},
                     {"p84", posterior.p84},
                     {"hdi68", {posterior.hdi68Lo, posterior.hdi68Hi}},
                     {"hdi95", {posterior.hdi95Lo, posterior.hdi95Hi}},
                     {"multimodal", posterior.multimodal},
                     {"edge_pile_up", posterior.edgePileUp}};
    if (withHistogram) {
        j["bin_centres"] = posterior.binCentres;
        j["probabilities"] = posterior.probabilities;
    }
    return j;
}

}  // namespace remap
