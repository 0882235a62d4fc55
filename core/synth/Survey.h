#pragma once

#include "base/Progress.h"
#include "synth/Observe.h"
#include "synth/PhoenixGrid.h"
#include "synth/Synthesizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace remap::synth {

// A reproducible demo survey that mirrors the MARVELS story (docs/synthesizer.md):
//   - `dwarfs` FGK dwarfs with reference labels (the transfer-learning / fine-tuning set),
//   - `calibration` dwarfs with reference labels, held out for validation,
//   - `giants` giant candidates of which about giantFraction really are giants (log g 2.0-3.5) and
//     the rest dwarfs/subgiants; their labels go ONLY into giants_truth.csv.
// Labels: [Fe/H] ~ N(-0.05, 0.25) clipped to [-2, 0.5]; dwarfs Teff ~ N(5600, 450) in 4500-6500 K with
// a main-sequence log g (4.0-4.7); giants Teff ~ N(4850, 250) in 4500-5500 K; [alpha/M] on the Galactic
// trend + N(0, 0.03); S/N log-uniform in 30-150; RV ~ N(-5, 35) km/s; v sin i and macroturbulence from
// simple Teff laws. Spectra are observed with the "observed" physics (the synthetic-to-observed gap)
// and the MARVELS-like instrument, written in the remap-1d layout under DIR/spectra/.
struct SurveySpec {
    std::uint64_t seed = 2025;
    int dwarfs = 300;
    int calibration = 30;
    int giants = 732;
    double giantFraction = 0.30;
    int threads = 0;
    InstrumentModel instrument;
    ObservedPhysics physics;
    // Throws remap::UsageError for negative counts or a fraction outside 0..1.
    void validate() const;
};

enum class SurveySample { Dwarf, Calibration, GiantCandidate };

struct SurveyStar {
    std::string id;    // "D0001", "C001", "G0001"
    std::string file;  // relative to the survey folder, e.g. "spectra/D0001.fits"
    SurveySample sample = SurveySample::Dwarf;
    bool isGiant = false;  // truth: log g < 3.5
    StellarParameters params;
    double snr = 0;
    double rvKms = 0;
    std::uint64_t seed = 0;  // observation seed
};

// The survey's stars, drawn deterministically from spec.seed (independent of thread count).
std::vector<SurveyStar> drawSurveyStars(const SurveySpec& spec);

struct SurveyReport {
    std::size_t stars = 0, written = 0, skipped = 0;
    double seconds = 0;
};

// Writes DIR/spectra/*.fits, dwarfs.csv/.fits, calibration.csv/.fits, giants.csv/.fits (file, snr,
// labels where allowed) and giants_truth.csv. Parallel, resumable (existing readable spectra are
// kept), atomic writes, cancellable through `progress`.
SurveyReport writeDemoSurvey(const SurveySpec& spec, const std::string& outDir, ProgressObserver& progress);

struct DemoReport {
    GridReport grid;
    SurveyReport survey;
    double seconds = 0;
};
// The full demo: the default FGK grid in DIR/grid and the survey in DIR/survey.
DemoReport writeDemo(const std::string& outDir, const GridSpec& grid, const SurveySpec& survey,
                     ProgressObserver& progress);

}  // namespace remap::synth
