#pragma once

#include "base/Spectrum.h"

#include <string>
#include <vector>

namespace remap {

struct ReadOptions {
    std::string format;    // empty: auto-detect; otherwise one of spectrumFormatNames()
    std::string waveFile;  // PHOENIX HiRes wavelength file; empty: search beside the file and in parents
    int order = 1;         // IRAF multispec: 1-based specN to read
    int row = 0;           // APOGEE apStar: 0 = combined spectrum, k = visit k
};

// Reads one spectrum from FITS or text, auto-detecting the layout (specific signatures before
// generic ones) unless options.format forces one. The result is finalize()d: wavelengths in
// Angstrom ascending, non-finite flux masked. Throws remap::Error naming file, HDU and problem.
// The input file is only ever opened read-only.
Spectrum readSpectrum(const std::string& path, const ReadOptions& options = {});

// The name of the layout readSpectrum would use, or throws remap::Error if none matches.
std::string detectSpectrumFormat(const std::string& path);

// All format names accepted by ReadOptions::format / --format.
std::vector<std::string> spectrumFormatNames();

}  // namespace remap
