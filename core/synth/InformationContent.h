#pragma once

#include "prep/Continuum.h"
#include "synth/Observe.h"
#include "synth/Synthesizer.h"

#include <array>
#include <vector>

namespace remap::synth {

// Settings of the Fisher-information / Cramer-Rao computation (docs/synthesizer.md).
// The model spectrum is the noiseless MARVELS-like observation (LSF, air, resampling; no blaze,
// noise, cosmic rays or RV) continuum-normalized with prep's normalizeContinuum. The Jacobian is
// taken by central differences with the steps below. The pixel noise is photon-limited:
// sigma_i = sqrt(f_i) / SNR for the normalized flux f_i (S/N per pixel at the continuum).
struct FisherSettings {
    InstrumentModel instrument;
    double snr = 100.0;
    double teffStep = 20.0;  // K
    double loggStep = 0.05;  // dex
    double fehStep = 0.05;   // dex
    ContinuumOptions continuum;
    int threads = 0;  // for the 7 syntheses (nominal and +-step per parameter); 0 = every core
    // Throws remap::Error for non-positive S/N or steps.
    void validate() const;
};

inline constexpr int kFisherParameters = 3;  // Teff, log g, [Fe/H] in this order

struct PixelInformation {
    std::vector<double> wavelength;  // instrument pixels, air A
    std::vector<double> flux;        // normalized noiseless model
    std::vector<double> sigma;       // per-pixel noise of the normalized flux
    // d flux / d parameter per pixel (per K, per dex, per dex).
    std::array<std::vector<double>, kFisherParameters> jacobian;
    // Per-pixel Fisher information J_ip^2 / sigma_i^2: which pixels carry information on each parameter.
    std::array<std::vector<double>, kFisherParameters> information;
};

// Per-pixel Fisher information of each parameter (diagonal terms; the GUI shows where the Teff
// information lies). Throws remap::Error for invalid parameters (including the +-step points).
PixelInformation pixelFisherInformation(const Synthesizer& synthesizer, const StellarParameters& params,
                                        const FisherSettings& settings);

struct CramerRaoResult {
    std::array<double, kFisherParameters> bound{};  // sqrt(diag(F^-1)): Teff (K), log g, [Fe/H] (dex)
    std::array<std::array<double, kFisherParameters>, kFisherParameters> fisher{};
    PixelInformation pixels;
};

// F = J^T C^-1 J (Eigen) from pixelFisherInformation()'s Jacobian; bound = sqrt(diag(F^-1)).
// Throws remap::Error if F is singular.
CramerRaoResult cramerRaoBound(const Synthesizer& synthesizer, const StellarParameters& params,
                               const FisherSettings& settings);

}  // namespace remap::synth
