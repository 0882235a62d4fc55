#include "Continuum.h"

#include "base/Error.h"

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace remap {

std::string_view toString(ContinuumMethod method)
{
    return method == ContinuumMethod::Legendre ? "legendre" : "bspline";
}

ContinuumMethod parseContinuumMethod(std::string_view text)
{
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "bspline" || lower == "b-spline" || lower == "spline") return ContinuumMethod::BSpline;
    if (lower == "legendre" || lower == "polynomial") return ContinuumMethod::Legendre;
    throw Error("unknown continuum method '" + std::string(text) + "' (expected bspline or legendre)");
}

void ContinuumOptions::validate() const
{
    if (method == ContinuumMethod::BSpline && !(knotSpacing > 0 && std::isfinite(knotSpacing)))
        throw Error("continuum knot spacing must be a positive number of Angstrom");
    if (method == ContinuumMethod::Legendre && (legendreOrder < 0 || legendreOrder > 50))
        throw Error("continuum Legendre order must lie between 0 and 50");
    if (!(lowerSigma > 0 && std::isfinite(lowerSigma)) || !(upperSigma > 0 && std::isfinite(upperSigma)))
        throw Error("continuum clipping thresholds (lower/upper sigma) must be positive numbers");
    if (iterations < 1 || iterations > 1000) throw Error("continuum iterations must lie between 1 and 1000");
    if (!(minRelativeScale >= 0 && std::isfinite(minRelativeScale)))
        throw Error("continuum minimum relative scale must be a non-negative number");
}

namespace {

// Design matrix in compact form: every row has `width` consecutive non-zero basis values
// starting at column first[i].
struct Basis {
    std::size_t nCoef = 0;
    std::size_t width = 0;
    std::vector<std::size_t> first;
    std::vector<double> values;  // row-major, width per row
};

Basis bsplineBasis(const std::vector<double>& w, double spacing)
{
    const std::size_t n = w.size();
    const double lo = w.front(), hi = w.back();
    const auto nInt = static_cast<std::size_t>(std::max(1.0, std::round((hi - lo) / spacing)));
    const double step = (hi - lo) / static_cast<double>(nInt);
    Basis b;
    b.nCoef = nInt + 3;
    b.width = 4;
    b.first.resize(n);
    b.values.resize(4 * n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = (w[i] - lo) / step;
        const auto j = std::min(static_cast<std::size_t>(std::max(0.0, std::floor(t))), nInt - 1);
        const double u = t - static_cast<double>(j);
        const double u2 = u * u, u3 = u2 * u, v = 1.0 - u;
        b.first[i] = j;
        double* r = &b.values[4 * i];
        r[0] = v * v * v / 6.0;
        r[1] = (3.0 * u3 - 6.0 * u2 + 4.0) / 6.0;
        r[2] = (-3.0 * u3 + 3.0 * u2 + 3.0 * u + 1.0) / 6.0;
        r[3] = u3 / 6.0;
    }
    return b;
}

Basis legendreBasis(const std::vector<double>& w, int order)
{
    const std::size_t n = w.size();
    const double lo = w.front(), hi = w.back();
    Basis b;
    b.nCoef = static_cast<std::size_t>(order) + 1;
    b.width = b.nCoef;
    b.first.assign(n, 0);
    b.values.resize(b.nCoef * n);
    for (std::size_t i = 0; i < n; ++i) {
        const double x = hi > lo ? 2.0 * (w[i] - lo) / (hi - lo) - 1.0 : 0.0;
        double* r = &b.values[b.nCoef * i];
        r[0] = 1.0;
        if (b.nCoef > 1) r[1] = x;
        for (std::size_t k = 2; k < b.nCoef; ++k) {
            const auto kd = static_cast<double>(k);
            r[k] = ((2.0 * kd - 1.0) * x * r[k - 1] - (kd - 1.0) * r[k - 2]) / kd;
        }
    }
    return b;
}

double median(std::vector<double>& v)
{
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

// Local noise per chunk (chunkOf[i]) from adjacent unmasked pixels: the 20th percentile of
// |f[i+1] - f[i]|, which for white noise of sigma is 0.3583 sigma. Lines change the flux from pixel
// to pixel on their flanks, but at their cores and between them the steps are small: a low percentile
// of the steps is the noise even in a dense line forest, and near 0 for a noiseless spectrum (where
// the median of the steps, or of DER_SNR's second differences, would be the line structure).
std::vector<double> lowStepNoise(const Spectrum& in, const std::vector<std::size_t>& chunkOf, std::size_t chunks)
{
    std::vector<std::vector<double>> d(chunks);
    for (std::size_t i = 0; i + 1 < in.size(); ++i)
        if (!in.mask[i] && !in.mask[i + 1] && chunkOf[i] == chunkOf[i + 1])
            d[chunkOf[i]].push_back(std::abs(in.flux[i + 1] - in.flux[i]));
    std::vector<double> out(chunks, 0.0);
    for (std::size_t c = 0; c < chunks; ++c) {
        auto& v = d[c];
        if (v.size() < 10) continue;
        const auto k = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 5);
        std::nth_element(v.begin(), k, v.end());
        out[c] = *k / 0.3583;
    }
    return out;
}

// The same scale from the pixels kept by the previous clip (adjacent pairs both kept): 1.4826/sqrt(2) x
// the median |f[i+1] - f[i]|. Near the envelope these are continuum pixels (noise) or flat tops of the
// forest; 0 where fewer than 8 pairs (the caller keeps its previous estimate).
std::vector<double> keptPairScale(const Spectrum& in, const std::vector<std::uint8_t>& kept,
                                  const std::vector<std::size_t>& chunkOf, std::size_t chunks)
{
    std::vector<std::vector<double>> d(chunks);
    for (std::size_t i = 0; i + 1 < in.size(); ++i)
        if (kept[i] && kept[i + 1] && chunkOf[i] == chunkOf[i + 1])
            d[chunkOf[i]].push_back(std::abs(in.flux[i + 1] - in.flux[i]));
    std::vector<double> out(chunks, 0.0);
    for (std::size_t c = 0; c < chunks; ++c)
        if (d[c].size() >= 8) out[c] = 1.0483 * median(d[c]);
    return out;
}

}  // namespace

