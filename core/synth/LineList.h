#pragma once

#include "base/Spectrum.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace remap::synth {

// One atomic absorption line. Damping constants follow the VALD convention (log10 of the FWHM
// in rad/s); 0 means "not given": the synthesizer then uses the classical radiative width, no
// Stark broadening and the Unsold van der Waals approximation (see docs/synthesizer.md).
struct SpectralLine {
    double wavelength = 0;     // VACUUM Angstrom (files may be in air; converted when read)
    int z = 0;                 // atomic number
    int ionStage = 1;          // 1 = neutral (Fe I), 2 = singly ionized (Fe II)
    double excitation = 0;     // lower-level excitation energy, eV
    double loggf = 0;          // log10 of oscillator strength times statistical weight
    double logGammaRad = 0;    // log10 radiative damping, rad/s
    double logGammaStark = 0;  // log10 quadratic Stark damping per electron (cm^3/s) at 10^4 K
    double logGammaVdw = 0;    // log10 van der Waals damping per H atom (cm^3/s) at 10^4 K
};

struct LineList {
    std::vector<SpectralLine> lines;  // sorted by vacuum wavelength
    std::string source;               // file name or "embedded:..."
};

// Parses the REMAP line-list text format (documented in docs/synthesizer.md and at the top of
// resources/linelists/remap-strong.lines):
//   # comment                                   (anywhere; blank lines ignored)
//   medium: air                                 (or vacuum; before the first line; default air)
//   Fe 1 5269.537 0.859 -1.321 [lgRad lgStark lgVdw]
// i.e. element symbol, ion stage (1 or 2), wavelength (Angstrom, in the declared medium),
// excitation (eV), log gf, then optionally the three damping constants (0 = computed).
// Throws remap::Error naming `sourceName` and the line number for anything malformed.
LineList parseLineList(std::string_view text, const std::string& sourceName);
// Reads and parses a line-list file.
LineList readLineList(const std::string& path);
// Writes `list` in the same text format (wavelengths in `medium`, 3 decimals) after `header`
// (each header line is prefixed with "# ").
std::string formatLineList(const LineList& list, const std::string& header, Medium medium = Medium::Air);
// Merges lists (sorted by wavelength); the source names are joined with '+'.
LineList mergeLineLists(const std::vector<const LineList*>& lists);

// The line lists compiled into the library from resources/linelists/:
//   strong: the well-known lines of the MARVELS window plus H beta (hand-curated),
//   weak: the seeded weak-line population (gridWeakLineRule()),
//   observedExtra: lines only the "observed" physics knows (observedExtraLineRule()).
enum class EmbeddedList { Strong, Weak, ObservedExtra };
std::string_view embeddedLineListText(EmbeddedList which);
const LineList& embeddedLineList(EmbeddedList which);
// Strong + weak: what the grid and the default synthesis use.
const LineList& defaultLineList();

// The deterministic rule that made the committed weak-line files (docs/synthesizer.md):
// `count` lines, wavelengths uniform in [airMin, airMax] (air, rounded to 1 mA), species drawn by
// the fixed weights of the rule (mostly Fe I), excitation uniform in [0, 5] eV, and
//   log gf = chi + c_s + U(-2.7, 0),  c_s = -5.3 + (7.50 - A_s) + (neutral: 7.90 - I_s; ion: -1.0),
// clipped to [-8, 0.5], so that every species gives lines of line-centre opacity 0.01-3 times the
// continuum in the Sun regardless of its abundance and ionization. Uniform deviates come from
// std::mt19937_64(seed) as (x >> 11) * 2^-53, so the list is identical on every platform.
struct LinePopulationRule {
    std::uint64_t seed = 0;
    int count = 0;
    double airMin = 4700, airMax = 6000;
};
LinePopulationRule gridWeakLineRule();       // seed 20251009, 450 lines
LinePopulationRule observedExtraLineRule();  // seed 11000, 150 lines
LineList generateLinePopulation(const LinePopulationRule& rule);
// The exact text of the committed file for a rule (header included).
std::string generateLinePopulationText(const LinePopulationRule& rule, const std::string& title);

}  // namespace remap::synth
