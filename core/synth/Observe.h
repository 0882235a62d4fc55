#pragma once

#include "base/Spectrum.h"
#include "synth/Synthesizer.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace remap::synth {

// A MARVELS-like spectrograph (science.md): R = 11,000, 4096 pixels log-uniform in AIR wavelength
// from 5000 to 5700 A, a smooth seeded blaze/continuum distortion, photon + read noise, a few cosmic
// rays and dead pixels.
struct InstrumentModel {
    double resolvingPower = 11000.0;
    int pixels = 4096;
    double airMin = 5000.0;  // first and last pixel centres, air Angstrom
    double airMax = 5700.0;
    double readNoise = 5.0;            // electrons rms per pixel
    double blazeAmplitude = 0.15;      // rms relative amplitude of the smooth multiplicative distortion
    int blazeOrder = 3;                // highest Legendre degree of the distortion
    double cosmicRaysPerSpectrum = 3;  // Poisson mean; each hits 1-2 pixels, which are masked
    int deadPixels = 3;                // masked pixels with flux 0

    // Throws remap::Error for a nonsensical value.
    void validate() const;
};

// The instrument's pixel centres (air Angstrom, log-uniform).
std::vector<double> instrumentWavelengths(const InstrumentModel& instrument);

// The vacuum window a high-resolution spectrum must cover so the instrument's pixels are fully
// covered after a radial-velocity shift of up to |maxRvKms| and the LSF convolution.
std::pair<double, double> requiredVacuumWindow(const InstrumentModel& instrument, double maxRvKms);

struct ObservationSettings {
    double snr = 100.0;       // per pixel at the continuum (photon + read noise)
    double rvKms = 0.0;       // radial velocity, relativistic Doppler shift
    std::uint64_t seed = 1;   // std::mt19937_64 seed of everything random in the observation
    bool noise = true;        // photon + read noise, cosmic rays and dead pixels
    bool distortions = true;  // blaze/continuum distortion
    // Throws remap::Error (non-positive or non-finite S/N, |rv| >= 3000 km/s).
    void validate() const;
};

// Observes a high-resolution VACUUM spectrum (Angstrom, any flux unit) with `instrument`:
//   1. Doppler shift (prep shiftToObserved), 2. Gaussian LSF at constant R (prep degradeResolution),
//   3. vacuum -> air (prep toMedium), 4. flux-conserving resampling onto the instrument pixels
//   (prep resampleFluxConserving), 5. smooth distortion 1 + sum_k c_k P_k(x), c_k ~ N(0, amp / k),
//   6. scaling to electrons so that the continuum (prep fitContinuum of the noiseless spectrum) has
//   C electrons with C / sqrt(C + RN^2) = S/N at its median, 7. Gaussian noise of variance
//   e + RN^2 (e = expected electrons; ivar = 1/(e + RN^2), exactly the variance drawn from),
//   8. cosmic rays (Poisson number, +10..100 sqrt(C) electrons, masked, ivar 0) and dead pixels
//   (flux 0, masked). Without noise the result stays in the input's flux unit (times the
//   distortion) with ivar 0. The result is in AIR with metadata (SNR, RV, SEED, RESOLVING, ...).
Spectrum observe(const Spectrum& highResVacuum, const InstrumentModel& instrument, const ObservationSettings& settings);

// Synthesizes the star over requiredVacuumWindow() at 0.01 A and observes it; labels set.
Spectrum observeStar(const Synthesizer& synthesizer, const StellarParameters& params, const InstrumentModel& instrument,
                     const ObservationSettings& settings);

}  // namespace remap::synth
