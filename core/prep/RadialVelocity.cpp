#include "RadialVelocity.h"

#include "AirVacuum.h"
#include "Resample.h"
#include "base/Error.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace remap {

double dopplerFactor(double rvKms)
{
    const double beta = rvKms / kSpeedOfLightKms;
    if (!(std::abs(beta) < 1.0)) throw Error("a radial velocity must be below the speed of light in magnitude");
    return std::sqrt((1.0 + beta) / (1.0 - beta));
}

Spectrum shiftToRest(const Spectrum& in, double rvKms)
{
    const double d = dopplerFactor(rvKms);
    Spectrum out = in;
    for (double& w : out.wavelength) w /= d;
    return out;
}

Spectrum shiftToObserved(const Spectrum& in, double rvKms)
{
    const double d = dopplerFactor(rvKms);
    Spectrum out = in;
    for (double& w : out.wavelength) w *= d;
    return out;
}

void RvOptions::validate() const
{
    if (!(minKms < maxKms) || !std::isfinite(minKms) || !std::isfinite(maxKms) ||
        std::abs(minKms) >= 0.5 * kSpeedOfLightKms || std::abs(maxKms) >= 0.5 * kSpeedOfLightKms)
        throw Error("the radial-velocity search range must satisfy min < max, both below c/2 in magnitude");
    if (!(minLnStep >= 0 && minLnStep < 0.01)) throw Error("the radial-velocity minimum ln step must lie in [0, 0.01)");
    continuum.validate();
}

namespace {

constexpr double kMinPeak = 0.1;          // minimum Pearson correlation at the peak
constexpr double kMinSignificance = 5.0;  // minimum peak height over the CCF's robust spread

// Median step of ln(lambda) between neighbouring pixels (subsampled on long spectra).
double medianLnStep(const std::vector<double>& w)
{
    const std::size_t n = w.size();
    const std::size_t stride = std::max<std::size_t>(1, (n - 1) / 20000);
    std::vector<double> d;
    for (std::size_t i = 0; i + 1 < n; i += stride) d.push_back(std::log(w[i + 1] / w[i]));
    const auto mid = d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2);
    std::nth_element(d.begin(), mid, d.end());
    return *mid;
}

std::vector<double> uniformLnGrid(double x0, double h, std::size_t n)
{
    std::vector<double> g(n);
    for (std::size_t i = 0; i < n; ++i) g[i] = std::exp(x0 + static_cast<double>(i) * h);
    return g;
}

// Continuum-normalized line depth (1 - f/c) and weight (1 good, 0 masked) of a spectrum binned onto
// a uniform ln grid.
void depthOnGrid(const Spectrum& in, double x0, double h, std::size_t n, const ContinuumOptions& continuum,
                 std::vector<double>& depth, std::vector<double>& weight)
{
    const Spectrum binned = resampleFluxConserving(in, uniformLnGrid(x0, h, n));
    const std::vector<double> c = fitContinuum(binned, continuum);
    depth.assign(n, 0.0);
    weight.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        if (binned.mask[i] || !(c[i] > 0)) continue;
        depth[i] = 1.0 - binned.flux[i] / c[i];
        weight[i] = 1.0;
    }
}

struct Pearson {
    double r = 0;
    double n = 0;
};

Eigen::Map<const Eigen::ArrayXd> view(const std::vector<double>& v)
{
    return {v.data(), static_cast<Eigen::Index>(v.size())};
}

// Pearson correlation over the pixels where both weights are 1 (weights are 0 or 1).
Pearson pearson(const std::vector<double>& a, const std::vector<double>& wa, const std::vector<double>& b,
                const std::vector<double>& wb)
{
    const auto A = view(a), B = view(b);
    const Eigen::ArrayXd w = view(wa) * view(wb);
    const Eigen::ArrayXd wA = w * A, wB = w * B;
    const double n = w.sum(), sa = wA.sum(), sb = wB.sum();
    const double saa = (wA * A).sum(), sbb = (wB * B).sum(), sab = (wA * B).sum();
    const double va = n * saa - sa * sa, vb = n * sbb - sb * sb;
    Pearson p;
    p.n = n;
    if (n < 3 || !(va > 0) || !(vb > 0)) return p;
    p.r = (n * sab - sa * sb) / std::sqrt(va * vb);
    return p;
}

