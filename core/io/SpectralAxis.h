#pragma once

// Deciding a spectrum's wavelength axis from what a header or a column says about it, and refusing
// when the evidence contradicts itself in a way that has no unambiguous resolution.

#include "base/Spectrum.h"
#include "io/FitsFile.h"
#include "io/Instruments.h"

#include <optional>
#include <string>
#include <vector>

namespace remap::io {

// The plausible range of a stellar spectrum (far UV to mid-infrared). A reading outside it means a
// wrong unit or a missed log scale.
inline constexpr double kPlausibleMinAngstrom = 300.0;
inline constexpr double kPlausibleMaxAngstrom = 3.0e5;

// One statement of the wavelength unit: a keyword (CUNIT1, WAT1_001 units=, a unit written as CTYPE1,
// TUNITn) or a column header.
struct UnitStatement {
    double angstromsPerUnit = 1.0;
    std::string unit;    // as written
    std::string source;  // "keyword CUNIT1 = 'NM'"
};

// Another wavelength axis the same file gives for the same pixels (another HDU's WCS).
struct OtherAxis {
    std::string what;             // "HDU 1 (SIGMA)"
    double lo = 0, hi = 0;        // in Angstrom, as its own statement (or default) reads it
    double rawLo = 0, rawHi = 0;  // as written, in its own unit
};

// What else is known when deciding the unit.
struct AxisEvidence {
    std::optional<InstrumentInfo> instrument;
    std::vector<OtherAxis> others;
    std::string overrideUnit;  // ReadOptions::waveUnit
};

struct UnitDecision {
    double angstromsPerUnit = 1.0;
    std::string unit;    // canonical name: Angstrom, nm, um, mm, cm, m
    std::string source;  // for Provenance::waveUnitSource
    std::vector<std::string> warnings;
};

// Canonical name of a factor (1 -> "Angstrom", 10 -> "nm", ...).
std::string unitName(double angstromsPerUnit);

// Decides the unit of an axis whose values (in the file's unit) run from `lo` to `hi`.
//  - ReadOptions::waveUnit wins.
//  - Stated units are taken when the result is consistent: inside the plausible range, inside the
//    instrument's range (when known) and equal to the other axes of the file. A stated unit that is not
//    consistent is replaced by the one other unit (Angstrom, nm, um, m) that is, with a warning; when no
//    unit or several fit, it is an error naming the contradiction and --wave-unit. When only another
//    axis of the file disagrees, and that axis would agree under another unit of its own, the evidence
//    is ambiguous: an error too.
//  - Without a statement the range decides: 250-2600 nm, 0.25-6 um and 1e-8 to 1e-4 m read as those
//    units (with a warning saying so); anything else is Angstrom (the default, said in the source).
// `what` names the axis for messages ("the primary HDU's wavelength axis"). Throws remap::Error(file, hdu).
UnitDecision decideWavelengthUnit(const std::vector<UnitStatement>& stated, double lo, double hi,
                                  const AxisEvidence& evidence, const std::string& what, const std::string& file,
                                  int hdu);

// A 1-D spectral WCS (axis 1) as written in the current HDU: FITS paper III types and their -LOG form,
// IRAF LINEAR with DC-FLAG, and what archives write outside the paper (CTYPE1 'ANGSTROM', 'LAMBDA',
// 'WAVELENGTH'; CUNIT1 '0.1 nm', 'Angstroms', 'micron'; WAT1_001 units=; CD1_1 for CDELT1).
struct SpectralWcs {
    enum class Scale { Linear, Log10, Ln, FitsLog };
    std::string ctype;  // upper case, trimmed
    double crval = 0, delta = 0, crpix = 0;
    std::string deltaKey;  // CD1_1 or CDELT1
    Scale scale = Scale::Linear;
    std::vector<UnitStatement> units;  // every statement found (several may contradict each other)
    Medium medium = Medium::Unknown;
    std::string mediumSource;
    std::vector<std::string> warnings;  // e.g. the CRPIX1 rule
    // A FITS paper III type (WAVE, AWAV) without CUNIT1: the standard's unit is metres.
    bool standardMetres = false;
    // The axis in the file's unit (before the unit factor) for pixels 1..n.
    std::vector<double> values(std::size_t n) const;
};

// Reads the WCS of the current HDU. Missing CRPIX1 follows the FITS standard and IRAF (0: CRVAL1 is the
// wavelength of pixel 0) and says so in a warning. Throws remap::Error for a header without a usable
// solution: no CRVAL1, no dispersion, a zero one, DC-FLAG = -1, a non-wavelength CTYPE1 (PIXEL, FREQ...).
SpectralWcs readSpectralWcs(FitsFile& file);

// True when the current HDU has any wavelength keyword of its own (CRVAL1).
bool hasSpectralWcs(FitsFile& file);

// The unit statements of a WAT1_001.. 'units=' attribute, when present.
std::optional<UnitStatement> watUnitStatement(FitsFile& file);

// The medium stated by keywords of the current HDU (VACUUM, MEDIUM, AIRORVAC, WAVEMED, CTYPE1) and the
// keyword that said it.
std::optional<std::pair<Medium, std::string>> statedMedium(FitsFile& file);

struct MediumDecision {
    Medium medium = Medium::Unknown;
    std::string source;
    std::vector<std::string> warnings;
};
// The medium from, in this order: what the file states (keyword), what the instrument's pipeline is
// known to write, a layout's convention (IRAF: air), else unknown ("not stated"). A statement that
// contradicts the instrument is followed, with a warning.
MediumDecision decideMedium(const std::optional<std::pair<Medium, std::string>>& stated,
                            const std::optional<InstrumentInfo>& instrument,
                            const std::optional<std::pair<Medium, std::string>>& convention = std::nullopt);

// The instrument named by INSTRUME / TELESCOP in the current HDU, else in the primary HDU. Leaves the
// file at the current HDU.
std::optional<InstrumentInfo> instrumentOf(FitsFile& file);

// The wavelength axis of the current image HDU for `n` pixels: readSpectralWcs, then the unit decided
// with `evidence` (instrument, other axes, --wave-unit). `what` names the axis in messages.
struct DecidedAxis {
    SpectralWcs wcs;
    UnitDecision unit;
    std::vector<double> wavelength;  // Angstrom
};
DecidedAxis decideImageAxis(FitsFile& file, std::size_t n, const AxisEvidence& evidence, const std::string& what);

// The axes of the other 1-D images of `n` pixels that carry their own WCS (skipping `except`), each read
// with its own unit statement checked against the instrument only; unreadable ones are left out.
std::vector<OtherAxis> otherImageAxes(FitsFile& file, std::size_t n, int except,
                                      const std::optional<InstrumentInfo>& instrument);

// "HDU 2 (SIGMA)" or "the primary HDU".
std::string hduLabel(FitsFile& file, int hdu);

}  // namespace remap::io
