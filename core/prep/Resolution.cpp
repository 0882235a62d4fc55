#include "Resolution.h"

#include "Resample.h"
#include "base/Error.h"

#include <unsupported/Eigen/FFT>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <sstream>

namespace remap {

namespace {

constexpr double kFwhmPerSigma = 2.3548200450309493;  // 2 sqrt(2 ln 2)
constexpr double kMaskedWeightLimit = 0.2;
constexpr double kKernelHalfWidthSigmas = 5.0;
constexpr double kStepPerSigma = 0.2;

std::string formatR(double r)
{
    std::ostringstream s;
    s.precision(6);
    s << r;
    return s.str();
}

void checkInput(const Spectrum& in, double resolvingPower)
{
    const std::string& file = in.provenance.file;
    if (!(resolvingPower > 0) || !std::isfinite(resolvingPower))
        throw Error("the target resolving power must be a positive number, got " + formatR(resolvingPower), file,
                    in.provenance.hdu);
    if (in.size() < 2) throw Error("degrading the resolution needs at least 2 pixels", file, in.provenance.hdu);
    if (in.flux.size() != in.size() || in.ivar.size() != in.size() || in.mask.size() != in.size())
        throw Error("inconsistent array lengths in spectrum", file, in.provenance.hdu);
    if (!(in.wavelength.front() > 0))
        throw Error("wavelengths must be positive to degrade the resolution", file, in.provenance.hdu);
    for (std::size_t i = 1; i < in.size(); ++i)
        if (!(in.wavelength[i] > in.wavelength[i - 1]))
            throw Error("the wavelength axis is not strictly increasing at pixel " + std::to_string(i), file,
                        in.provenance.hdu);
}

// Convolved running sums on a uniform ln(lambda) grid x_k = x0 + k h.
struct LogGridSums {
    double x0 = 0, h = 0;
    std::size_t n = 0;
    std::vector<double> fw, w;  // smoothed (flux x goodWeight) and goodWeight
    std::vector<double> vu, u;  // smoothed (variance density x knownWeight) and knownWeight
    bool hasVariance = false;
    std::vector<double> x;  // ln(lambda) of the input pixels
};

// Bin averages over [x0 + (k - 1/2) h, x0 + (k + 1/2) h] of the piecewise-linear interpolants through
// (x_i, y_i) for several arrays at once (a null array stands for all ones); zero outside
// [x_0, x_last]. One pass, no cumulative arrays.
void binAverages(const std::vector<double>& x, const std::vector<const std::vector<double>*>& ys, double x0, double h,
                 std::size_t n, std::vector<std::vector<double>>& out)
{
    const std::size_t nx = x.size();
    const std::size_t na = ys.size();
    std::vector<double> cumAtI(na, 0.0), prev(na, 0.0), cur(na, 0.0);
    out.assign(na, std::vector<double>(n, 0.0));
    auto y = [&](std::size_t a, std::size_t i) { return ys[a] ? (*ys[a])[i] : 1.0; };
    std::size_t i = 0;  // x[i] <= t < x[i + 1]; cumAtI = integral up to x[i]
    auto integralAt = [&](double t, std::vector<double>& value) {
        if (t <= x[0]) {
            std::fill(value.begin(), value.end(), 0.0);
            return;
        }
        while (i + 1 < nx && x[i + 1] <= t) {
            const double half = 0.5 * (x[i + 1] - x[i]);
            for (std::size_t a = 0; a < na; ++a) cumAtI[a] += half * (y(a, i) + y(a, i + 1));
            ++i;
        }
        if (i + 1 >= nx) {
            value = cumAtI;
            return;
        }
        const double f = (t - x[i]) / (x[i + 1] - x[i]);
        for (std::size_t a = 0; a < na; ++a) {
            const double yi = y(a, i);
            const double yt = yi + f * (y(a, i + 1) - yi);
            value[a] = cumAtI[a] + 0.5 * (t - x[i]) * (yi + yt);
        }
    };
    integralAt(x0 - 0.5 * h, prev);
    const double invH = 1.0 / h;
    for (std::size_t k = 0; k < n; ++k) {
        integralAt(x0 + (static_cast<double>(k) + 0.5) * h, cur);
        for (std::size_t a = 0; a < na; ++a) out[a][k] = (cur[a] - prev[a]) * invH;
        std::swap(prev, cur);
    }
}

// ln(lambda) for an increasing axis. Neighbouring pixels differ by d = dlambda/lambda << 1, so
// ln(lambda_i) = ln(lambda_{i-1}) + log1p(d) with a 4-term series (error < d^5/5 < 1e-16 for
// d < 1e-3), re-anchored with an exact log every 256 pixels: ~5x cheaper than a log per pixel.
std::vector<double> lnAxis(const std::vector<double>& w)
{
    const std::size_t n = w.size();
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (i % 256 == 0) {
            x[i] = std::log(w[i]);
            continue;
        }
        const double d = (w[i] - w[i - 1]) / w[i - 1];
        x[i] = d < 1e-3 ? x[i - 1] + d * (1.0 - d * (0.5 - d * (1.0 / 3.0 - 0.25 * d))) : std::log(w[i]);
    }
    return x;
}

std::vector<double> gaussianKernel(double sigma, double h)
{
    if (!(sigma > 1e-3 * h)) return {1.0};
    const auto half = static_cast<std::size_t>(std::ceil(kKernelHalfWidthSigmas * sigma / h));
    std::vector<double> k(2 * half + 1);
    double sum = 0;
    for (std::size_t j = 0; j < k.size(); ++j) {
        const double t = (static_cast<double>(j) - static_cast<double>(half)) * h / sigma;
        k[j] = std::exp(-0.5 * t * t);
        sum += k[j];
    }
    for (double& v : k) v /= sum;
    return k;
}

// Returns false (and fills `skipWarning` when the skip deserves one) when the input should be
// returned unchanged; otherwise the ln-lambda sigma of the input's own LSF (0 = fully resolved).
bool planDegrade(const Spectrum& in, double R, double& sigmaIn, std::vector<std::string>* warnings)
{
    sigmaIn = 0.0;
    const double declared = declaredResolvingPower(in);
    if (declared > 0) {
        if (declared < 0.99 * R) {
            if (warnings)
                warnings->push_back("the spectrum's resolving power R=" + formatR(declared) +
                                    " is already below the target R=" + formatR(R) + "; resolution left unchanged");
            return false;
        }
        if (declared <= 1.01 * R) return false;
        sigmaIn = 1.0 / (declared * kFwhmPerSigma);
        return true;
    }
    const double sampling = samplingResolvingPower(in);
    if (sampling < 0.99 * R) {
        if (warnings)
            warnings->push_back("the spectrum's pixel spacing supports at most R=" + formatR(sampling) +
                                " (2 pixels per resolution element), below the target R=" + formatR(R) +
                                "; resolution left unchanged");
        return false;
    }
    return true;
}

// convolveSame for weight arrays that are 1 almost everywhere: only outputs within the kernel's reach
// of a value differing from 1 (or of the ends, beyond which the signal counts as 0) are summed; the
// rest equal the kernel sum.
std::vector<double> convolveMostlyOnes(const std::vector<double>& signal, const std::vector<double>& kernel)
{
    const std::size_t n = signal.size(), nk = kernel.size(), half = nk / 2;
    std::vector<std::size_t> defects;
    for (std::size_t i = 0; i < n; ++i)
        if (std::abs(signal[i] - 1.0) > 1e-12) defects.push_back(i);
    if (defects.size() > n / 8 || n < 4 * nk) return detail::convolveSame(signal, kernel);
    double kernelSum = 0;
    for (double k : kernel) kernelSum += k;
    std::vector<double> out(n, kernelSum);
    std::vector<std::uint8_t> todo(n, 0);
    auto markAround = [&](std::size_t d) {
        const std::size_t lo = d > half ? d - half : 0, hi = std::min(n - 1, d + half);
        std::fill(todo.begin() + static_cast<std::ptrdiff_t>(lo), todo.begin() + static_cast<std::ptrdiff_t>(hi) + 1,
                  1);
    };
    for (std::size_t d : defects) markAround(d);
    std::fill(todo.begin(), todo.begin() + static_cast<std::ptrdiff_t>(std::min(n, half)), 1);
    std::fill(todo.end() - static_cast<std::ptrdiff_t>(std::min(n, half)), todo.end(), 1);
    for (std::size_t i = 0; i < n; ++i) {
        if (!todo[i]) continue;
        double v = 0;
        for (std::size_t j = 0; j < nk; ++j) {
            const auto t = static_cast<std::ptrdiff_t>(i + half) - static_cast<std::ptrdiff_t>(j);
            if (t >= 0 && t < static_cast<std::ptrdiff_t>(n)) v += kernel[j] * signal[static_cast<std::size_t>(t)];
        }
        out[i] = v;
    }
    return out;
}

LogGridSums convolveOnLogGrid(const Spectrum& in, double R, double sigmaIn, double lnStep)
{
    const std::size_t n = in.size();
    const double sigma = 1.0 / (R * kFwhmPerSigma);
    LogGridSums s;
    s.h = lnStep > 0 ? lnStep : kStepPerSigma * sigma;
    const double sigmaKernel2 = sigma * sigma - sigmaIn * sigmaIn - s.h * s.h / 12.0;
    const double sigmaKernel = sigmaKernel2 > 0 ? std::sqrt(sigmaKernel2) : 0.0;

    s.x = lnAxis(in.wavelength);
    const std::vector<double>& x = s.x;
    s.x0 = x[0];
    const double span = x[n - 1] - x[0];
    s.n = static_cast<std::size_t>(std::floor(span / s.h + 1e-9)) + 1;
    if (s.n > 200'000'000) throw Error("the spectrum is too long to degrade at this resolution", in.provenance.file);

    s.hasVariance = in.hasUncertainty();
    // Flux x goodWeight and goodWeight; without masked pixels these are the flux itself and ones
    // (no copies of million-pixel arrays).
    const bool anyMasked = std::any_of(in.mask.begin(), in.mask.end(), [](std::uint8_t m) { return m != 0; });
    std::vector<double> fw, w;
    std::vector<const std::vector<double>*> arrays{&in.flux, nullptr};
    if (anyMasked) {
        fw.resize(n);
        w.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            w[i] = in.mask[i] ? 0.0 : 1.0;
            fw[i] = in.mask[i] ? 0.0 : in.flux[i];
        }
        arrays = {&fw, &w};
    }
    std::vector<double> vu, u;
    bool uIsW = false;
    if (s.hasVariance) {
        // Variance density: variance x pixel width in ln(lambda).
        vu.assign(n, 0.0);
        u.assign(n, 0.0);
        uIsW = true;
        for (std::size_t i = 0; i < n; ++i) {
            if (in.mask[i] || !(in.ivar[i] > 0)) {
                uIsW = uIsW && in.mask[i];
                continue;
            }
            const double lo = i > 0 ? 0.5 * (x[i] + x[i - 1]) : x[0] - 0.5 * (x[1] - x[0]);
            const double hi = i + 1 < n ? 0.5 * (x[i] + x[i + 1]) : x[n - 1] + 0.5 * (x[n - 1] - x[n - 2]);
            u[i] = 1.0;
            vu[i] = (hi - lo) / in.ivar[i];
        }
        arrays.push_back(&vu);
        // When every good pixel has a known variance the variance weights equal the flux weights.
        if (!uIsW) arrays.push_back(&u);
    }
    std::vector<std::vector<double>> binned;
    binAverages(x, arrays, s.x0, s.h, s.n, binned);
    const std::vector<double> kernel = gaussianKernel(sigmaKernel, s.h);
    s.fw = detail::convolveSame(binned[0], kernel);
    s.w = convolveMostlyOnes(binned[1], kernel);
    if (s.hasVariance) {
        s.vu = detail::convolveSame(binned[2], kernel);
        s.u = uIsW ? s.w : convolveMostlyOnes(binned[3], kernel);
    }
    return s;
}