std::vector<double> fitContinuum(const Spectrum& in, const ContinuumOptions& options)
{
    options.validate();
    const std::size_t n = in.size();
    const std::string& file = in.provenance.file;
    if (n < 2 || in.flux.size() != n || in.mask.size() != n)
        throw Error("continuum fitting needs a spectrum of at least 2 pixels with consistent arrays", file,
                    in.provenance.hdu);
    const Basis basis = options.method == ContinuumMethod::BSpline
                            ? bsplineBasis(in.wavelength, options.knotSpacing)
                            : legendreBasis(in.wavelength, options.legendreOrder);
    const std::size_t nc = basis.nCoef, bw = basis.width;

    std::vector<std::uint8_t> kept(n);
    std::vector<double> goodFlux;
    goodFlux.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        kept[i] = in.mask[i] ? 0 : 1;
        if (kept[i]) goodFlux.push_back(in.flux[i]);
    }
    if (goodFlux.size() < nc)
        throw Error("too few unmasked pixels (" + std::to_string(goodFlux.size()) + ") to fit a continuum with " +
                        std::to_string(nc) + " parameters",
                    file, in.provenance.hdu);
    const double scaleFloor = options.minRelativeScale * std::abs(median(goodFlux));

    // Chunks for the noise and the keep-guard: the B-spline knot intervals, else 20 equal stretches.
    std::vector<std::size_t> chunkOf(n);
    std::size_t chunks = 1;
    if (bw == 4) {
        for (std::size_t i = 0; i < n; ++i) chunkOf[i] = basis.first[i];
        chunks = nc - 3;
    } else {
        chunks = 20;
        for (std::size_t i = 0; i < n; ++i) chunkOf[i] = std::min(chunks - 1, i * chunks / n);
    }
    std::vector<double> noise = lowStepNoise(in, chunkOf, chunks);
    // Windows: eighths of each chunk. The first fit goes through the second-highest pixel of every window
    // (robust to one cosmic ray), so the clipping descends onto the envelope instead of climbing out of a
    // line forest; and every window keeps at least its two highest pixels (relative to the fit), so a
    // stretch without any pixel at the continuum is fitted from its top and no spline piece is left to
    // swing free. iterations = 1 is one plain fit of all unmasked pixels.
    constexpr std::size_t kWindowsPerChunk = 8;
    const std::size_t windows = chunks * kWindowsPerChunk;
    std::vector<std::size_t> windowOf(n);
    for (std::size_t i = 0; i < n;) {
        const std::size_t c = chunkOf[i];
        std::size_t e = i;
        while (e < n && chunkOf[e] == c) ++e;
        for (std::size_t k = i; k < e; ++k) windowOf[k] = c * kWindowsPerChunk + (k - i) * kWindowsPerChunk / (e - i);
        i = e;
    }
    std::vector<std::size_t> windowGood(windows, 0);
    for (std::size_t i = 0; i < n; ++i)
        if (!in.mask[i]) ++windowGood[windowOf[i]];
    if (options.iterations > 1) {
        std::vector<std::size_t> best(windows, n), second(windows, n);
        for (std::size_t i = 0; i < n; ++i) {
            if (in.mask[i]) continue;
            const std::size_t w = windowOf[i];
            if (best[w] == n || in.flux[i] > in.flux[best[w]]) {
                second[w] = best[w];
                best[w] = i;
            } else if (second[w] == n || in.flux[i] > in.flux[second[w]]) {
                second[w] = i;
            }
        }
        std::vector<std::uint8_t> start(n, 0);
        std::size_t picked = 0;
        for (std::size_t w = 0; w < windows; ++w) {
            const std::size_t pick = second[w] != n ? second[w] : best[w];
            if (pick == n) continue;
            start[pick] = 1;
            ++picked;
        }
        if (picked >= 2 * nc) kept.swap(start);
    }

    // A weak second-difference penalty bridges coefficients without data (gaps, long masks).
    const double ridge = 1e-8;
    Eigen::MatrixXd ata(nc, nc);
    Eigen::VectorXd atb(nc), coef = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(nc));
    std::vector<double> fit(n, 0.0), resid;
    resid.reserve(n);
    std::vector<std::uint8_t> next(n);
    std::vector<std::size_t> windowKept(windows);
    struct Candidate {
        bool belowUpper;
        double key;  // larger first
        std::size_t pixel;
    };
    std::vector<std::vector<Candidate>> candidates(windows);
    for (int iter = 0; iter < options.iterations; ++iter) {
        ata.setZero();
        atb.setZero();
        std::size_t count = 0;
        if (bw == 4) {
            // B-spline rows: basis.first is non-decreasing along the (increasing) wavelength axis, so the
            // 4x4 block of one knot interval is summed locally and added to the normal matrix once.
            double blk[4][4] = {}, rhs[4] = {};
            std::size_t cur = basis.first.empty() ? 0 : basis.first[0];
            auto flush = [&] {
                const auto c0 = static_cast<Eigen::Index>(cur);
                for (std::size_t a = 0; a < 4; ++a) {
                    atb(c0 + static_cast<Eigen::Index>(a)) += rhs[a];
                    rhs[a] = 0;
                    for (std::size_t b = 0; b <= a; ++b) {
                        ata(c0 + static_cast<Eigen::Index>(a), c0 + static_cast<Eigen::Index>(b)) += blk[a][b];
                        blk[a][b] = 0;
                    }
                }
            };
            for (std::size_t i = 0; i < n; ++i) {
                if (!kept[i]) continue;
                ++count;
                if (basis.first[i] != cur) {
                    flush();
                    cur = basis.first[i];
                }
                const double* r = &basis.values[4 * i];
                const double f = in.flux[i];
                for (std::size_t a = 0; a < 4; ++a) {
                    rhs[a] += r[a] * f;
                    for (std::size_t b = 0; b <= a; ++b) blk[a][b] += r[a] * r[b];
                }
            }
            flush();
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                if (!kept[i]) continue;
                ++count;
                const double* r = &basis.values[bw * i];
                const auto f0 = static_cast<Eigen::Index>(basis.first[i]);
                for (std::size_t a = 0; a < bw; ++a) {
                    const auto ia = f0 + static_cast<Eigen::Index>(a);
                    atb(ia) += r[a] * in.flux[i];
                    for (std::size_t b = 0; b <= a; ++b) ata(ia, f0 + static_cast<Eigen::Index>(b)) += r[a] * r[b];
                }
            }
        }
        if (count < nc) break;  // keep the previous fit
        const double scale = ata.diagonal().mean() * ridge;
        if (options.method == ContinuumMethod::BSpline)
            for (std::size_t k = 0; k + 2 < nc; ++k) {
                const std::array<double, 3> d{1.0, -2.0, 1.0};
                for (std::size_t a = 0; a < 3; ++a)
                    for (std::size_t b = 0; b <= a; ++b)
                        ata(static_cast<Eigen::Index>(k + a), static_cast<Eigen::Index>(k + b)) += scale * d[a] * d[b];
            }
        else
            ata.diagonal().array() += scale;
        coef = ata.selfadjointView<Eigen::Lower>().ldlt().solve(atb);

        resid.clear();
        for (std::size_t i = 0; i < n; ++i) {
            const double* r = &basis.values[bw * i];
            double v = 0;
            for (std::size_t a = 0; a < bw; ++a) v += r[a] * coef(static_cast<Eigen::Index>(basis.first[i] + a));
            fit[i] = v;
            if (!in.mask[i]) resid.push_back(in.flux[i] - v);
        }
        // Broad scale of all residuals (1.4826 x median |r|): the upper clip, which only has to catch cosmic
        // rays and emission. Where most pixels are continuum it is the noise; in a line forest it is wide,
        // so that continuum pixels above a fit that sank into the lines pull it back up.
        for (double& r : resid) r = std::abs(r);
        const double broad = std::max(1.4826 * median(resid), scaleFloor);
        if (iter > 0) {
            const auto refined = keptPairScale(in, kept, chunkOf, chunks);
            for (std::size_t c = 0; c < chunks; ++c)
                if (refined[c] > 0) noise[c] = refined[c];
        }
        // Lower clip on the noise, not on the spread of the residuals: in a dense line forest the residuals
        // spread over the lines and a clip on their spread leaves the fit inside the forest (a K giant's
        // continuum then lands at 1.4 after normalization). On the noise, the fit climbs to the upper
        // envelope, where the continuum is.
        bool changed = false;
        std::size_t keptCount = 0;
        std::fill(windowKept.begin(), windowKept.end(), 0);
        for (auto& c : candidates) c.clear();
        for (std::size_t i = 0; i < n; ++i) {
            const double r = in.flux[i] - fit[i];
            const double sigma = std::max(noise[chunkOf[i]], scaleFloor);
            const double upper = options.upperSigma * std::max(broad, sigma);
            next[i] = (!in.mask[i] && r > -options.lowerSigma * sigma && r < upper) ? 1 : 0;
            if (next[i]) {
                ++windowKept[windowOf[i]];
            } else if (!in.mask[i]) {
                // Highest first; above the upper clip (cosmic rays) only after every pixel below it,
                // the nearest first.
                candidates[windowOf[i]].push_back({r < upper, r < upper ? r : upper - r, i});
            }
        }
        for (std::size_t w = 0; w < windows; ++w) {
            const std::size_t want = std::min<std::size_t>(windowGood[w], 2);
            if (windowKept[w] >= want || candidates[w].empty()) continue;
            auto& cand = candidates[w];
            const std::size_t add = std::min(cand.size(), want - windowKept[w]);
            std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(add), cand.end(),
                              [](const Candidate& a, const Candidate& b) {
                                  return a.belowUpper != b.belowUpper ? a.belowUpper : a.key > b.key;
                              });
            for (std::size_t k = 0; k < add; ++k) next[cand[k].pixel] = 1;
        }
        for (std::size_t i = 0; i < n; ++i) {
            changed = changed || next[i] != kept[i];
            keptCount += next[i];
        }
        if (!changed || keptCount < nc) break;
        kept.swap(next);
    }
    return fit;
}

Spectrum normalizeContinuum(const Spectrum& in, const ContinuumOptions& options, std::vector<double>* continuumOut)
{
    std::vector<double> c = fitContinuum(in, options);
    Spectrum out = in;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (!(c[i] > 0) || !std::isfinite(c[i])) {
            out.flux[i] = 0;
            out.ivar[i] = 0;
            out.mask[i] = 1;
            continue;
        }
        out.flux[i] = in.flux[i] / c[i];
        out.ivar[i] = in.ivar[i] * c[i] * c[i];
    }
    if (continuumOut) *continuumOut = std::move(c);
    return out;
}

}  // namespace remap
