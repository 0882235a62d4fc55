#pragma once

#include "base/Spectrum.h"
#include "synth/Atmosphere.h"
#include "synth/LineList.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace remap::synth {

// The parameter space the physics is meant for (docs/synthesizer.md "Valid domain"): the ATLAS9 grid's FGK
// part, log g >= 0.5 (>= 1.0 above 7500 K), [M/H] -2.5..+0.5. Outside it synthesize() throws remap::Error.
inline constexpr double kTeffMin = 3800, kTeffMax = 8000;
inline constexpr double kLoggMin = 0.5, kLoggMax = 5.0;
inline constexpr double kFehMin = -2.5, kFehMax = 0.5;
inline constexpr double kAlphaMin = -0.2, kAlphaMax = 0.8;
// The lowest log g the atmosphere grid covers at this Teff.
double minimumLogg(double teff);

// Default high-resolution output: 4850-5850 A (vacuum; the line data cover 4850-5850 A in air), constant
// 0.01 A sampling like the PHOENIX HiRes files (lambda/dlambda >= 485,000).
inline constexpr double kDefaultWindowMin = 4852.0;
inline constexpr double kDefaultWindowMax = 5850.0;
inline constexpr double kHighResStep = 0.01;
// Synthesis wavelengths must lie within the line data (vacuum A).
inline constexpr double kSynthesisMin = 4850.0, kSynthesisMax = 5853.0;

struct StellarParameters {
    double teff = 5772;   // K
    double logg = 4.438;  // cgs
    double feh = 0.0;     // [Fe/H] = [M/H]: all metals scale with it (and the atmosphere's [M/H])
    // [alpha/M] for O, Ne, Mg, Si, S, Ar, Ca, Ti; empty: the Galactic trend galacticAlpha(feh).
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

// Microturbulence laws of survey practice (km/s), each made smooth where the published relation switches
// branches, so the Cramer-Rao finite differences stay meaningful:
enum class MicroturbulenceLaw {
    GaiaEso,     // Gaia-ESO WG11 (Bergemann; as in iSpec): dwarfs (log g >= 3.5) and giants, Teff, log g, [Fe/H];
                 // the branches are blended over 3.3 < log g < 3.7 (the grid physics)
    ApogeeDr12,  // APOGEE DR12 (Holtzman et al. 2015): 2.478 - 0.325 log g (the observed physics)
};
double microturbulenceFor(MicroturbulenceLaw law, double teff, double logg, double feh = 0.0);
// "ges" / "apogee" (case-insensitive); empty when unknown.
std::optional<MicroturbulenceLaw> microturbulenceLawByName(std::string_view name);

struct PhysicsOptions {
    MicroturbulenceLaw microturbulenceLaw = MicroturbulenceLaw::GaiaEso;
    double vdwEnhancement = 1.0;     // factor on the Unsold van der Waals width (lines without ABO/VALD values)
    double opacityThreshold = 1e-4;  // line/continuum opacity below which a line (or its wing) is not evaluated
    double maxLineHalfWidth = 30.0;  // Angstrom; wings beyond are tapered off smoothly
    bool molecules = true;           // molecular lines (CH, CN, MgH, C2, TiO, ...)
    bool hydrogenLines = true;       // H beta (Stehle & Hutcheson Stark profiles + self-broadening)
    // Continuum mis-placement of the observed physics: normalized flux r -> (r + c) / (1 + c).
    double continuumOffset = 0.0;
    // Depth layers of the atmosphere used (every `depthStride`-th of ATLAS9's 0.125-dex tau grid, log tau
    // -6.875 .. +1.5).
    int depthStride = 1;
};

// Everything a synthesis produces; buffers are reused by later calls.
struct SynthesisResult {
    std::vector<double> flux;       // surface flux F_lambda, erg/s/cm^2/cm
    std::vector<double> continuum;  // the same without lines
    double microturbulence = 0;     // km/s used
    double alpha = 0;               // [alpha/M] used
    std::size_t linesEvaluated = 0;
    std::string atmosphere;  // the model atmosphere used
};

// Reusable scratch memory of one thread (create one per thread; never share between threads).
struct SynthesisWorkspace {
    std::vector<float> lineOpacity;  // [layer][pixel], in units of rho kappa_Ross
    std::vector<double> scratch, kernel, tau, e3, e4, source, x, flux, cflux;
    std::vector<double> nodeLambda, nodeOpacity, nodeSource;  // continuum nodes [layer][node]
    std::vector<double> pixelNode;                            // per pixel: node index + weight
};

// The embedded 1-D LTE synthesizer (docs/synthesizer.md). Immutable after construction: one instance may
// serve many threads, each with its own SynthesisWorkspace.
class Synthesizer {
public:
    explicit Synthesizer(LineList lines = defaultLineList(), PhysicsOptions options = {});

