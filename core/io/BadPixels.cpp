#include "io/BadPixels.h"

#include "io/ReaderSupport.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

namespace remap::io {

namespace {

constexpr std::size_t kMinGapRun = 3;

struct Run {
    std::size_t begin, end;  // [begin, end)
};

// Adds pixel i to the last run when it continues it, else starts a run.
void extendRuns(std::vector<Run>& runs, std::size_t i)
{
    if (!runs.empty() && runs.back().end == i)
        ++runs.back().end;
    else
        runs.push_back({i, i + 1});
}

std::string percent(std::size_t part, std::size_t whole)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2g %%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return buffer;
}

std::string runsText(const Spectrum& s, std::vector<Run> runs)
{
    std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.end - a.begin > b.end - b.begin; });
    std::string out;
    const std::size_t shown = std::min<std::size_t>(3, runs.size());
    for (std::size_t k = 0; k < shown; ++k) {
        const double a = s.wavelength[runs[k].begin], b = s.wavelength[runs[k].end - 1];
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.1f-%.1f A", std::min(a, b), std::max(a, b));
        out += (k ? ", " : "") + std::string(buffer);
    }
    if (runs.size() > shown) out += " and " + std::to_string(runs.size() - shown) + " more";
    return out;
}

double quantile(std::vector<double> v, double q)
{
    const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

}  // namespace

void maskBadPixels(Spectrum& s, std::optional<double> saturationLevel, bool heuristics)
{
    const std::size_t n = s.flux.size();
    if (s.mask.size() != n) s.mask.resize(n, 0);
    if (!s.ivar.empty() && s.ivar.size() != n) return;  // finalize() reports the inconsistency
    MaskedPixels& m = s.provenance.masked;
    std::vector<Run> nonFiniteRuns;
    for (std::size_t i = 0; i < n; ++i) {
        const bool bad = !std::isfinite(s.flux[i]) || (!s.ivar.empty() && !std::isfinite(s.ivar[i]));
        if (s.mask[i]) {
            if (!bad)
                ++m.flagged;
            else
                ++m.nonFinite;
            if (bad) s.mask[i] = 1;
            continue;
        }
        if (bad) {
            s.mask[i] = 1;
            ++m.nonFinite;
            extendRuns(nonFiniteRuns, i);
        }
    }

    // Runs of non-positive flux among pixels still usable.
    std::vector<Run> gaps;
    std::size_t i = heuristics ? 0 : n;
    while (i < n) {
        if (s.mask[i] || !(s.flux[i] <= 0)) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < n && !s.mask[j] && s.flux[j] <= 0) ++j;
        if (j - i >= kMinGapRun) gaps.push_back({i, j});
        i = j;
    }
    for (const auto& g : gaps)
        for (std::size_t k = g.begin; k < g.end; ++k) {
            s.mask[k] = 1;
            ++m.nonPositive;
        }

    // Saturation.
    std::vector<Run> saturated;
    auto addSaturated = [&](std::size_t k) {
        s.mask[k] = 1;
        ++m.saturated;
        extendRuns(saturated, k);
    };
    std::string saturationWhy;
    if (heuristics && saturationLevel && std::isfinite(*saturationLevel) && *saturationLevel > 0) {
        for (std::size_t k = 0; k < n; ++k)
            if (!s.mask[k] && s.flux[k] >= *saturationLevel) addSaturated(k);
        if (m.saturated) saturationWhy = "at or above the saturation level " + formatNumber(*saturationLevel);
    }
    double top = -std::numeric_limits<double>::infinity();
    if (heuristics && m.saturated == 0)
        for (std::size_t k = 0; k < n; ++k)
            if (!s.mask[k]) top = std::max(top, s.flux[k]);
    // Only count-like data saturate (a clipped or constant normalized spectrum has plateaus too), and a
    // plateau is a few pixels, not the spectrum.
    if (std::isfinite(top) && top >= 1000.0 && !isNormalizedKind(classifyFlux(s))) {
        {
            std::vector<Run> plateaus;
            std::size_t k = 0, onTop = 0;
            while (k < n) {
                if (s.mask[k] || s.flux[k] != top) {
                    ++k;
                    continue;
                }
                std::size_t e = k;
                while (e < n && !s.mask[e] && s.flux[e] == top) ++e;
                if (e - k >= kMinGapRun) plateaus.push_back({k, e});
                onTop += e - k;
                k = e;
            }
            if (onTop * 20 > n) plateaus.clear();
            for (const auto& p : plateaus)
                for (std::size_t q = p.begin; q < p.end; ++q) addSaturated(q);
            if (m.saturated) saturationWhy = "on flat tops at the maximum flux " + formatNumber(top) + " (saturation)";
        }
    }

    if (m.nonFinite)
        s.warnings.push_back(std::to_string(m.nonFinite) + " pixels (" + percent(m.nonFinite, n) +
                             ") have NaN or infinite flux or uncertainty and were masked" +
                             (nonFiniteRuns.empty() ? "" : " (" + runsText(s, nonFiniteRuns) + ")"));
    if (m.nonPositive)
        s.warnings.push_back(std::to_string(m.nonPositive) + " pixels (" + percent(m.nonPositive, n) + ") in " +
                             std::to_string(gaps.size()) + (gaps.size() == 1 ? " run" : " runs") +
                             " of zero or negative flux were masked as detector gaps or padding, not flux (" +
                             runsText(s, gaps) + ")");
    if (m.saturated)
        s.warnings.push_back(std::to_string(m.saturated) + " pixels (" + percent(m.saturated, n) + ") " +
                             saturationWhy + " were masked (" + runsText(s, saturated) + ")");
}

