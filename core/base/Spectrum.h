#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remap {

enum class Medium { Unknown, Air, Vacuum };

std::string_view toString(Medium medium);
// Parses "air", "vacuum" or "unknown" (case-insensitive); throws remap::Error otherwise.
Medium parseMedium(std::string_view text);

// Stellar labels a file or catalog may carry (PHOENIX headers, reference catalogs).
struct StellarLabels {
    std::optional<double> teff;   // K
    std::optional<double> logg;   // dex (cgs)
    std::optional<double> feh;    // [Fe/H] or PHOENIX [M/H], dex
    std::optional<double> alpha;  // [alpha/M], dex

    bool any() const { return teff || logg || feh || alpha; }
};

// Pixels a reader masked, by cause (one pixel is counted once, under its first cause in this order).
struct MaskedPixels {
    std::size_t flagged = 0;      // by the file itself: a mask or quality array, zero inverse variance
    std::size_t nonFinite = 0;    // NaN or infinite flux or uncertainty
    std::size_t nonPositive = 0;  // runs of zero or negative flux (detector gaps, padding)
    std::size_t saturated = 0;    // at or above the saturation level, or on a flat top at the maximum
    std::size_t trimmed = 0;      // echelle order edges dropped before merging (not in the result)

    std::size_t total() const { return flagged + nonFinite + nonPositive + saturated; }
};

// Where a spectrum came from, and where each of its interpretations came from.
struct Provenance {
    std::string file;     // path as given by the user
    int hdu = 0;          // 0-based HDU holding the flux
    std::string format;   // detected or forced format name, e.g. "sdss-spec"
    std::string auxFile;  // a second file the reading needed (the PHOENIX WAVE file)
    // The layout in words, e.g. "1-D image, CTYPE1 'ANGSTROM', HARPS" or "51 echelle orders merged".
    std::string layout;
    // The unit the file's wavelengths were written in (the arrays are always Angstrom) and how it was
    // decided, e.g. "nm" from "keyword CUNIT1 = 'nm'", "default (no unit stated)", "inferred from the range".
    std::string waveUnit;
    std::string waveUnitSource;
    // How the medium was decided: "keyword CTYPE1 = 'AWAV'", "instrument HARPS (its pipeline writes air)",
    // "IRAF convention", "not stated".
    std::string mediumSource;
    // "normalized", "raw counts (blaze-shaped)" or "not normalized", with how it was decided.
    std::string fluxKind;
    // Tables and text: which columns were used, e.g. "wavelength = WAVE, flux = FLUX, sigma = ERR".
    std::string columns;
    int orders = 0;  // echelle files: the number of orders in the result (1 when one was picked); 0 otherwise
    MaskedPixels masked;
};

// One 1-D spectrum as a value. Invariants (checked by validate()): all arrays have the same
// length, wavelengths are finite and strictly increasing, masked pixels have ivar == 0 and
// finite flux (0 where the file had a non-finite value).
struct Spectrum {
    std::vector<double> wavelength;  // Angstrom, in `medium`
    std::vector<double> flux;        // in `fluxUnit`
    std::vector<double> ivar;        // inverse variance in 1/fluxUnit^2; 0 = unknown or bad
    std::vector<std::uint8_t> mask;  // 1 = bad pixel

    Medium medium = Medium::Unknown;
    std::string fluxUnit;
    std::string objectName;
    Provenance provenance;
    StellarLabels labels;
    std::map<std::string, std::string> metadata;  // other header values worth showing
    // What the reader inferred, repaired or masked, one sentence each ("CUNIT1 'NM' contradicts ...").
    // Shown by `remap info` and in the GUI's Flags box; empty for a file read exactly as written.
    std::vector<std::string> warnings;

    std::size_t size() const { return wavelength.size(); }
    bool empty() const { return wavelength.empty(); }
    std::size_t maskedCount() const;
    // Sum of ivar > 0: true when the file gave any uncertainty.
    bool hasUncertainty() const;

    // Fills ivar/mask with defaults if empty, masks non-finite flux or ivar, flips a
    // descending wavelength axis, then validates. Throws remap::Error naming the file.
    void finalize();
    void validate() const;
};

// A spectrum of n zero pixels (unmasked, ivar 0) that keeps `in`'s description: medium, units,
// object, provenance, labels and metadata. For operations that build a new pixel array.
Spectrum emptyLike(const Spectrum& in, std::size_t n);

// Robust S/N estimate per pixel (DER_SNR, Stoehr et al. 2008) over unmasked pixels;
// 0 when fewer than 5 usable pixels.
double estimateSnr(const Spectrum& spectrum);

}  // namespace remap
