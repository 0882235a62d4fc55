#pragma once

#include "base/Spectrum.h"
#include "synth/LineList.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace remap::synth {

// The parameter space the physics is meant for; outside it synthesize() throws remap::Error.
inline constexpr double kTeffMin = 3000, kTeffMax = 8000;
inline constexpr double kLoggMin = -0.5, kLoggMax = 6.0;
inline constexpr double kFehMin = -4.0, kFehMax = 1.0;
inline constexpr double kAlphaMin = -0.4, kAlphaMax = 1.2;

// Default high-resolution output: 4800-5900 A (vacuum), constant 0.01 A sampling like the
// PHOENIX HiRes files (R = lambda / 2 dlambda >= 240,000 Nyquist, lambda/dlambda >= 480,000).
inline constexpr double kDefaultWindowMin = 4800.0;
inline constexpr double kDefaultWindowMax = 5900.0;
inline constexpr double kHighResStep = 0.01;

struct StellarParameters {
    double teff = 5777;  // K
    double logg = 4.44;  // cgs
    double feh = 0.0;    // [Fe/H] = [M/H]: all metals scale with it
    // [alpha/M] for O, Mg, Si, S, Ca, Ti; empty: the Galactic trend galacticAlpha(feh).
    std::optional<double> alpha;
    // Microturbulence in km/s; empty: the synthesizer's law (PhysicsOptions::microturbulenceLaw).
    std::optional<double> microturbulence;
    double vsini = 0;            // projected rotation, km/s (limb darkening 0.6)
    double macroturbulence = 0;  // Gaussian macroturbulence, 1/e half-width in km/s
    // Extra abundance offsets (atomic number, dex) on top of [Fe/H] and [alpha/M].
    std::vector<std::pair<int, double>> abundanceOffsets;
};

// Throws remap::Error (naming the parameter and the valid range) for parameters outside the model.
void validateParameters(const StellarParameters& p);

// [alpha/M] of the Galactic trend: 0 at [Fe/H] >= 0, +0.3 at [Fe/H] <= -1, smooth (C1) in between.
double galacticAlpha(double feh);

enum class MicroturbulenceLaw {
    Grid,      // PHOENIX-like: 1 km/s for log g >= 4, 2 km/s for log g <= 3, smooth in between
    Observed,  // xi(Teff, log g) = 1.1 + 1e-4 (Teff-5500) + 4e-7 (Teff-5500)^2 - 0.33 (log g - 4), 0.5..3
};
double microturbulenceFor(MicroturbulenceLaw law, double teff, double logg);

// How line opacity becomes line depth at one wavelength, with eta = line / continuum opacity and D
// the saturation depth of the Milne-Eddington source function (docs/synthesizer.md):
enum class TransferLaw {
    Exponential,     // depth = D (1 - exp(-eta)): linear for weak lines, saturating sharply (default)
    MilneEddington,  // depth = D eta / (1 + eta): the exact Milne-Eddington result, saturates earlier
};

struct PhysicsOptions {
    TransferLaw transfer = TransferLaw::Exponential;
    MicroturbulenceLaw microturbulenceLaw = MicroturbulenceLaw::Grid;
    bool molecularBands = true;       // MgH A-X and C2 Swan (phenomenological, see docs)
    double vdwEnhancement = 1.0;      // factor on the Unsold van der Waals width (lines without lgVdw)
    double lineStrengthScale = 0.25;  // global factor on line-to-continuum opacity (solar calibration)
    // Line opacity (in units of the continuum) below which a line or its wing is not evaluated.
    double opacityThreshold = 1e-4;
    double maxLineHalfWidth = 30.0;  // Angstrom; wings beyond are tapered off smoothly
};

// The characteristic line-forming layer (grey atmosphere at tau_ref = 0.1) solved for
// hydrostatic and ionization equilibrium with H- (plus H, Rayleigh, Thomson) opacity.
struct Photosphere {
    double temperature = 0;  // K
    double theta = 0;        // 5040 / T
    double pe = 0;           // electron pressure, dyn/cm^2
    double pg = 0;           // gas pressure, dyn/cm^2
    double ne = 0;           // electrons per cm^3
    double nH = 0;           // hydrogen nuclei per cm^3
    double kappa5000 = 0;    // continuous opacity at 5000 A, cm^2/g
    double electronsPerH = 0;
};

