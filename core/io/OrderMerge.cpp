#include "io/OrderMerge.h"

#include "base/Error.h"
#include "io/ReaderSupport.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace remap::io {

namespace {

constexpr double kTrimBlazeFraction = 0.1;  // trim where the blaze is below 10 % of its peak
constexpr double kTrimSnrFraction = 0.3;    // ... or the S/N below 30 % of the order's typical (~10 % blaze)
constexpr std::size_t kBlock = 32;          // pixels per block of the S/N profile

double quantile(std::vector<double> v, double q)
{
    if (v.empty()) return 0.0;
    const auto k = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

bool good(const EchelleOrder& o, std::size_t i)
{
    return (o.mask.empty() || !o.mask[i]) && std::isfinite(o.flux[i]);
}

// Least-squares Legendre polynomial of degree `degree` through (x in [-1, 1], y) with 0/1 weights.
std::vector<double> legendreFit(const std::vector<double>& x, const std::vector<double>& y,
                                const std::vector<char>& use, int degree)
{
    const auto m = static_cast<std::size_t>(degree + 1);
    std::vector<double> a(m * m, 0.0), b(m, 0.0), p(m);
    for (std::size_t k = 0; k < x.size(); ++k) {
        if (!use[k]) continue;
        p[0] = 1.0;
        if (m > 1) p[1] = x[k];
        for (std::size_t d = 2; d < m; ++d) {
            const auto dd = static_cast<double>(d);
            p[d] = ((2.0 * dd - 1.0) * x[k] * p[d - 1] - (dd - 1.0) * p[d - 2]) / dd;
        }
        for (std::size_t r = 0; r < m; ++r) {
            b[r] += p[r] * y[k];
            for (std::size_t c = 0; c < m; ++c) a[r * m + c] += p[r] * p[c];
        }
    }
    // Gaussian elimination with partial pivoting (m <= 5).
    for (std::size_t col = 0; col < m; ++col) {
        std::size_t piv = col;
        for (std::size_t r = col + 1; r < m; ++r)
            if (std::abs(a[r * m + col]) > std::abs(a[piv * m + col])) piv = r;
        if (std::abs(a[piv * m + col]) < 1e-300) return std::vector<double>(m, 0.0);
        if (piv != col) {
            for (std::size_t c = 0; c < m; ++c) std::swap(a[col * m + c], a[piv * m + c]);
            std::swap(b[col], b[piv]);
        }
        for (std::size_t r = col + 1; r < m; ++r) {
            const double f = a[r * m + col] / a[col * m + col];
            for (std::size_t c = col; c < m; ++c) a[r * m + c] -= f * a[col * m + c];
            b[r] -= f * b[col];
        }
    }
    std::vector<double> coef(m, 0.0);
    for (std::size_t r = m; r-- > 0;) {
        double s = b[r];
        for (std::size_t c = r + 1; c < m; ++c) s -= a[r * m + c] * coef[c];
        coef[r] = s / a[r * m + r];
    }
    return coef;
}

double legendreValue(const std::vector<double>& coef, double x)
{
    double sum = coef.empty() ? 0.0 : coef[0];
    double a = 1.0, b = x;
    if (coef.size() > 1) sum += coef[1] * x;
    for (std::size_t d = 2; d < coef.size(); ++d) {
        const auto dd = static_cast<double>(d);
        const double c = ((2.0 * dd - 1.0) * x * b - (dd - 1.0) * a) / dd;
        sum += coef[d] * c;
        a = b;
        b = c;
    }
    return sum;
}

// DER_SNR noise of the good pixels of [begin, end) (Stoehr et al. 2008); 0 when not estimable.
double blockNoise(const EchelleOrder& o, std::size_t begin, std::size_t end)
{
    std::vector<double> f;
    for (std::size_t i = begin; i < end; ++i)
        if (good(o, i)) f.push_back(o.flux[i]);
    if (f.size() < 8) return 0.0;
    std::vector<double> d;
    for (std::size_t i = 2; i + 2 < f.size(); ++i) d.push_back(std::abs(2.0 * f[i] - f[i - 2] - f[i + 2]));
    return 0.6052697 * quantile(d, 0.5);
}

// Typical S/N of each block of kBlock pixels: from ivar, else DER_SNR; +inf for noiseless blocks.
std::vector<double> blockSnr(const EchelleOrder& o)
{
    const std::size_t n = o.flux.size();
    std::vector<double> out;
    for (std::size_t b = 0; b < n; b += kBlock) {
        const std::size_t e = std::min(n, b + kBlock);
        std::vector<double> f;
        for (std::size_t i = b; i < e; ++i)
            if (good(o, i)) f.push_back(o.flux[i]);
        if (f.empty()) {
            out.push_back(0.0);
            continue;
        }
        const double level = quantile(f, 0.5);
        if (!o.ivar.empty()) {
            std::vector<double> s;
            for (std::size_t i = b; i < e; ++i)
                if (good(o, i) && o.ivar[i] > 0) s.push_back(o.flux[i] * std::sqrt(o.ivar[i]));
            out.push_back(s.empty() ? 0.0 : quantile(s, 0.5));
        } else {
            const double noise = blockNoise(o, b, e);
            out.push_back(noise > 0 ? level / noise : std::numeric_limits<double>::infinity());
        }
    }
    return out;
}

void reverseOrder(EchelleOrder& o)
{
    std::reverse(o.wavelength.begin(), o.wavelength.end());
    std::reverse(o.flux.begin(), o.flux.end());
    std::reverse(o.ivar.begin(), o.ivar.end());
    std::reverse(o.mask.begin(), o.mask.end());
    std::reverse(o.blaze.begin(), o.blaze.end());
}

}  // namespace

std::vector<double> estimateBlaze(const std::vector<double>& flux, const std::vector<std::uint8_t>& mask)
{
    const std::size_t n = flux.size();
    std::vector<double> out(n, 0.0);
    if (n < 2) return out;
    const std::size_t chunks = 20;
    std::vector<double> xs, ys;
    for (std::size_t c = 0; c < chunks; ++c) {
        const std::size_t b = c * n / chunks, e = (c + 1) * n / chunks;
        std::vector<double> v;
        for (std::size_t i = b; i < e; ++i)
            if ((mask.empty() || !mask[i]) && std::isfinite(flux[i])) v.push_back(flux[i]);
        if (v.size() < 5) continue;
        xs.push_back(2.0 * (0.5 * static_cast<double>(b + e - 1)) / static_cast<double>(n - 1) - 1.0);
        ys.push_back(quantile(v, 0.9));
    }
    if (xs.empty()) return out;
    const int degree = static_cast<int>(std::min<std::size_t>(4, xs.size() - 1));
    std::vector<char> use(xs.size(), 1);
    std::vector<double> coef = legendreFit(xs, ys, use, degree);
    for (int iter = 0; iter < 4; ++iter) {
        std::vector<double> r(xs.size());
        std::vector<double> absr;
        for (std::size_t k = 0; k < xs.size(); ++k) {
            r[k] = ys[k] - legendreValue(coef, xs[k]);
            if (use[k]) absr.push_back(std::abs(r[k]));
        }
        const double s = 1.4826 * quantile(absr, 0.5);
        std::size_t kept = 0;
        std::vector<char> next(xs.size(), 0);
        for (std::size_t k = 0; k < xs.size(); ++k) {
            next[k] = r[k] > -2.5 * s ? 1 : 0;
            kept += static_cast<std::size_t>(next[k]);
        }
        if (kept <= static_cast<std::size_t>(degree) + 1 || next == use) break;
        use = next;
        coef = legendreFit(xs, ys, use, degree);
    }
    for (std::size_t i = 0; i < n; ++i) {
        const double x = 2.0 * static_cast<double>(i) / static_cast<double>(n - 1) - 1.0;
        out[i] = std::max(0.0, legendreValue(coef, x));
    }
    return out;
}

bool ordersAreBlazeShaped(const std::vector<EchelleOrder>& orders, std::vector<std::vector<double>>* envelopes)
{
    std::size_t votes = 0, shaped = 0;
    if (envelopes) envelopes->assign(orders.size(), {});
    for (std::size_t k = 0; k < orders.size(); ++k) {
        const auto& o = orders[k];
        if (o.flux.size() < 100) continue;
        const auto env = estimateBlaze(o.flux, o.mask);
        if (envelopes) (*envelopes)[k] = env;
        const double peak = *std::max_element(env.begin(), env.end());
        if (!(peak > 0)) continue;
        const std::size_t n = env.size();
        const double left = env[n * 3 / 100], right = env[n - 1 - n * 3 / 100];
        ++votes;
        if (std::max(left, right) < 0.7 * peak) ++shaped;
    }
    return votes > 0 && 2 * shaped > votes;
}

MergedOrders mergeOrders(std::vector<EchelleOrder> orders)
{
    MergedOrders out;
    if (orders.empty()) throw std::invalid_argument("no orders to merge");
    bool fileBlaze = false, allIvar = true;
    for (auto& o : orders) {
        const std::size_t n = o.flux.size();
        if (o.wavelength.size() != n) throw std::invalid_argument("order arrays differ in length");
        if (n > 1 && o.wavelength.front() > o.wavelength.back()) reverseOrder(o);
        if (o.mask.empty()) o.mask.assign(n, 0);
        for (std::size_t i = 0; i < n; ++i) {
            if (!std::isfinite(o.flux[i]) || !std::isfinite(o.wavelength[i])) o.mask[i] = 1;
            if (!o.ivar.empty() && !(o.ivar[i] > 0 && std::isfinite(o.ivar[i]))) o.mask[i] = 1;
        }
        fileBlaze = fileBlaze || !o.blaze.empty();
        allIvar = allIvar && !o.ivar.empty();
    }
    // Blaze: the file's for every order that has one; estimated for raw orders without.
    std::vector<std::vector<double>> envelopes;
    const bool raw = !fileBlaze && ordersAreBlazeShaped(orders, &envelopes);
    out.dividedByBlaze = fileBlaze || raw;
    out.blazeEstimated = raw;
    if (out.dividedByBlaze) {
        for (std::size_t k = 0; k < orders.size(); ++k) {
            auto& o = orders[k];
            if (o.blaze.empty())
                o.blaze = k < envelopes.size() && !envelopes[k].empty() ? std::move(envelopes[k])
                                                                        : estimateBlaze(o.flux, o.mask);
            for (std::size_t i = 0; i < o.flux.size(); ++i) {
                const double b = o.blaze[i];
                if (!(b > 0) || !std::isfinite(b)) {
                    o.mask[i] = 1;
                    continue;
                }
                o.flux[i] /= b;
                if (!o.ivar.empty()) o.ivar[i] *= b * b;
            }
        }
    }

    // Trim the ends where the signal collapses.
    for (auto& o : orders) {
        const std::size_t n = o.flux.size();
        std::size_t first = 0, last = n;  // kept: [first, last)
        if (out.dividedByBlaze) {
            double peak = 0;
            for (double b : o.blaze)
                if (std::isfinite(b)) peak = std::max(peak, b);
            while (first < n && !(o.blaze[first] >= kTrimBlazeFraction * peak)) ++first;
            while (last > first && !(o.blaze[last - 1] >= kTrimBlazeFraction * peak)) --last;
        } else {
            const auto snr = blockSnr(o);
            const double typical = quantile(snr, 0.9);
            if (std::isfinite(typical) && typical > 0) {
                std::size_t b0 = 0, b1 = snr.size();
                while (b0 < b1 && snr[b0] < kTrimSnrFraction * typical) ++b0;
                while (b1 > b0 && snr[b1 - 1] < kTrimSnrFraction * typical) --b1;
                first = std::min(n, b0 * kBlock);
                last = std::max(first, std::min(n, b1 * kBlock));
            }
        }
        for (std::size_t i = 0; i < n; ++i)
            if ((i < first || i >= last) && !o.mask[i]) {
                o.mask[i] = 1;
                ++out.trimmed;
            }
    }

    // Per-pixel weights (for orders without uncertainty) and the grid.
    std::vector<std::vector<double>> weights(orders.size());
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, step = lo;
    for (std::size_t k = 0; k < orders.size(); ++k) {
        auto& o = orders[k];
        const std::size_t n = o.flux.size();
        if (o.ivar.empty()) {
            weights[k].assign(n, 1.0);
            if (out.dividedByBlaze) {
                for (std::size_t i = 0; i < n; ++i) weights[k][i] = std::max(0.0, o.blaze[i]);
            } else {
                for (std::size_t b = 0; b < n; b += kBlock) {
                    const std::size_t e = std::min(n, b + kBlock);
                    const double noise = blockNoise(o, b, e);
                    for (std::size_t i = b; i < e; ++i) weights[k][i] = noise > 0 ? 1.0 / (noise * noise) : 1.0;
                }
            }
        }
        std::vector<double> steps;
        for (std::size_t i = 0; i + 1 < n; ++i) {
            if (o.mask[i] || o.mask[i + 1]) continue;
            const double s = std::log(o.wavelength[i + 1] / o.wavelength[i]);
            if (s > 0) steps.push_back(s);
            lo = std::min(lo, o.wavelength[i]);
            hi = std::max(hi, o.wavelength[i + 1]);
        }
        if (!steps.empty()) step = std::min(step, quantile(steps, 0.5));
    }
    if (!(hi > lo) || !std::isfinite(step) || !(step > 0))
        throw std::invalid_argument("no order has two adjacent usable pixels");
    const double span = std::log(hi / lo);
    const auto m = static_cast<std::size_t>(std::floor(span / step + 1e-9)) + 1;
    if (m > 50'000'000) throw std::invalid_argument("the merged grid would exceed 50 million pixels");
    out.wavelength.resize(m);
    const double ratio = std::exp(step);
    for (std::size_t g = 0; g < m; ++g)  // exact every 4096 pixels, a product in between
        out.wavelength[g] =
            g % 4096 == 0 ? lo * std::exp(step * static_cast<double>(g)) : out.wavelength[g - 1] * ratio;
    std::vector<double> sumW(m, 0.0), sumWF(m, 0.0);

    for (std::size_t k = 0; k < orders.size(); ++k) {
        const auto& o = orders[k];
        const std::size_t n = o.flux.size();
        if (n < 2) continue;
        std::size_t j = 0;
        const auto gFirst =
            static_cast<std::size_t>(std::max(0.0, std::ceil(std::log(o.wavelength.front() / lo) / step - 1e-9)));
        for (std::size_t g = gFirst; g < m; ++g) {
            const double x = out.wavelength[g];
            if (x > o.wavelength.back()) break;
            while (j + 2 < n && o.wavelength[j + 1] <= x) ++j;
            if (x < o.wavelength[j]) continue;
            if (o.mask[j] || o.mask[j + 1]) continue;
            const double t = std::clamp((x - o.wavelength[j]) / (o.wavelength[j + 1] - o.wavelength[j]), 0.0, 1.0);
            const double f = (1.0 - t) * o.flux[j] + t * o.flux[j + 1];
            double w = 0;
            if (!o.ivar.empty()) {
                w = 1.0 / ((1.0 - t) / o.ivar[j] + t / o.ivar[j + 1]);
            } else {
                w = (1.0 - t) * weights[k][j] + t * weights[k][j + 1];
            }
            if (!(w > 0) || !std::isfinite(w)) continue;
            sumW[g] += w;
            sumWF[g] += w * f;
        }
    }
    out.flux.assign(m, 0.0);
    out.ivar.assign(m, 0.0);
    out.mask.assign(m, 0);
    for (std::size_t g = 0; g < m; ++g) {
        if (sumW[g] > 0) {
            out.flux[g] = sumWF[g] / sumW[g];
            if (allIvar) out.ivar[g] = sumW[g];
        } else {
            out.mask[g] = 1;
        }
    }
    return out;
}

bool ordersOverlapLikeApertures(const std::vector<EchelleOrder>& orders)
{
    struct Range {
        double lo, hi;
    };
    std::vector<Range> r;
    for (const auto& o : orders) {
        if (o.wavelength.size() < 2) continue;
        const auto [a, b] = std::minmax_element(o.wavelength.begin(), o.wavelength.end());
        r.push_back({*a, *b});
    }
    if (r.size() < 2) return false;
    std::sort(r.begin(), r.end(), [](const Range& x, const Range& y) { return x.lo < y.lo; });
    std::vector<double> overlaps;
    for (std::size_t k = 0; k + 1 < r.size(); ++k) {
        const double ov = std::min(r[k].hi, r[k + 1].hi) - r[k + 1].lo;
        const double shorter = std::min(r[k].hi - r[k].lo, r[k + 1].hi - r[k + 1].lo);
        overlaps.push_back(shorter > 0 ? std::max(0.0, ov) / shorter : 0.0);
    }
    return quantile(overlaps, 0.5) > 0.5;
}

void assembleOrders(std::vector<EchelleOrder> orders, int pick, Spectrum& s)
{
    const std::string& file = s.provenance.file;
    const int hdu = s.provenance.hdu;
    if (orders.empty()) throw Error("the file holds no order with a wavelength solution", file, hdu);
    const auto single = [&](EchelleOrder& o) {
        s.wavelength = std::move(o.wavelength);
        s.flux = std::move(o.flux);
        s.ivar = std::move(o.ivar);
        s.mask = std::move(o.mask);
        s.provenance.orders = 1;
        s.metadata["order"] = std::to_string(o.number);
    };
    if (pick > 0) {
        for (auto& o : orders)
            if (o.number == pick) {
                single(o);
                return;
            }
        throw Error("order " + std::to_string(pick) + " is not in the file: it holds orders 1-" +
                        std::to_string(orders.back().number) + " (--order picks one, 0 merges them)",
                    file, hdu);
    }
    if (orders.size() == 1) {
        single(orders.front());
        return;
    }
    if (ordersOverlapLikeApertures(orders)) {
        s.warnings.push_back("the file holds " + std::to_string(orders.size()) +
                             " spectra that cover the same wavelengths (apertures of a multi-object file, not "
                             "echelle orders); the first was read, --order N picks another");
        single(orders.front());
        return;
    }
    const std::size_t count = orders.size();
    MergedOrders m;
    try {
        m = mergeOrders(std::move(orders));
    } catch (const std::invalid_argument& e) {
        throw Error(std::string("the orders cannot be merged: ") + e.what() + " (--order N reads one)", file, hdu);
    }
    s.wavelength = std::move(m.wavelength);
    s.flux = std::move(m.flux);
    s.ivar = std::move(m.ivar);
    s.mask = std::move(m.mask);
    s.provenance.orders = static_cast<int>(count);
    s.provenance.masked.trimmed = m.trimmed;
    if (m.dividedByBlaze) {
        s.fluxUnit = "relative (divided by the blaze)";
        s.warnings.push_back(
            std::string("the orders are counts through the blaze function; each was divided by ") +
            (m.blazeEstimated ? "an estimate of its blaze (its upper envelope)" : "the blaze the file gives") +
            " before merging, so the merged flux is relative");
    }
    if (m.trimmed)
        s.warnings.push_back(std::to_string(m.trimmed) +
                             " pixels at order edges where the signal collapses were left out of the merge");
}

}  // namespace remap::io
