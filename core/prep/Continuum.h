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
// Every iteration fits the kept pixels with unit weights (the same definition of "continuum" for
// noiseless synthetic and noisy observed spectra) and keeps the pixels with
//     -lowerSigma * noise < flux - fit < upperSigma * max(broad, noise)
// where `noise` is the local noise (DER_SNR of each B-spline knot interval, or of 20 stretches for
// Legendre; the median 1/sqrt(ivar) where that is smaller) and `broad` is 1.4826 x median |residual|
// of the kept pixels; both are floored at minRelativeScale x median flux. Clipping lines on the noise
// (not on the residual spread, which a dense line forest inflates) makes the fit climb to the upper
// envelope, so a K giant's continuum stays at 1 after normalization. The first fit goes through the
// second-highest pixel of every eighth of an interval, so the clipping descends onto the envelope
// within a few iterations. Every interval keeps at least its
// highest 3 % (5 pixels), so a stretch with no pixel at the continuum is fitted from its top. Stops when
// the kept set no longer changes or after `iterations` fits (1 = one least-squares fit of all unmasked
// pixels). Raw counts (a blaze-shaped continuum, noise varying along the spectrum) and normalized
// flux are handled alike.
struct ContinuumOptions {
    ContinuumMethod method = ContinuumMethod::BSpline;
    double knotSpacing = 100.0;  // Angstrom between the uniform cubic B-spline knots (BSpline)
    int legendreOrder = 5;       // highest polynomial degree (Legendre)
    double lowerSigma = 2.0;     // clip below the fit (lines), in units of the local noise
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
