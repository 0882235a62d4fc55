#pragma once

#include "base/Spectrum.h"
#include "prep/Continuum.h"

#include <memory>
#include <string>
#include <vector>

namespace remap {

inline constexpr double kSpeedOfLightKms = 299792.458;

// Relativistic Doppler factor lambda_observed / lambda_rest = sqrt((1 + beta) / (1 - beta)) for a
// radial velocity in km/s (positive = receding). Throws remap::Error for |v| >= c.
double dopplerFactor(double rvKms);

// The wavelength axis divided (shiftToRest) or multiplied (shiftToObserved) by dopplerFactor(rvKms);
// flux, ivar and mask are kept per pixel (the (1+z) change of the flux density is not applied).
Spectrum shiftToRest(const Spectrum& in, double rvKms);
Spectrum shiftToObserved(const Spectrum& in, double rvKms);

struct RvOptions {
    double minKms = -500.0;  // search range of the cross-correlation
    double maxKms = 500.0;
    ContinuumOptions continuum;  // used on both template and observation before correlating
    // Smallest ln(lambda) step of the correlation grid (0 = the pixel steps decide). Bounds the cost for
    // finely sampled (synthetic) inputs; about sigma_LSF / 2 loses nothing.
    double minLnStep = 0.0;
    void validate() const;
};

struct RvResult {
    double rvKms = 0.0;       // observed relative to the template's rest frame (relativistic)
    double errKms = 0.0;      // 1-sigma, Zucker (2003) eq. 3 from the CCF curvature, height and N
    double ccfPeak = 0.0;     // normalized CCF maximum (Pearson r, 1 = identical line patterns)
    std::size_t nPixels = 0;  // log-lambda pixels that entered the CCF
    bool ok = false;          // false: no usable peak (see warning); rvKms is then 0. A usable peak has
                              // Pearson r > 0.1, stands > 5 robust sigma above the CCF over the search
                              // range, and lies inside the range (not at its edge).
    std::string warning;
};

// Cross-correlation radial velocities against one template.
//
// Both spectra are binned (flux-conserving) onto a uniform ln(lambda) grid whose step is the coarser of
// the two median pixel steps (at least minLnStep), continuum-normalized (ContinuumOptions) and turned into line depth
// 1 - f/c; masked pixels get zero weight. The normalized CCF (Pearson correlation over the good
// overlap) locates the peak lag on the raw correlation at every grid lag in the search range; it is
// refined by a Gaussian (log-parabola) through the normalized CCF at that lag and its neighbours, then
// by a least-squares parabola through the CCF at five quarter-step shifts of the template (rebinned
// from its cumulative integral, so shifts are continuous). The shift s in ln(lambda)
// gives v = c tanh(s), the exact inverse of the relativistic Doppler factor.
//
// The template is prepared once (constructor); estimate() is const and thread-safe. Template and
// observation must share a medium (or one be Unknown); the template should cover the observation
// widened by the search range (outside it counts as continuum).
class RadialVelocityEstimator {
public:
    explicit RadialVelocityEstimator(const Spectrum& rvTemplate, RvOptions options = {});
    ~RadialVelocityEstimator();
    RadialVelocityEstimator(RadialVelocityEstimator&&) noexcept;
    RadialVelocityEstimator& operator=(RadialVelocityEstimator&&) noexcept;

    RvResult estimate(const Spectrum& observed) const;
    const RvOptions& options() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One-shot convenience: RadialVelocityEstimator(rvTemplate, options).estimate(observed).
RvResult estimateRadialVelocity(const Spectrum& observed, const Spectrum& rvTemplate, const RvOptions& options = {});

}  // namespace remap
