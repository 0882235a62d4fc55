#pragma once

#include "base/Spectrum.h"

#include <string>

namespace remap {

// Plain-text spectrum: 2 to 4 columns (wavelength, flux[, sigma[, mask]]), separated by commas,
// semicolons or white space; '#' starts a comment. An optional header line names the columns
// (wavelength/wave/lambda, flux, err/sigma/ivar/var, mask; "wavelength[nm]", "wave_um" give units).
// Comments "# medium: air|vacuum", "# wavelength unit: nm", "# flux unit: ...", "# object: ..."
// are understood. Wavelengths are Angstrom unless a header or comment says nm/um; the medium is
// unknown unless stated. Throws remap::Error naming the file and the line of the problem.
// Not finalize()d.
Spectrum readTextSpectrum(const std::string& path);

}  // namespace remap
