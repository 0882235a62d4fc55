#pragma once

// Choosing the wavelength, flux and uncertainty columns of a table (FITS or text) by name, unit and
// content, or as the user says with --columns.

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace remap::io {

enum class ColumnRole { Unknown, Wave, LogWave, Flux, Sigma, Ivar, Variance, Snr, Mask };

// The role a column name says it has: wavelength (wavelength, wave, lambda, wl, lam, w, waveobs, their
// _air/_vac forms, loglam), flux (flux, flux_norm, s, f, intensity, counts, ...), uncertainty (err,
// error, sigma, serr, e_flux, noise, ...; ivar; var; snr) or mask (mask, and_mask, flag, dq, quality).
// Case, blanks and a unit in brackets are ignored.
ColumnRole roleFromName(const std::string& name);
// Model, sky, continuum, background... columns: never the flux or its uncertainty.
bool isAuxiliaryName(const std::string& name);

struct ColumnInfo {
    std::string name;  // as written (may be empty for text without a header)
    std::string unit;  // TUNITn or a unit in the text header, may be empty
    bool numeric = true;
};

struct ColumnChoice {
    int wave = -1, flux = -1, uncertainty = -1, mask = -1;  // 0-based; -1 = none
    bool logWave = false;
    ColumnRole uncertaintyRole = ColumnRole::Sigma;  // Sigma, Ivar, Variance or Snr
    std::string how;                                 // "by name", "by --columns", ...
    std::vector<std::string> warnings;               // choices made by content or position

    bool complete() const { return wave >= 0 && flux >= 0; }
    // "wavelength = WAVE, flux = FLUX, sigma = ERR" with the names as written (or column numbers).
    std::string describe(const std::vector<ColumnInfo>& columns) const;
};

// Values of column i (0-based), all rows; called only when names do not decide.
using ColumnValues = std::function<std::vector<double>(int)>;

// Picks the columns:
//  1. `forced` (--columns WAVE,FLUX[,ERR]: names, case-insensitive, or 1-based numbers) when given; an
//     unknown name throws remap::UsageError listing the columns;
//  2. the wavelength: a column with a length unit, else one named like a wavelength, else (by content)
//     the first numeric column that is strictly monotonic with a plausible wavelength range;
//  3. the flux: one named like a flux (plain "flux" first), else one with a flux-like unit, else the
//     first other numeric column that is not an uncertainty, mask or auxiliary column;
//  4. the uncertainty: one named like one (ivar, var, snr included), else the next column with the
//     flux's unit; the mask: one named like one.
// `positional` (text without a header): wavelength, flux, sigma, mask by position, checked by content.
// Returns an incomplete choice when no wavelength or flux column is found (the caller says why).
ColumnChoice chooseColumns(const std::vector<ColumnInfo>& columns, const std::vector<std::string>& forced,
                           const ColumnValues& values, bool positional, const std::string& file);

// The UncertaintyKind (io/ReaderSupport.h) of an uncertainty role (Sigma for anything else).
enum class UncertaintyKind;
UncertaintyKind uncertaintyKindOf(ColumnRole role);

// True when the finite values are strictly monotonic (either direction) with at least 3 of them.
bool strictlyMonotonic(const std::vector<double>& v);

}  // namespace remap::io
