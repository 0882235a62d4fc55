#pragma once

#include "base/Spectrum.h"

#include <string>
#include <vector>

namespace remap {

enum class ContinuumMethod { BSpline, Legendre };

std::string_view toString(ContinuumMethod method);
// "bspline" or "legendre" (case-insensitive); throws remap::Error otherwise.
ContinuumMethod parseContinuumMethod(std::string_view text);

// Iterative asymmetric sigma-clipped least-squares fit to the upper envelope of a spectrum.
// Every iteration fits the kept pixels with unit weights (the same definition of "continuum"
// for noiseless synthetic and noisy observed spectra), estimates the residual scale sigma as
// 1.4826 x median |residual| of the kept pixels (floored at minRelativeScale x median flux), and keeps the
// pixels with  -lowerSigma*sigma < flux - fit < upperSigma*sigma  (absorption lines fall below, cosmic
// rays and emission above). Stops when the kept set no longer changes or after `iterations` fits.
struct ContinuumOptions {
    ContinuumMethod method = ContinuumMethod::BSpline;
    double knotSpacing = 100.0;  // Angstrom between the uniform cubic B-spline knots (BSpline)
    int legendreOrder = 5;       // highest polynomial degree (Legendre)
    double lowerSigma = 2.0;     // clip below the fit (lines); much below 2 biases noisy fits upwards
    double upperSigma = 3.0;     // clip above the fit
    int iterations = 30;         // maximum number of fits (noiseless spectra need ~15-20)
    double minRelativeScale = 1e-4;

    // Throws remap::Error describing the first nonsensical value.
    void validate() const;
    bool operator==(const ContinuumOptions&) const = default;
};

// The fitted continuum at every pixel of `in` (masked pixels do not enter the fit; the fit is still
// evaluated there). Throws remap::Error when fewer usable pixels than free parameters remain.
std::vector<double> fitContinuum(const Spectrum& in, const ContinuumOptions& options = {});

// `in` divided by its fitted continuum c: flux / c, ivar * c^2 (the variance scales by 1/c^2), mask
// kept; pixels where c <= 0 get masked (flux 0, ivar 0). `continuumOut` receives c when given.
Spectrum normalizeContinuum(const Spectrum& in, const ContinuumOptions& options = {},
                            std::vector<double>* continuumOut = nullptr);

}  // namespace remap