// Log abundances A(X) (log N/N_H + 12) indexed like elementsBegin()..elementsEnd().
std::vector<double> stellarAbundances(const StellarParameters& p, double alpha);
Photosphere solvePhotosphere(double teff, double logg, const std::vector<double>& abundances);

// Continuum: surface flux F_lambda = pi B_lambda(Teff) in erg/s/cm^2/cm (wavelength in A).
double planckFlux(double wavelengthAngstrom, double temperature);

// Everything a synthesis produces; buffers are reused by later calls (no allocation after the first).
struct SynthesisResult {
    std::vector<double> flux;       // erg/s/cm^2/cm
    std::vector<double> continuum;  // erg/s/cm^2/cm (pi B_lambda)
    Photosphere photosphere;
    double microturbulence = 0;  // km/s used
    double alpha = 0;            // [alpha/M] used
    std::size_t linesEvaluated = 0;
};

// Reusable scratch memory of one thread (create one per thread; never share between threads).
struct SynthesisWorkspace {
    struct LineState {
        double center = 0, eta0 = 0, doppler = 0, invDoppler = 0, damping = 0, halfWidth = 0, invHalfWidth = 0;
    };
    std::vector<LineState> lines;
    std::vector<double> opacity;
    std::vector<double> scratch;
    std::vector<double> kernel;
    std::vector<double> abundances;
    std::vector<double> speciesLogN;
};

// The embedded synthesizer. Immutable after construction: one instance may serve many threads,
// each with its own SynthesisWorkspace.
class Synthesizer {
public:
    explicit Synthesizer(LineList lines = defaultLineList(), PhysicsOptions options = {});

    const LineList& lineList() const { return lines_; }
    const PhysicsOptions& options() const { return options_; }

    // Flux at the given VACUUM wavelengths (Angstrom, strictly increasing, locally uniform sampling
    // for the rotation/macroturbulence kernels). Throws remap::Error for bad parameters or grid.
    void synthesize(const StellarParameters& p, const std::vector<double>& vacuumWavelengths, SynthesisResult& out,
                    SynthesisWorkspace& workspace) const;
    // Convenience: a finalized Spectrum (vacuum, erg/s/cm^2/cm, labels and metadata set).
    Spectrum synthesizeSpectrum(const StellarParameters& p, const std::vector<double>& vacuumWavelengths) const;

private:
    struct LineConstants {
        double center = 0;         // vacuum A
        double lambdaCm2 = 0;      // lambda^2 in cm^2
        double gf = 0;             // 10^loggf
        double excitation = 0;     // eV
        double chiLambda = 0;      // photon energy, eV
        double thermalFactor = 0;  // 2k/m (cm^2/s^2/K)
        double gammaRad = 0;       // rad/s
        double logGammaStark = 0;  // 0 = none
        double logGammaVdw = 0;    // 0 = Unsold
        double unsoldC = 0;        // 17 C6^0.4 (8k/pi mu)^0.3 for the Unsold width, per T^0.3 N_H
        int species = 0;           // index into the species table
    };
    LineList lines_;
    PhysicsOptions options_;
    std::vector<LineConstants> constants_;
    std::vector<std::pair<int, int>> species_;  // (element index, ion stage)
};

// Strictly increasing grids in Angstrom. Throw remap::Error for an empty or inverted range or a
// non-positive step.
std::vector<double> linearWavelengthGrid(double minAngstrom, double maxAngstrom, double step);
std::vector<double> logWavelengthGrid(double minAngstrom, double maxAngstrom, double lnStep);

// The "observed" physics of the synthetic-to-observed gap (docs/synthesizer.md): the same code with
// log gf perturbed by a seeded N(0, loggfSigma) per line, extra lines the grid list lacks and the
// Teff/log g-dependent microturbulence law. The perturbation is one fixed "universe" for all stars.
struct ObservedPhysics {
    std::uint64_t seed = 20240601u;
    double loggfSigma = 0.07;
    bool extraLines = true;
    double vdwEnhancement = 1.3;  // a different van der Waals scaling, as real damping differs from Unsold
};
LineList observedLineList(const LineList& base, const ObservedPhysics& physics);
PhysicsOptions observedPhysicsOptions(const ObservedPhysics& physics);
Synthesizer makeObservedSynthesizer(const ObservedPhysics& physics = {}, const LineList& base = defaultLineList());

}  // namespace remap::synth
