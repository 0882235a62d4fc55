#pragma once

#include "base/Spectrum.h"
#include "io/SpectrumReader.h"

#include <string>

namespace remap {

// Plain-text spectrum (`content` is the whole file, already decompressed): columns separated by
// commas, semicolons, tabs or blanks; '#' starts a comment. Layouts:
//  - a header line (or a commented one) naming the columns in any order: wavelength/wave/lambda/
//    waveobs/w, flux/intensity/s, err/sigma/serr/ivar/var/snr, mask ("wavelength[nm]", "wave_um" give
//    units); iSpec's waveobs is in nm;
//  - LibreESpRIT .s files (ESPaDOnS, NARVAL): a title line starting with "***", a line "N K", then
//    wavelength in nm, intensity[, Stokes V, N1, N2], error;
//  - no header: wavelength, flux[, sigma[, mask]] by position.
// ReadOptions::columns picks the columns by name or number. Comments "# medium: air|vacuum",
// "# wavelength unit: nm", "# flux unit: ...", "# object: ..." are understood. Without a stated unit
// the range decides between Angstrom, nm, um and m (and says so); the medium is unknown unless stated.
// Throws remap::Error naming the file and the line of the problem. Not finalize()d.
Spectrum readTextSpectrum(const std::string& path, const std::string& content, const ReadOptions& options = {});

}  // namespace remap
