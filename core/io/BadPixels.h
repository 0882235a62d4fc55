#pragma once

// Pixels that must never reach the network as flux, and what kind of flux the rest is.

#include "base/Spectrum.h"

#include <optional>
#include <string>

namespace remap::io {

// Masks, in place, before Spectrum::finalize():
//  - non-finite flux or uncertainty;
//  - runs of 3 or more pixels with flux <= 0 (detector gaps written as zeros, such as HARPS's
//    5305-5338 A, padding at order ends); one or two non-positive pixels are kept as noise;
//  - saturation: flux at or above `saturationLevel` (SATURATE / SATLEVEL keywords), and, for count-like
//    flux (not normalized, maximum >= 1000), flat tops of 3 or more pixels exactly at the spectrum's
//    maximum (unless more than 5 % of the pixels sit there).
// Pixels the file already flagged are counted as `flagged`. Counts go to provenance.masked, and one
// warning per cause (with the wavelength ranges of the largest runs) to `warnings`. Without
// `heuristics` (the project's own remap-1d files, already cleaned) only non-finite values are masked.
void maskBadPixels(Spectrum& s, std::optional<double> saturationLevel, bool heuristics = true);

// Makes the axis strictly increasing the way merged products need: drops pixels without a usable
// wavelength (NaN, <= 0), reverses a descending axis, sorts overlapping segments (a file of
// concatenated orders) and averages pixels that repeat a wavelength (inverse-variance weighted when
// both have an uncertainty); says what it did in `warnings`. A clean axis is left untouched.
void orderWavelengthAxis(Spectrum& s);

// "normalized" when the upper envelope (the 95th percentile of ten stretches) is near 1 everywhere,
// "raw counts" when the unit says counts/ADU/electrons, else "not normalized"; with how it was
// decided. Needs the mask to be final.
std::string classifyFlux(const Spectrum& s);

// True for a classifyFlux() result that says normalized.
bool isNormalizedKind(const std::string& kind);

}  // namespace remap::io
