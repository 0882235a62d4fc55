#pragma once

#include "base/Spectrum.h"

#include <string>
#include <string_view>
#include <vector>

namespace remap::synth {

// One absorption line of an atom, ion or diatomic molecule. Damping constants: 0 means "not given", and the
// synthesizer then uses the classical radiative width, Cowley's (1971) Stark estimate and Unsold's van der
// Waals width (docs/synthesizer.md).
struct SpectralLine {
    double wavelength = 0;     // VACUUM Angstrom (files may be in air; converted when read)
    int z = 0;                 // atomic number (the first atom of a molecule, as written: C of CH, Ti of TiO)
    int z2 = 0;                // the second atom of a diatomic molecule; 0 for atoms and ions
    int ionStage = 1;          // 1 = neutral (Fe I), 2 = singly ionized (Fe II); molecules: 1
    double excitation = 0;     // lower-level energy, eV
    double loggf = 0;          // log10 (g f), isotopic fraction included
    double logGammaRad = 0;    // log10 radiative damping (FWHM), rad/s
    double logGammaStark = 0;  // log10 quadratic Stark damping per electron (cm^3/s) at 10^4 K
    double logGammaVdw = 0;    // log10 van der Waals damping per H atom (cm^3/s) at 10^4 K
    double vdwAlpha = 0;       // ABO velocity exponent: gamma6 ~ T^((1 - alpha)/2); 0: Unsold's T^0.3
    bool molecule() const { return z2 > 0; }
};

struct LineList {
    std::vector<SpectralLine> lines;  // sorted by vacuum wavelength
    std::string source;               // file name or "embedded:..."
};

// The REMAP line-list text format (docs/synthesizer.md; resources/physics/lines/*.lines.gz):
//   # comment                              (anywhere, also after the fields of a line; blank lines ignored)
//   medium: air                            (or vacuum; before the first line; default air)
//   Fe 1 5269.537 0.858 -1.330 [lgRad lgStark lgVdw [alpha]]
//   CH 1 4850.0480 0.6370 -4.977
// i.e. element symbol or diatomic formula (CH, MgH, CN, C2, TiO, ...), ion stage (1 or 2; molecules 1),
// wavelength (Angstrom, in the declared medium), lower-level energy (eV), log gf, then optionally the
// damping constants (0 = computed) and the ABO alpha. Throws remap::Error naming `sourceName` and the line
// number for anything malformed.
LineList parseLineList(std::string_view text, const std::string& sourceName);
LineList readLineList(const std::string& path);
// Writes `list` in the same format (wavelengths in `medium`) after `header` (lines prefixed with "# ").
std::string formatLineList(const LineList& list, const std::string& header, Medium medium = Medium::Air);
// Merges lists (sorted by wavelength); the source names are joined with '+'.
LineList mergeLineLists(const std::vector<const LineList*>& lists);
// "Fe", "CH", "C2" for a line's species.
std::string speciesName(const SpectralLine& line);

// The curated line lists compiled into the library (resources/physics/lines/, README there):
//   Atoms: ~26,000 atomic and ionic lines 4850-5850 A (air), log gf chosen per line from laboratory data,
//          the Kirby/Escala astrophysical list, VALD and GALAH; ABO damping where known;
//   Molecules: CH, CN, MgH, C2, TiO, ZrO, VO, SiH, CaH, OH (~208,000 lines);
//   ObservedExtra: predicted VALD Fe I/Fe II lines the curated list does not carry (only the "observed"
//          physics of the demo survey uses them: the weak lines a real star has and the model lacks).
enum class EmbeddedList { Atoms, Molecules, ObservedExtra };
std::string_view embeddedLineListText(EmbeddedList which);
const LineList& embeddedLineList(EmbeddedList which);
// Atoms + molecules: what the synthesizer uses by default.
const LineList& defaultLineList();
// The air wavelength range the embedded lists cover (no line data outside it).
inline constexpr double kLineDataAirMin = 4850.0, kLineDataAirMax = 5850.0;

}  // namespace remap::synth
