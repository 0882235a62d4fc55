#pragma once

// Helpers shared by the spectrum layout readers (internal to remap_io).

#include "base/Spectrum.h"
#include "io/FitsFile.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remap::io {

// Text.
std::string toLower(std::string_view text);
std::string toUpper(std::string_view text);
std::string trim(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool startsWithI(std::string_view text, std::string_view prefix);
bool containsI(std::string_view text, std::string_view needle);

// `text` when it is valid UTF-8, else read as Latin-1 (what non-ASCII bytes in old FITS headers and
// text files usually are) and converted, so that every string a reader returns is valid UTF-8.
std::string validUtf8(const std::string& text);

// Angstrom per unit for a length unit ("Angstrom", "AA", "nm", "um", "micron", "m", "cm", "mm", ...),
// nullopt when `unit` is empty or not a length.
std::optional<double> angstromsPerUnit(std::string_view unit);
// True for units that look like a flux density or counts (erg, Jy, W, photon, count, electron, ADU ...).
bool looksLikeFluxUnit(std::string_view unit);

// A yes/no keyword written as a logical (T/F) or as text (T, TRUE, 1, YES / F, FALSE, 0, NO); nullopt
// when absent or not understood.
std::optional<bool> keyFlag(FitsFile& file, const std::string& key);
// Medium stated in the current header: VACUUM (T/F) or MEDIUM / AIRORVAC / WAVEMED ('air', 'vac...').
std::optional<Medium> mediumFromHeader(FitsFile& file);

// Spectral axis keywords of the current HDU (axis 1).
struct AxisKeywords {
    std::string ctype;  // CTYPE1, trimmed, upper-case; empty when absent
    std::string cunit;  // CUNIT1 as written; empty when absent
    std::optional<double> crval;
    std::optional<double> crpix;
    std::optional<double> delta;  // CD1_1, else CDELT1 (times PC1_1 when present)
    std::string deltaKey;         // "CD1_1" or "CDELT1", for messages
};
AxisKeywords readAxisKeywords(FitsFile& file);

// Requires CRVAL1 and a finite, non-zero dispersion; fails naming the keyword otherwise.
void requireAxisSolution(FitsFile& file, const AxisKeywords& axis);

// Pixel p = 1..n: crval + delta (p - crpix), then 10^x or e^x for the log variants.
std::vector<double> linearAxis(std::size_t n, double crval, double delta, double crpix);
std::vector<double> log10Axis(std::size_t n, double crval, double delta, double crpix);
std::vector<double> lnAxis(std::size_t n, double crval, double delta, double crpix);
void scaleInPlace(std::vector<double>& values, double factor);

// ivar = 1/sigma^2; sigma <= 0 or non-finite gives ivar 0 and sets the mask.
void ivarFromSigma(const std::vector<double>& sigma, std::vector<double>& ivar, std::vector<std::uint8_t>& mask);
// ivar = 1/variance with the same rules.
void ivarFromVariance(const std::vector<double>& variance, std::vector<double>& ivar, std::vector<std::uint8_t>& mask);
// ivar taken as given; ivar <= 0 or non-finite sets the mask.
void ivarAsGiven(const std::vector<double>& values, std::vector<double>& ivar, std::vector<std::uint8_t>& mask);

// What an uncertainty array holds.
enum class UncertaintyKind { Sigma, Variance, InverseVariance, Snr };
// ivar from an uncertainty array of that kind (S/N: sigma = |flux| / snr), with the rules above.
void ivarFromUncertainty(UncertaintyKind kind, const std::vector<double>& values, const std::vector<double>& flux,
                         std::vector<double>& ivar, std::vector<std::uint8_t>& mask);

// Table columns of one spectrum (readSpectrumColumn, row 0): ivar from column `name` (masking ivar <= 0)
// and mask |= (column `maskName` != 0), each only when the table has the column. False when no ivar.
bool readIvarColumn(FitsFile& file, const std::string& name, std::size_t n, std::vector<double>& ivar,
                    std::vector<std::uint8_t>& mask);
void readMaskColumn(FitsFile& file, const std::string& maskName, std::size_t n, std::vector<std::uint8_t>& mask);

// mask |= (values != 0); NaN counts as bad.
void orMaskNonZero(const std::vector<double>& values, std::vector<std::uint8_t>& mask);

// Fails with "no usable pixel" when no value is finite.
void requireSomeFinite(FitsFile& file, const std::vector<double>& flux);

// Fails unless `got` pixels equal `expected`, naming what was read.
void requireLength(FitsFile& file, std::size_t got, std::size_t expected, const std::string& what);

// A spectrum whose provenance names the file and HDU.
Spectrum startSpectrum(FitsFile& file, int hdu);

// Copies a keyword of the current HDU into metadata[name] when present.
void copyKeyToMetadata(FitsFile& file, const std::string& key, Spectrum& spectrum, const std::string& name);

// Number formatting for metadata without trailing zeros ("5800", "4.5").
std::string formatNumber(double value);

// Effective 1-D length of an image shape whose extra axes are all 1; 0 when it is not 1-D.
long oneDimensionalLength(const std::vector<long>& shape);

// "4096 x 3" for messages.
std::string describeShape(const std::vector<long>& shape);

// The numeric value of a table column for one spectrum: a scalar column read over all rows,
// or the `row` cell of an array column.
std::vector<double> readSpectrumColumn(FitsFile& file, const FitsFile::Column& column, long row = 0);

// Header records of the current HDU that are HISTORY or COMMENT and mention `word`.
bool headerMentions(FitsFile& file, std::string_view word);

}  // namespace remap::io
