#pragma once

#include "base/Spectrum.h"
#include "prep/PreprocessSpec.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace remap {

class RadialVelocityEstimator;

// One spectrum as the network sees it: on spec.grid(), continuum-normalized.
struct PreparedSpectrum {
    std::vector<float> flux;         // normalized flux; masked pixels hold spec.maskedValue
    std::vector<float> ivar;         // inverse variance of the normalized flux; 0 where masked or unknown
    std::vector<std::uint8_t> mask;  // 1 = bad / not covered by the input
    double snr = 0.0;                // DER_SNR per input pixel over the grid range (+ <0.5 % margins); 0 = noiseless
    double rvKms = 0.0;              // measured and removed radial velocity; NaN when not measured
    double rvErrKms = 0.0;           // its 1-sigma error; NaN when not measured
    std::vector<std::string> warnings;
};

// The one preprocessing chain, used for training sets and for prediction alike:
//   1. crop the input to the grid range plus margins for the RV search and the LSF; gaps in its axis
//      (a step over 10 times the median, between orders or arms) are masked, with a warning;
//   2. convert to spec.medium (an input of unknown medium is taken to be in spec.medium, with a warning);
//   3. when spec.correctRv and a template was given: cross-correlation RV (RadialVelocityEstimator with
//      spec's search range and continuum options, at most 5 clipping iterations), shift to the rest
//      frame (a failed RV adds a warning and leaves the spectrum unshifted);
//   4. degrade to spec.resolvingPower (skipped with a warning when the input is coarser);
//   5. flux-conserving resampling onto spec.grid() (grid pixels not covered by the input are masked);
//   6. continuum normalization (spec.continuum), ivar scaled by c^2;
//   7. masked pixels set to spec.maskedValue with ivar 0;
//   8. S/N estimate (remap::estimateSnr, DER_SNR, of the input pixels in the cropped range), warning
//      below spec.snrWarnBelow.
// prepare() is const and thread-safe (no shared mutable state) and deterministic (the same input gives
// bit-identical output). It throws remap::Error for inputs that cannot be prepared (fewer than 2
// pixels, no overlap with the grid, too few usable pixels for the continuum).
class Preprocessor {
public:
    // The template (any resolution and sampling covering the grid plus the RV search range, preferably
    // a noiseless synthetic spectrum) is cropped, converted to spec.medium, degraded to spec's R and
    // prepared once here (a template of unknown medium is taken to be in spec.medium). Throws
    // remap::Error for an invalid spec or a template that does not cover the grid.
    explicit Preprocessor(PreprocessSpec spec, std::optional<Spectrum> rvTemplate = {});
    ~Preprocessor();
    Preprocessor(Preprocessor&&) noexcept;
    Preprocessor& operator=(Preprocessor&&) noexcept;

    PreparedSpectrum prepare(const Spectrum& in) const;
    const PreprocessSpec& spec() const { return spec_; }
    const std::vector<double>& grid() const { return grid_; }
    bool hasRvTemplate() const { return rv_ != nullptr; }

private:
    PreprocessSpec spec_;
    std::vector<double> grid_;
    std::unique_ptr<RadialVelocityEstimator> rv_;
};

}  // namespace remap