// Fills pixel k of `out` from smoothed sums; `widthLn` is the output pixel's width in ln(lambda).
inline void fillPixel(Spectrum& out, std::size_t k, double fw, double w, double vu, double u, bool hasVariance,
                      double widthLn)
{
    const bool masked = (1.0 - w) > kMaskedWeightLimit;
    out.flux[k] = w > 1e-12 ? fw / w : 0.0;
    out.mask[k] = masked ? 1 : 0;
    if (!masked && hasVariance && u > 1e-12 && vu > 0) out.ivar[k] = widthLn * u / vu;
}

}  // namespace

double declaredResolvingPower(const Spectrum& in)
{
    const auto it = in.metadata.find(kResolvingPowerKey);
    if (it == in.metadata.end()) return 0.0;
    const char* begin = it->second.c_str();
    char* end = nullptr;
    const double r = std::strtod(begin, &end);
    if (end == begin || !std::isfinite(r) || r <= 0) return 0.0;
    return r;
}

double samplingResolvingPower(const Spectrum& in)
{
    const std::size_t n = in.size();
    if (n < 2) return 0.0;
    // A subsample of at most ~20000 pixel gaps keeps this cheap on million-pixel spectra.
    const std::size_t stride = std::max<std::size_t>(1, (n - 1) / 20000);
    std::vector<double> r;
    r.reserve((n - 1) / stride + 1);
    for (std::size_t i = 0; i + 1 < n; i += stride) {
        const double d = in.wavelength[i + 1] - in.wavelength[i];
        if (d > 0) r.push_back(0.5 * (in.wavelength[i] + in.wavelength[i + 1]) / (2.0 * d));
    }
    if (r.empty()) return 0.0;
    const auto mid = r.begin() + static_cast<std::ptrdiff_t>(r.size() / 2);
    std::nth_element(r.begin(), mid, r.end());
    return *mid;
}

