#pragma once

#include "base/Progress.h"
#include "base/Spectrum.h"
#include "synth/Synthesizer.h"

#include <cstddef>
#include <string>
#include <vector>

namespace remap::synth {

inline constexpr const char* kPhoenixWaveName = "WAVE_PHOENIX-ACES-AGSS-COND-2011.fits";
inline constexpr const char* kPhoenixSuffix = ".PHOENIX-ACES-AGSS-COND-2011-HiRes.fits";
inline constexpr const char* kSynthVersion = "REMAP-synth 2.0";

// A grid at PHOENIX spacing (formats.md): Teff in steps of 100 K up to 7000 K and 200 K above;
// log g 0.0-6.0 in steps of 0.5; [Fe/H] in {-4, -3, -2, -1.5, -1, -0.5, 0, +0.5, +1}; every value
// of those sequences inside the closed ranges below and inside the synthesizer's valid domain (log g at least
// minimumLogg(Teff)). With alphaVariants, the [alpha/M] = +0.2 and +0.4 models are added where PHOENIX has
// them (-3 <= [Fe/H] <= 0).
struct GridSpec {
    double teffMin = 3800, teffMax = 7000;
    double loggMin = 0.5, loggMax = 5.0;
    double fehMin = -2.0, fehMax = 0.5;
    bool alphaVariants = false;
    double windowMin = kDefaultWindowMin, windowMax = kDefaultWindowMax;  // vacuum A
    double step = kHighResStep;                                           // A
    int threads = 0;                                                      // 0 = all cores

    // Throws remap::UsageError when a range is empty, inverted or outside the synthesizer's validity.
    void validate() const;
};

struct GridPoint {
    double teff = 0, logg = 0, feh = 0, alpha = 0;
    std::string relativePath;  // e.g. "Z-0.0/lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"
};

std::vector<GridPoint> phoenixGridPoints(const GridSpec& spec);
// "-0.0", "+0.5", "-1.0" (PHOENIX writes zero as -0.0).
std::string phoenixMetallicityTag(double feh);
// "Z-0.5" or "Z-0.5.Alpha=+0.20".
std::string phoenixFolderName(double feh, double alpha);
// "lte05800-4.50-0.0[.Alpha=+0.20].PHOENIX-ACES-AGSS-COND-2011-HiRes.fits".
std::string phoenixFileName(double teff, double logg, double feh, double alpha);

struct GridReport {
    std::size_t total = 0, written = 0, skipped = 0;
    std::string waveFile;
    double seconds = 0;
};

// Writes the grid under `outDir` (created if missing): the WAVE file at the top (float64 vacuum A)
// and one float32 flux file per point with PHX* keywords, so readSpectrum() reads them as
// "phoenix-hires". Parallel over spec.threads, each file written atomically; files that already
// exist with the right length and labels are skipped (resumable). Alpha: the grid's physics uses
// the point's own [alpha/M] (0 for the plain folders), never the Galactic trend. Throws
// remap::Cancelled when the observer asks to stop (finished files stay valid).
GridReport writePhoenixGrid(const Synthesizer& synthesizer, const GridSpec& spec, const std::string& outDir,
                            ProgressObserver& progress);

// Writes one PHOENIX-layout flux file (float32 primary, PHX* keywords, HDU1 abundance table).
// With `lnLambdaAxis` the primary also gets CTYPE1='WAVE-LOG', CRVAL1 = ln(lambda_0), CDELT1, CRPIX1
// (the phoenix-medres convention, vacuum), so the file is self-contained; the flux must then lie on
// a uniform ln(lambda) grid. Written atomically.
void writePhoenixFluxFile(const std::string& path, const Spectrum& spectrum, const StellarParameters& params,
                          double microturbulence, bool lnLambdaAxis);
void writePhoenixWaveFile(const std::string& path, const std::vector<double>& vacuumWavelengths);

}  // namespace remap::synth
