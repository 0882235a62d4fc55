#include "InformationContent.h"

#include "base/Error.h"
#include "base/Parallel.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace remap::synth {
namespace {

// The noiseless MARVELS-like observation (no RV, blaze or noise).
Spectrum observeClean(const Synthesizer& synthesizer, const StellarParameters& p, const FisherSettings& settings,
                      const std::vector<double>& highResGrid)
{
    const Spectrum high = synthesizer.synthesizeSpectrum(p, highResGrid);
    ObservationSettings obs;
    obs.noise = false;
    obs.distortions = false;
    obs.snr = settings.snr;
    return observe(high, settings.instrument, obs);
}

// Continuum normalization with a FIXED set of continuum pixels (mask = not in the set, one
// least-squares fit): a linear, hence smooth, operation. The iterative sigma clipping of the
// real preprocessing changes its kept pixels in jumps, which would make finite differences
// meaningless; the set is chosen once at the nominal point (see pixelFisherInformation).
Spectrum normalizeFixed(Spectrum s, const std::vector<std::uint8_t>& continuumPixels, const ContinuumOptions& options)
{
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!continuumPixels[i]) s.mask[i] = 1;
    ContinuumOptions single = options;
    single.iterations = 1;
    const auto continuum = fitContinuum(s, single);
    Spectrum out = s;
    for (std::size_t i = 0; i < s.size(); ++i) {
        out.mask[i] = 0;
        out.flux[i] = continuum[i] > 0 ? s.flux[i] / continuum[i] : 0.0;
    }
    return out;
}

}  // namespace

void FisherSettings::validate() const
{
    instrument.validate();
    if (!std::isfinite(snr) || !(snr > 0)) throw Error("the signal-to-noise ratio must be positive");
    if (!(teffStep > 0) || !(loggStep > 0) || !(fehStep > 0) || !std::isfinite(teffStep) || !std::isfinite(loggStep) ||
        !std::isfinite(fehStep))
        throw Error("the finite-difference steps must be positive");
    continuum.validate();
}

PixelInformation pixelFisherInformation(const Synthesizer& synthesizer, const StellarParameters& params,
                                        const FisherSettings& settings)
{
    settings.validate();
    validateParameters(params);
    const auto [lo, hi] = requiredVacuumWindow(settings.instrument, 0.0);
    const auto grid = linearWavelengthGrid(lo, hi, kHighResStep);
    // The derivatives include the parameter laws the model applies (Galactic alpha trend and
    // microturbulence law) unless the caller fixed alpha / microturbulence explicitly.
    const StellarParameters nominal = params;
    // Continuum pixels: those the real preprocessing (prep normalizeContinuum) puts within 1 % of
    // its continuum at the nominal point, or the top 30 % when fewer qualify.
    // The nominal and the 2 x 3 displaced observations are independent: synthesize them in parallel
    // (the Synthesizer is const and thread-safe); the GUI's teaching mode waits on this.
    std::array<StellarParameters, 1 + 2 * kFisherParameters> points;
    points.fill(nominal);
    const double steps[kFisherParameters] = {settings.teffStep, settings.loggStep, settings.fehStep};
    for (int k = 0; k < kFisherParameters; ++k) {
        auto& plus = points[static_cast<std::size_t>(1 + 2 * k)];
        auto& minus = points[static_cast<std::size_t>(2 + 2 * k)];
        double* pp = k == 0 ? &plus.teff : k == 1 ? &plus.logg : &plus.feh;
        double* pm = k == 0 ? &minus.teff : k == 1 ? &minus.logg : &minus.feh;
        *pp += steps[k];
        *pm -= steps[k];
    }
    std::array<Spectrum, points.size()> observations;
    SilentProgress quiet;
    parallelFor(points.size(), std::min(resolveThreadCount(settings.threads), static_cast<int>(points.size())), quiet,
                "information",
                [&](std::size_t i, int) { observations[i] = observeClean(synthesizer, points[i], settings, grid); });
    const Spectrum& observed = observations[0];
    const Spectrum reference = normalizeContinuum(observed, settings.continuum);
    std::vector<double> sorted = reference.flux;
    std::sort(sorted.begin(), sorted.end());
    const double threshold = std::min(0.99, sorted[static_cast<std::size_t>(0.7 * static_cast<double>(sorted.size()))]);
    std::vector<std::uint8_t> continuumPixels(reference.size());
    for (std::size_t i = 0; i < reference.size(); ++i) continuumPixels[i] = reference.flux[i] >= threshold ? 1 : 0;
    const Spectrum centre = normalizeFixed(observed, continuumPixels, settings.continuum);
    PixelInformation out;
    out.wavelength = centre.wavelength;
    out.flux = centre.flux;
    const std::size_t n = centre.size();
    out.sigma.resize(n);
    for (std::size_t i = 0; i < n; ++i) out.sigma[i] = std::sqrt(std::max(centre.flux[i], 1e-6)) / settings.snr;
    for (int k = 0; k < kFisherParameters; ++k) {
        const Spectrum fp =
            normalizeFixed(observations[static_cast<std::size_t>(1 + 2 * k)], continuumPixels, settings.continuum);
        const Spectrum fm =
            normalizeFixed(observations[static_cast<std::size_t>(2 + 2 * k)], continuumPixels, settings.continuum);
        auto& jac = out.jacobian[static_cast<std::size_t>(k)];
        auto& info = out.information[static_cast<std::size_t>(k)];
        jac.resize(n);
        info.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            jac[i] = (fp.flux[i] - fm.flux[i]) / (2.0 * steps[k]);
            const bool usable = !centre.mask[i] && !fp.mask[i] && !fm.mask[i];
            info[i] = usable ? jac[i] * jac[i] / (out.sigma[i] * out.sigma[i]) : 0.0;
            if (!usable) jac[i] = 0.0;
        }
    }
    return out;
}

CramerRaoResult cramerRaoBound(const Synthesizer& synthesizer, const StellarParameters& params,
                               const FisherSettings& settings)
{
    CramerRaoResult result;
    result.pixels = pixelFisherInformation(synthesizer, params, settings);
    const auto& px = result.pixels;
    const std::size_t n = px.wavelength.size();
    Eigen::MatrixXd j(static_cast<Eigen::Index>(n), kFisherParameters);
    Eigen::VectorXd invVar(static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i) {
        invVar(static_cast<Eigen::Index>(i)) = 1.0 / (px.sigma[i] * px.sigma[i]);
        for (int k = 0; k < kFisherParameters; ++k)
            j(static_cast<Eigen::Index>(i), k) = px.jacobian[static_cast<std::size_t>(k)][i];
    }
    const Eigen::Matrix3d f = j.transpose() * invVar.asDiagonal() * j;
    Eigen::FullPivLU<Eigen::Matrix3d> lu(f);
    if (!lu.isInvertible())
        throw Error("the Fisher matrix is singular: the spectrum carries no information on some parameter");
    const Eigen::Matrix3d cov = lu.inverse();
    for (int a = 0; a < kFisherParameters; ++a) {
        for (int b = 0; b < kFisherParameters; ++b)
            result.fisher[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)] = f(a, b);
        const double v = cov(a, a);
        if (!(v > 0) || !std::isfinite(v)) throw Error("the Fisher matrix is not positive definite");
        result.bound[static_cast<std::size_t>(a)] = std::sqrt(v);
    }
    return result;
}

}  // namespace remap::synth