    const LineList& lineList() const { return lines_; }
    const PhysicsOptions& options() const { return options_; }

    // Flux at the given VACUUM wavelengths (Angstrom, strictly increasing, inside kSynthesisMin..Max,
    // locally uniform sampling for the rotation/macroturbulence kernels). Throws remap::Error for bad
    // parameters or grid.
    void synthesize(const StellarParameters& p, const std::vector<double>& vacuumWavelengths, SynthesisResult& out,
                    SynthesisWorkspace& workspace) const;
    // The same for a given model atmosphere (e.g. a MARCS file); p.teff/logg/feh only set the abundances and
    // the microturbulence law.
    void synthesize(const StellarParameters& p, const ModelAtmosphere& atmosphere,
                    const std::vector<double>& vacuumWavelengths, SynthesisResult& out,
                    SynthesisWorkspace& workspace) const;
    // Convenience: a finalized Spectrum (vacuum, erg/s/cm^2/cm, labels and metadata set).
    Spectrum synthesizeSpectrum(const StellarParameters& p, const std::vector<double>& vacuumWavelengths) const;

private:
    struct Species {
        int z = 0, z2 = 0, stage = 1;
        double mass = 0;    // amu
        int molecule = -1;  // PartitionFunctions index for molecules
    };
    // Per line, precomputed at construction.
    struct LineConstants {
        double center = 0;         // vacuum A
        double logStrength = 0;    // ln[(pi e^2/(m_e c^2)) lambda gf c / sqrt(pi)] (cgs): eta0 without n/U, v_D, kappa
        double excitation = 0;     // eV
        double gammaRad = 0;       // rad/s
        double stark = 0;          // gamma4 per electron at 1e4 K
        double vdw = 0;            // gamma6 per perturber at 1e4 K (listed); 0: Unsold
        double vdwExponent = 0.3;  // gamma6 ~ (T/1e4)^vdwExponent
        double unsold = 0;         // 17 C6^0.4 (8k/(pi mu))^0.3: Unsold gamma6 per T^0.3 and perturber
        int species = 0;
    };
    LineList lines_;
    PhysicsOptions options_;
    std::vector<LineConstants> constants_;
    std::vector<Species> species_;
};

// Log abundances A(X) = log10(N_X/N_H) + 12 for z = 1..92 (index z - 1): Asplund et al. (2009) scaled by
// [Fe/H] (z > 2), [alpha/M] on the alpha elements, then the offsets.
std::vector<double> stellarAbundances(const StellarParameters& p, double alpha);

// Strictly increasing grids in Angstrom. Throw remap::Error for an empty or inverted range or a
// non-positive step.
std::vector<double> linearWavelengthGrid(double minAngstrom, double maxAngstrom, double step);
std::vector<double> logWavelengthGrid(double minAngstrom, double maxAngstrom, double lnStep);

// The "observed" physics of the synthetic-to-observed gap (docs/synthesizer.md): the same code with log gf
// perturbed by a seeded N(0, loggfSigma) per line, listed van der Waals constants by N(0, vdwSigma) dex,
// Unsold widths scaled by vdwEnhancement, weak lines the grid physics lacks (VALD's predicted Fe I/Fe II lines
// that the curated list does not carry, resources/physics/lines/observed_extra.lines.gz), the APOGEE
// microturbulence law and a continuum offset. One fixed "universe" for all stars.
struct ObservedPhysics {
    std::uint64_t seed = 20240601u;
    double loggfSigma = 0.05;
    double vdwSigma = 0.1;
    double vdwEnhancement = 1.3;
    bool extraLines = true;
    double continuumOffset = 0.006;
};
LineList observedLineList(const LineList& base, const ObservedPhysics& physics);
PhysicsOptions observedPhysicsOptions(const ObservedPhysics& physics);
Synthesizer makeObservedSynthesizer(const ObservedPhysics& physics = {}, const LineList& base = defaultLineList());

}  // namespace remap::synth
