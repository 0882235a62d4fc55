#pragma once

#include "base/Spectrum.h"

#include <string>
#include <vector>

namespace remap {

// Metadata key holding a spectrum's resolving power lambda/FWHM (a decimal number). Readers and
// the synthesizer may set it; degradeResolution reads it and sets it on its output.
inline constexpr const char* kResolvingPowerKey = "RESOLVING";

// The resolving power declared in in.metadata[kResolvingPowerKey], or 0 when absent or unparsable.
double declaredResolvingPower(const Spectrum& in);

// The highest resolving power the sampling can carry: median over pixels of lambda / (2 dlambda)
// (a Nyquist-sampled line spread function of 2 pixels FWHM). 0 for fewer than 2 pixels.
double samplingResolvingPower(const Spectrum& in);

// Convolves `in` with a Gaussian line spread function of FWHM lambda/R at constant R and returns it
// on the input's own wavelength axis, with metadata[kResolvingPowerKey] = R.
//
// Method: the spectrum is binned flux-conservingly onto a uniform ln(lambda) grid of step
// sigma/5 (sigma = 1/(R sqrt(8 ln 2)) in ln lambda; the binning's box width is taken out of the
// kernel in quadrature), convolved (direct for short kernels, FFT otherwise; the kernel is
// truncated at +-5 sigma), and interpolated back with cubic (Catmull-Rom) interpolation.
//
// Input resolution: if the metadata declares R_in > R the kernel width is sqrt(sigma_R^2 - sigma_in^2);
// otherwise the input is taken as fully resolved (synthetic). When the input is already coarser
// than R (declared R_in, or the Nyquist limit of its sampling, below 0.99 R) a warning is appended
// and an unchanged copy returned. A declared R_in within 1 % of R returns a copy silently.
//
// Mask: masked pixels do not contribute (normalized convolution over good pixels); an output pixel
// is masked when more than 20 % of its kernel weight falls on masked (or outside-the-data) input.
// ivar: the variance density (variance x pixel width) is smoothed with the same kernel and turned
// back into a per-pixel variance, so for white noise ivar at the same sampling is unchanged. This
// is the "as if independent" convention: smoothed neighbours are correlated over the LSF width, and
// a later flux-conserving resampling to pixels wider than the LSF gives the right variance (resample
// the result with ResampleOptions::variance = VarianceModel::Density).
// Pixels with ivar 0 that are not masked (unknown uncertainty) do not enter the variance; a spectrum
// without any uncertainty keeps ivar 0. Throws remap::Error for R <= 0, fewer than 2 pixels or an axis
// that is not strictly increasing.
Spectrum degradeResolution(const Spectrum& in, double resolvingPower, std::vector<std::string>* warnings = nullptr);

namespace detail {
// Same as degradeResolution but returns the result on the internal uniform ln(lambda) grid, covering
// the input range (used by the Preprocessor to skip the interpolation back). `lnStep` <= 0: sigma/5.
Spectrum degradeResolutionOnLogGrid(const Spectrum& in, double resolvingPower, std::vector<std::string>* warnings,
                                    double lnStep = 0.0);

// "Same" linear convolution of `signal` with an odd-length `kernel` centred on its middle element
// (values beyond the ends count as 0). Direct summation for short kernels, FFT (Eigen's FFT module)
// otherwise; `forceFft` selects the FFT path (for tests).
std::vector<double> convolveSame(const std::vector<double>& signal, const std::vector<double>& kernel,
                                 bool forceFft = false);
}  // namespace detail

}  // namespace remap
