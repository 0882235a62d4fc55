#pragma once

#include "ml/Predictor.h"
#include "synth/InformationContent.h"
#include "synth/Synthesizer.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace remap::ui {

// One position of the teaching-mode sliders.
struct TeachingRequest {
    double teff = 5777, logg = 4.44, feh = 0.0;
    double snr = 100;               // per pixel at the continuum
    double resolvingPower = 11000;  // of the MARVELS-like instrument
    Param param = Param::Teff;      // whose saliency and information are shown
    std::uint64_t seed = 1;         // of the noise: the same draw while only the sliders move
    int serial = 0;                 // set by the runner; results carry it back
};

// What one slider position shows. computeSpectrum() fills the spectrum and the network part;
// addInformation() the Cramer-Rao part.
struct TeachingResult {
    TeachingRequest request;
    std::string error;  // the star could not be made (everything else empty)

    // The MARVELS-like observation at the request's R and S/N (air, instrument pixels), divided by the
    // continuum of the noiseless observation: `observed` with noise, `model` without.
    std::vector<double> wavelength, observed, model;
    Spectrum spectrum;  // the observation itself (electrons), as the network's preprocessing receives it

    // Network (empty prediction: no model or it failed, `networkNote` says which).
    std::optional<Prediction> prediction;
    std::vector<double> saliencyWavelength;  // the model grid
    std::vector<float> saliency;             // gradient of the chosen parameter's posterior mean
    std::vector<std::uint8_t> saliencyMask;  // the prepared spectrum's mask
    double networkResolvingPower = 0;        // the R the model's preprocessing degrades to
    std::string networkNote;

    // Information (valid when hasInformation): per pixel of `wavelength`, J^2 / sigma^2 at the
    // request's S/N (per K^2 for Teff, per dex^2 otherwise), and the Cramer-Rao bounds (NaN when the
    // Fisher matrix is singular).
    bool hasInformation = false;
    bool informationCached = false;
    std::array<std::vector<double>, 3> information;
    std::array<double, 3> crlb{NAN, NAN, NAN};
    std::string informationNote;  // why there is no information, when there is none

    // Milliseconds spent: making the observation, running the network, computing the information.
    double spectrumMs = 0, networkMs = 0, informationMs = 0;
};

// The work behind the teaching panel, in plain C++ so benchmarks can call it without a GUI. Not
// thread-safe: one thread at a time (the panel's runner never runs two computations at once).
//   spectrum: the grid physics synthesized over the instrument's window at 0.01 A (the ~3 ms
//             "teaching window" path, into a reused workspace) and observed with synth::observe
//             (LSF at R, air, resampling, photon + read noise; no blaze, cosmic rays or dead pixels);
//   network:  Predictor::prepare + predictPrepared on that observation, and the gradient saliency;
//   information: synth::cramerRaoBound at S/N 100, cached per (Teff, log g, [Fe/H], R) and scaled to
//             the request's S/N (the photon-limited information grows exactly as S/N^2).
class TeachingEngine {
public:
    TeachingEngine();
    ~TeachingEngine();

    TeachingResult computeSpectrum(const TeachingRequest& request, const Predictor* predictor);
    // True when addInformation would be answered from the cache (no syntheses).
    bool hasCachedInformation(const TeachingRequest& request) const;
    void addInformation(TeachingResult& result);

    const synth::Synthesizer& synthesizer() const { return synthesizer_; }

private:
    struct CacheEntry {
        std::array<double, 4> key{};  // Teff, log g, [Fe/H], R
        std::array<std::vector<double>, 3> information;
        std::array<double, 3> bound{NAN, NAN, NAN};
    };
    static constexpr double kReferenceSnr = 100.0;
    static constexpr std::size_t kCacheSize = 32;

    const synth::Synthesizer synthesizer_;
    synth::SynthesisWorkspace workspace_;
    synth::SynthesisResult synthesis_;
    double gridR_ = 0;  // the resolving power highResGrid_ was made for
    std::vector<double> highResGrid_;
    std::list<CacheEntry> cache_;  // most recent first
};

}  // namespace remap::ui