Spectrum degradeResolution(const Spectrum& in, double resolvingPower, std::vector<std::string>* warnings)
{
    checkInput(in, resolvingPower);
    double sigmaIn = 0;
    if (!planDegrade(in, resolvingPower, sigmaIn, warnings)) return in;
    const LogGridSums s = convolveOnLogGrid(in, resolvingPower, sigmaIn, 0.0);

    const std::size_t n = in.size();
    Spectrum out = emptyLike(in, n);
    out.wavelength = in.wavelength;
    out.metadata[kResolvingPowerKey] = formatR(resolvingPower);
    const auto last = static_cast<std::ptrdiff_t>(s.n) - 1;
    // Catmull-Rom cubic through the four grid points around t (indices clamped only near the ends).
    auto cubic = [last](const std::vector<double>& v, std::ptrdiff_t k, double f) {
        double p0, p1, p2, p3;
        if (k >= 1 && k + 2 <= last) {
            const double* q = v.data() + (k - 1);
            p0 = q[0], p1 = q[1], p2 = q[2], p3 = q[3];
        } else {
            auto at = [&](std::ptrdiff_t j) {
                return v[static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(j, 0, last))];
            };
            p0 = at(k - 1), p1 = at(k), p2 = at(k + 1), p3 = at(k + 2);
        }
        return p1 + 0.5 * f * (p2 - p0 + f * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 + f * (3.0 * (p1 - p2) + p3 - p0)));
    };
    const std::vector<double>& x = s.x;
    const double invH = 1.0 / s.h;
    for (std::size_t i = 0; i < n; ++i) {
        const double t = (x[i] - s.x0) * invH;
        const auto k = static_cast<std::ptrdiff_t>(t);  // t >= 0
        const double f = t - static_cast<double>(k);
        const double lo = i > 0 ? 0.5 * (x[i] + x[i - 1]) : x[0] - 0.5 * (x[1] - x[0]);
        const double hi = i + 1 < n ? 0.5 * (x[i] + x[i + 1]) : x[n - 1] + 0.5 * (x[n - 1] - x[n - 2]);
        const double vu = s.hasVariance ? cubic(s.vu, k, f) : 0.0;
        const double u = s.hasVariance ? cubic(s.u, k, f) : 0.0;
        fillPixel(out, i, cubic(s.fw, k, f), cubic(s.w, k, f), vu, u, s.hasVariance, hi - lo);
    }
    return out;
}