// Vertex and curvature of the least-squares parabola through (x, y).
bool parabola(const std::vector<double>& x, const std::vector<double>& y, double& vertex, double& curvature)
{
    // Fit y = c0 + c1 t + c2 t^2 with t = x - x[mid] for conditioning.
    const double xm = x[x.size() / 2];
    double s[5] = {0, 0, 0, 0, 0}, r[3] = {0, 0, 0};
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = x[i] - xm;
        double p = 1;
        for (int k = 0; k < 5; ++k) {
            if (k < 3) r[k] += p * y[i];
            s[k] += p;
            p *= t;
        }
    }
    // Normal equations [[s0 s1 s2][s1 s2 s3][s2 s3 s4]] c = r, solved by Cramer's rule.
    auto det3 = [](double a, double b, double c, double d, double e, double f, double g, double h, double i) {
        return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    };
    const double D = det3(s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]);
    if (D == 0) return false;
    const double c1 = det3(s[0], r[0], s[2], s[1], r[1], s[3], s[2], r[2], s[4]) / D;
    const double c2 = det3(s[0], s[1], r[0], s[1], s[2], r[1], s[2], s[3], r[2]) / D;
    if (!(c2 < 0)) return false;
    vertex = xm - c1 / (2.0 * c2);
    curvature = 2.0 * c2;
    return true;
}

std::string formatKms(double v)
{
    std::ostringstream s;
    s.precision(4);
    s << v;
    return s.str();
}

}  // namespace

struct RadialVelocityEstimator::Impl {
    RvOptions options;
    Medium medium = Medium::Unknown;
    // Template depth x weight and weight on a uniform ln grid, as cumulative integrals of their
    // piecewise-linear interpolants at the knots x0 + j h.
    double x0 = 0, h = 0, invH = 0;
    std::vector<double> dw, w, cumDw, cumW;

    // Integrals of the depth x weight and weight interpolants from x0 to t.
    void integrals(double t, double& iDw, double& iW) const
    {
        const double u = (t - x0) * invH;
        const std::size_t last = w.size() - 1;
        if (u <= 0) {
            iDw = iW = 0.0;
            return;
        }
        if (u >= static_cast<double>(last)) {
            iDw = cumDw[last];
            iW = cumW[last];
            return;
        }
        const auto j = static_cast<std::size_t>(u);
        const double f = u - static_cast<double>(j);
        const double half = 0.5 * f * h;
        iDw = cumDw[j] + half * (2.0 * dw[j] + f * (dw[j + 1] - dw[j]));
        iW = cumW[j] + half * (2.0 * w[j] + f * (w[j + 1] - w[j]));
    }

    // Template depth and weight binned onto x_i - s for the grid x_i = gx0 + i gh, i < n.
    void templateAt(double gx0, double gh, std::size_t n, double s, std::vector<double>& depth,
                    std::vector<double>& weight) const
    {
        depth.assign(n, 0.0);
        weight.assign(n, 0.0);
        double pDw = 0, pW = 0;
        integrals(gx0 - s - 0.5 * gh, pDw, pW);
        for (std::size_t i = 0; i < n; ++i) {
            double cDw = 0, cW = 0;
            integrals(gx0 - s + (static_cast<double>(i) + 0.5) * gh, cDw, cW);
            if (cW - pW > 0.5 * gh) {
                depth[i] = (cDw - pDw) / (cW - pW);
                weight[i] = 1.0;
            }
            pDw = cDw;
            pW = cW;
        }
    }
};

