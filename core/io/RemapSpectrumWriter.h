#pragma once

#include "base/Spectrum.h"

#include <string>

namespace remap {

// The project's own 1-D spectrum layout, "remap-1d" version 1 (documented in docs/formats.md):
//   HDU0  no data; ORIGIN='REMAP', REMAPFMT='remap-1d', FMTVER=1, OBJECT, MEDIUM, BUNIT,
//         NPIX, optional REF_TEFF/REF_LOGG/REF_FEH/REF_ALPHA, SRCFILE/SRCFMT (informational).
//   HDU1  BINTABLE EXTNAME='SPECTRUM': WAVELENGTH (D, Angstrom), FLUX (D), IVAR (D), MASK (B, 1 = bad).
//   HDU2  BINTABLE EXTNAME='METADATA' (only when spectrum.metadata is not empty): KEY, VALUE (A).
// Writes atomically; a write then readSpectrum() round-trips wavelength, flux, ivar, mask, medium,
// labels, object name and flux unit bit-exactly (strings lose trailing blanks, as FITS strings do).
// Throws remap::Error naming `path` when the spectrum is inconsistent or the write fails.
void writeRemapSpectrum(const Spectrum& spectrum, const std::string& path);

inline constexpr const char* kRemapFormatName = "remap-1d";
inline constexpr long long kRemapFormatVersion = 1;

}  // namespace remap