void orderWavelengthAxis(Spectrum& s)
{
    const std::size_t n = s.wavelength.size();
    if (s.flux.size() != n) return;  // finalize() reports it
    if (s.ivar.empty()) s.ivar.assign(n, 0.0);
    if (s.mask.empty()) s.mask.assign(n, 0);
    if (s.ivar.size() != n || s.mask.size() != n) return;
    std::size_t unusable = 0;
    for (double w : s.wavelength)
        if (!(std::isfinite(w) && w > 0)) ++unusable;
    bool increasing = true;
    for (std::size_t i = 1; i < n && increasing; ++i) increasing = s.wavelength[i] > s.wavelength[i - 1];
    bool decreasing = !increasing;
    for (std::size_t i = 1; i < n && decreasing; ++i) decreasing = s.wavelength[i] < s.wavelength[i - 1];
    if (unusable == 0 && (increasing || decreasing)) return;  // finalize() flips a descending axis

    std::vector<std::size_t> order;
    order.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(s.wavelength[i]) && s.wavelength[i] > 0) order.push_back(i);
    if (order.empty()) return;
    std::size_t backward = 0;
    for (std::size_t k = 1; k < order.size(); ++k)
        if (s.wavelength[order[k]] < s.wavelength[order[k - 1]]) ++backward;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return s.wavelength[a] < s.wavelength[b]; });
    Spectrum out = emptyLike(s, 0);
    std::size_t repeated = 0;
    for (std::size_t k = 0; k < order.size();) {
        std::size_t e = k + 1;
        while (e < order.size() && s.wavelength[order[e]] == s.wavelength[order[k]]) ++e;
        double sumW = 0, sumWF = 0, sumF = 0, sumIvar = 0;
        std::size_t good = 0;
        bool allIvar = true;
        for (std::size_t q = k; q < e; ++q) {
            const std::size_t i = order[q];
            if (s.mask[i] || !std::isfinite(s.flux[i])) continue;
            ++good;
            sumF += s.flux[i];
            if (s.ivar[i] > 0) {
                sumW += s.ivar[i];
                sumWF += s.ivar[i] * s.flux[i];
                sumIvar += s.ivar[i];
            } else {
                allIvar = false;
            }
        }
        out.wavelength.push_back(s.wavelength[order[k]]);
        if (e - k == 1) {
            const std::size_t i = order[k];
            out.flux.push_back(s.flux[i]);
            out.ivar.push_back(s.ivar[i]);
            out.mask.push_back(s.mask[i]);
        } else {
            repeated += e - k - 1;
            const bool weighted = good > 0 && allIvar;
            out.flux.push_back(good == 0  ? s.flux[order[k]]
                               : weighted ? sumWF / sumW
                                          : sumF / static_cast<double>(good));
            out.ivar.push_back(weighted ? sumIvar : 0.0);
            out.mask.push_back(good == 0 ? 1 : 0);
        }
        k = e;
    }
    out.warnings = s.warnings;
    out.provenance = s.provenance;
    if (unusable)
        out.warnings.push_back(std::to_string(unusable) +
                               " pixels without a usable wavelength (NaN, zero or negative) were dropped");
    if (backward)
        out.warnings.push_back(
            "the wavelength axis runs backwards " + std::to_string(backward) + (backward == 1 ? " time" : " times") +
            " (overlapping segments, such as concatenated orders): the pixels were sorted by wavelength");
    if (repeated)
        out.warnings.push_back(std::to_string(repeated) +
                               " pixels repeat the wavelength of a neighbour (segment joins); "
                               "each such pair was averaged into one pixel");
    s = std::move(out);
}

std::string classifyFlux(const Spectrum& s)
{
    const std::string unit = toLower(s.fluxUnit);
    for (const char* word : {"count", "adu", "electron", "e-", "photon", "dn"})
        if (unit.find(word) != std::string::npos && unit.find("erg") == std::string::npos)
            return "raw counts (from the flux unit '" + s.fluxUnit + "')";
    const std::size_t n = s.flux.size();
    std::vector<double> envelopes;
    for (std::size_t c = 0; c < 10; ++c) {
        std::vector<double> v;
        for (std::size_t i = c * n / 10; i < (c + 1) * n / 10; ++i)
            if ((s.mask.empty() || !s.mask[i]) && std::isfinite(s.flux[i])) v.push_back(s.flux[i]);
        if (v.size() >= 10) envelopes.push_back(quantile(v, 0.95));
    }
    if (envelopes.size() < 3) return "not normalized (too few usable pixels to tell)";
    const double med = quantile(envelopes, 0.5);
    const double lo = *std::min_element(envelopes.begin(), envelopes.end());
    const double hi = *std::max_element(envelopes.begin(), envelopes.end());
    char buffer[160];
    if (med >= 0.85 && med <= 1.25 && lo > 0.5 && hi < 1.6) {
        std::snprintf(buffer, sizeof buffer, "normalized (inferred: the upper envelope is %.2f, near 1, everywhere)",
                      med);
        return buffer;
    }
    std::snprintf(buffer, sizeof buffer, "not normalized (inferred: the upper envelope runs from %.3g to %.3g)", lo,
                  hi);
    return buffer;
}

bool isNormalizedKind(const std::string& kind)
{
    return kind.rfind("normalized", 0) == 0;
}

}  // namespace remap::io
