#pragma once

#include "base/Spectrum.h"

#include <string>
#include <vector>

namespace remap {

struct ReadOptions {
    std::string format;    // empty: auto-detect; otherwise one of spectrumFormatNames()
    std::string waveFile;  // PHOENIX HiRes wavelength file; empty: search beside the file and in parents
    // Echelle files (IRAF multispec, 2-D order images): 0 merges all orders into one spectrum, N reads
    // order N alone (1-based image row). IRAF equispec: the aperture (0 = the first).
    int order = 0;
    int row = 0;  // APOGEE apStar: 0 = combined spectrum, k = visit k; tables of several spectra: the row
    // Tables and text: the wavelength, flux and (optional) uncertainty columns by name (case-insensitive)
    // or 1-based number, instead of choosing them by name and content.
    std::vector<std::string> columns;
    // The unit the file's wavelengths are in ("Angstrom", "nm", "um", ...), overriding what the file
    // says or what its range suggests. Empty: decided from the file.
    std::string waveUnit;
};

// Reads one spectrum from FITS or text (also gzip-compressed), auto-detecting the layout (specific
// signatures before generic ones) unless options.format forces one. The result is finalize()d:
// wavelengths in Angstrom ascending, bad pixels masked. What the reader inferred, repaired or masked is
// in `warnings` and in `provenance`. Throws remap::Error naming file, HDU and problem (and the option
// that would override, where there is one). The input file is only ever opened read-only.
Spectrum readSpectrum(const std::string& path, const ReadOptions& options = {});

// The name of the layout readSpectrum would use, or throws remap::Error if none matches.
std::string detectSpectrumFormat(const std::string& path);

// All format names accepted by ReadOptions::format / --format.
std::vector<std::string> spectrumFormatNames();

}  // namespace remap