RadialVelocityEstimator::RadialVelocityEstimator(const Spectrum& tpl, RvOptions options)
    : impl_(std::make_unique<Impl>())
{
    options.validate();
    if (tpl.size() < 16) throw Error("the radial-velocity template needs at least 16 pixels", tpl.provenance.file);
    impl_->options = options;
    impl_->medium = tpl.medium;
    Impl& m = *impl_;
    m.h = medianLnStep(tpl.wavelength);
    if (!(m.h > 0)) throw Error("the radial-velocity template has no usable wavelength step", tpl.provenance.file);
    m.invH = 1.0 / m.h;
    m.x0 = std::log(tpl.wavelength.front());
    const auto n = static_cast<std::size_t>(std::floor((std::log(tpl.wavelength.back()) - m.x0) / m.h)) + 1;
    std::vector<double> depth;
    depthOnGrid(tpl, m.x0, m.h, n, options.continuum, depth, m.w);
    m.dw.resize(n);
    for (std::size_t i = 0; i < n; ++i) m.dw[i] = depth[i] * m.w[i];
    m.cumDw.assign(n, 0.0);
    m.cumW.assign(n, 0.0);
    for (std::size_t i = 1; i < n; ++i) {
        m.cumDw[i] = m.cumDw[i - 1] + 0.5 * m.h * (m.dw[i - 1] + m.dw[i]);
        m.cumW[i] = m.cumW[i - 1] + 0.5 * m.h * (m.w[i - 1] + m.w[i]);
    }
}

RadialVelocityEstimator::~RadialVelocityEstimator() = default;
RadialVelocityEstimator::RadialVelocityEstimator(RadialVelocityEstimator&&) noexcept = default;
RadialVelocityEstimator& RadialVelocityEstimator::operator=(RadialVelocityEstimator&&) noexcept = default;

const RvOptions& RadialVelocityEstimator::options() const
{
    return impl_->options;
}