namespace detail {

Spectrum degradeResolutionOnLogGrid(const Spectrum& in, double resolvingPower, std::vector<std::string>* warnings,
                                    double lnStep)
{
    checkInput(in, resolvingPower);
    double sigmaIn = 0;
    if (!planDegrade(in, resolvingPower, sigmaIn, warnings)) return in;
    const LogGridSums s = convolveOnLogGrid(in, resolvingPower, sigmaIn, lnStep);
    Spectrum out = emptyLike(in, s.n);
    out.metadata[kResolvingPowerKey] = formatR(resolvingPower);
    // exp(x0 + k h) by a running product, re-anchored with an exact exp every 256 pixels.
    const double ratio = std::exp(s.h);
    for (std::size_t k = 0; k < s.n; ++k) {
        out.wavelength[k] =
            k % 256 == 0 ? std::exp(s.x0 + static_cast<double>(k) * s.h) : out.wavelength[k - 1] * ratio;
        fillPixel(out, k, s.fw[k], s.w[k], s.hasVariance ? s.vu[k] : 0.0, s.hasVariance ? s.u[k] : 0.0, s.hasVariance,
                  s.h);
    }
    return out;
}

std::vector<double> convolveSame(const std::vector<double>& signal, const std::vector<double>& kernel, bool forceFft)
{
    const std::size_t n = signal.size();
    const std::size_t nk = kernel.size();
    if (nk % 2 != 1) throw Error("convolution kernels must have an odd length");
    const std::size_t half = nk / 2;
    std::vector<double> out(n, 0.0);
    if (n == 0) return out;
    if (!forceFft && nk <= 129) {
        bool symmetric = true;
        for (std::size_t j = 0; j < half && symmetric; ++j) symmetric = kernel[j] == kernel[nk - 1 - j];
        if (symmetric) {
            // Zero-padded copy, then out[i] = k[half] p[i] + sum_j k[half - j] (p[i - j] + p[i + j]):
            // half the multiplications, no bounds checks, one vectorizable pass per tap pair.
            std::vector<double> padded(n + 2 * half, 0.0);
            std::copy(signal.begin(), signal.end(), padded.begin() + static_cast<std::ptrdiff_t>(half));
            const double* p = padded.data() + half;
            const double k0 = kernel[half];
            for (std::size_t i = 0; i < n; ++i) out[i] = k0 * p[i];
            for (std::size_t j = 1; j <= half; ++j) {
                const double kj = kernel[half - j];
                const double* lo = p - j;
                const double* hi = p + j;
                double* dst = out.data();
                for (std::size_t i = 0; i < n; ++i) dst[i] += kj * (lo[i] + hi[i]);
            }
            return out;
        }
        // out[i] = sum_j kernel[j] signal[i + half - j]; one axpy per kernel tap (vectorizes).
        for (std::size_t j = 0; j < nk; ++j) {
            const double kj = kernel[j];
            // valid i: 0 <= i + half - j < n
            const std::size_t iBegin = j > half ? j - half : 0;
            const std::size_t iEnd = j >= half ? n : (n > half - j ? n - (half - j) : 0);
            if (iEnd <= iBegin) continue;
            const double* src = signal.data() + (iBegin + half - j);
            double* dst = out.data() + iBegin;
            const std::size_t count = iEnd - iBegin;
            for (std::size_t t = 0; t < count; ++t) dst[t] += kj * src[t];
        }
        return out;
    }
    std::size_t nfft = 1;
    while (nfft < n + nk - 1) nfft <<= 1;
    Eigen::FFT<double> fft;
    fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
    std::vector<double> a(nfft, 0.0), b(nfft, 0.0);
    std::copy(signal.begin(), signal.end(), a.begin());
    std::copy(kernel.begin(), kernel.end(), b.begin());
    std::vector<std::complex<double>> fa, fb;
    fft.fwd(fa, a);
    fft.fwd(fb, b);
    for (std::size_t k = 0; k < fa.size(); ++k) fa[k] *= fb[k];
    std::vector<double> full;
    fft.inv(full, fa, nfft);
    for (std::size_t i = 0; i < n; ++i) out[i] = full[i + half];
    return out;
}

}  // namespace detail

}  // namespace remap
