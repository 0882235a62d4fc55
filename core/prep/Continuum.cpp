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

    // A weak second-difference penalty bridges coefficients without data (gaps, long masks).
    const double ridge = 1e-8;
    Eigen::MatrixXd ata(nc, nc);
    Eigen::VectorXd atb(nc), coef = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(nc));
    std::vector<double> fit(n, 0.0), resid;
    resid.reserve(n);
    std::vector<std::uint8_t> next(n);
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
            if (kept[i]) resid.push_back(in.flux[i] - v);
        }
        // Robust scale: 1.4826 x median |residual| (the least-squares fit centres the kept residuals,
        // so this equals the MAD at convergence; one selection instead of two).
        for (double& r : resid) r = std::abs(r);
        const double sigma = std::max(1.4826 * median(resid), scaleFloor);
        bool changed = false;
        std::size_t keptCount = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double r = in.flux[i] - fit[i];
            next[i] = (!in.mask[i] && r > -options.lowerSigma * sigma && r < options.upperSigma * sigma) ? 1 : 0;
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