RvResult RadialVelocityEstimator::estimate(const Spectrum& observedIn) const
{
    const Impl& m = *impl_;
    RvResult result;
    if (observedIn.size() < 16) {
        result.warning = "too few pixels for a radial velocity";
        return result;
    }
    const Spectrum* observed = &observedIn;
    Spectrum converted;
    if (m.medium != Medium::Unknown && observedIn.medium != Medium::Unknown && observedIn.medium != m.medium) {
        converted = toMedium(observedIn, m.medium);
        observed = &converted;
    }
    const double h = std::max({medianLnStep(observed->wavelength), m.h, m.options.minLnStep});
    const double gx0 = std::log(observed->wavelength.front());
    const auto n = static_cast<std::size_t>(std::floor((std::log(observed->wavelength.back()) - gx0) / h)) + 1;
    if (n < 16) {
        result.warning = "too few pixels for a radial velocity";
        return result;
    }
    std::vector<double> depth, weight;
    depthOnGrid(*observed, gx0, h, n, m.options.continuum, depth, weight);

    const double sMin = std::atanh(m.options.minKms / kSpeedOfLightKms);
    const double sMax = std::atanh(m.options.maxKms / kSpeedOfLightKms);
    const auto kMin = static_cast<std::ptrdiff_t>(std::ceil(sMin / h));
    const auto kMax = static_cast<std::ptrdiff_t>(std::floor(sMax / h));
    if (kMax - kMin < 4) {
        result.warning = "the radial-velocity search range spans fewer than 5 pixels";
        return result;
    }

    // Coarse stage: raw correlation of observed depth with the template at every integer lag.
    // Template values for lag k at pixel i sit at ext[i - k + kMax].
    std::vector<double> extDepth, extWeight;
    const std::size_t nExt = n + static_cast<std::size_t>(kMax - kMin);
    m.templateAt(gx0 - static_cast<double>(kMax) * h, h, nExt, 0.0, extDepth, extWeight);
    std::vector<double> a(n), t(nExt);
    for (std::size_t i = 0; i < n; ++i) a[i] = depth[i] * weight[i];
    for (std::size_t j = 0; j < nExt; ++j) t[j] = extDepth[j] * extWeight[j];
    const Eigen::Map<const Eigen::VectorXd> aVec(a.data(), static_cast<Eigen::Index>(n));
    std::ptrdiff_t best = kMin;
    double bestValue = -1e300;
    std::vector<double> coarse;
    coarse.reserve(static_cast<std::size_t>(kMax - kMin + 1));
    for (std::ptrdiff_t k = kMin; k <= kMax; ++k) {
        const Eigen::Map<const Eigen::VectorXd> tk(t.data() + (kMax - k), static_cast<Eigen::Index>(n));
        const double s = aVec.dot(tk);
        coarse.push_back(s);
        if (s > bestValue) {
            bestValue = s;
            best = k;
        }
    }
    // Significance of the coarse peak against the spread of the CCF over the search range.
    auto mid = coarse.begin() + static_cast<std::ptrdiff_t>(coarse.size() / 2);
    std::nth_element(coarse.begin(), mid, coarse.end());
    const double ccfMedian = *mid;
    for (double& v : coarse) v = std::abs(v - ccfMedian);
    std::nth_element(coarse.begin(), mid, coarse.end());
    const double ccfSpread = 1.4826 * *mid;
    const double significance = ccfSpread > 0 ? (bestValue - ccfMedian) / ccfSpread : 1e9;

    // Refinement: Pearson CCF at integer lags around the coarse peak, then at quarter-step shifts.
    std::vector<double> td, tw;
    auto ccfAt = [&](double s) {
        m.templateAt(gx0, h, n, s, td, tw);
        return pearson(depth, weight, td, tw);
    };
    std::vector<double> xs, ys;
    for (std::ptrdiff_t k = best - 1; k <= best + 1; ++k) {
        xs.push_back(static_cast<double>(k));
        ys.push_back(ccfAt(static_cast<double>(k) * h).r);
    }
    const std::size_t c = 1;
    double centre = xs[c];
    if (ys[c - 1] > 0 && ys[c] > 0 && ys[c + 1] > 0) {  // Gaussian through three points
        const double l0 = std::log(ys[c - 1]), l1 = std::log(ys[c]), l2 = std::log(ys[c + 1]);
        const double den = l0 - 2.0 * l1 + l2;
        if (den < 0) centre = xs[c] + 0.5 * (l0 - l2) / den;
    }
    centre = std::clamp(centre, xs[c] - 1.0, xs[c] + 1.0);
    if (centre <= static_cast<double>(kMin) + 0.5 || centre >= static_cast<double>(kMax) - 0.5) {
        result.warning = "the cross-correlation peak lies at the edge of the search range (" +
                         formatKms(m.options.minKms) + " to " + formatKms(m.options.maxKms) + " km/s)";
        return result;
    }
    xs.clear();
    ys.clear();
    double nUsed = 0;
    for (int j = -2; j <= 2; ++j) {
        const double lag = centre + 0.25 * j;
        const Pearson p = ccfAt(lag * h);
        xs.push_back(lag * h);
        ys.push_back(p.r);
        if (j == 0) nUsed = p.n;
    }
    double sPeak = centre * h, curvature = 0;
    if (!parabola(xs, ys, sPeak, curvature)) {
        result.warning = "the cross-correlation has no clear peak";
        return result;
    }
    sPeak = std::clamp(sPeak, xs.front(), xs.back());
    // Peak height from the fitted parabola (vertex value) rather than one more CCF evaluation.
    double peak = *std::max_element(ys.begin(), ys.end());
    {
        const double xm = xs[2], dx = sPeak - xm;
        const double slope = (ys[3] - ys[1]) / (xs[3] - xs[1]);
        peak = std::max(peak, ys[2] + slope * dx + 0.5 * curvature * dx * dx);
    }
    result.ccfPeak = peak;
    result.nPixels = static_cast<std::size_t>(nUsed);
    if (!(peak > kMinPeak) || significance < kMinSignificance || nUsed < 16) {
        result.warning = "the cross-correlation with the template is too weak (peak " + formatKms(peak) + ", " +
                         formatKms(significance) + " sigma above the CCF median)";
        return result;
    }
    result.rvKms = kSpeedOfLightKms * std::tanh(sPeak);
    // Zucker (2003) eq. 3: sigma_s^2 = -[N C''/C * C^2/(1 - C^2)]^-1, C'' in ln(lambda) units.
    const double c2 = std::min(peak * peak, 1.0 - 1e-15);
    const double var = -1.0 / (nUsed * (curvature / peak) * (c2 / (1.0 - c2)));
    const double th = std::tanh(sPeak);
    result.errKms = var > 0 ? kSpeedOfLightKms * (1.0 - th * th) * std::sqrt(var) : 0.0;
    result.ok = true;
    return result;
}

RvResult estimateRadialVelocity(const Spectrum& observed, const Spectrum& rvTemplate, const RvOptions& options)
{
    return RadialVelocityEstimator(rvTemplate, options).estimate(observed);
}

}  // namespace remap
