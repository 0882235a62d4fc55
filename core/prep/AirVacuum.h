#pragma once

#include "base/Spectrum.h"

namespace remap {

// Air <-> vacuum wavelength conversion, the IAU standard used by SDSS and VALD.
//
// vacuumToAir: Morton (2000, ApJS 130, 403) eq. 8, i.e. the Ciddor (1996) refractive index of
// standard dry air (15 C, 101325 Pa, 450 ppm CO2):
//     s = 1e4 / lambda_vac [1/um],  n = 1 + 8.34254e-5 + 2.406147e-2/(130 - s^2) + 1.5998e-4/(38.9 - s^2),
//     lambda_air = lambda_vac / n.
// airToVacuum: the exact inverse of vacuumToAir, starting from Piskunov's inverse formula (VALD3)
// and refined by fixed-point iteration, so airToVacuum(vacuumToAir(x)) == x to ~1e-9 A.
//
// Below 2000 A air wavelengths are not used by convention and the formula approaches a pole at
// 1603 A; there the refractive index is held at its 2000 A value so the mapping stays continuous
// and strictly increasing (a full PHOENIX axis from 500 A converts without breaking monotonicity).
// Wavelengths in Angstrom; the functions are cheap and thread-safe.
double vacuumToAir(double lambdaVacAngstrom);
double airToVacuum(double lambdaAirAngstrom);

// The refractive index of air used above (vacuum wavelength in Angstrom).
double airRefractiveIndex(double lambdaVacAngstrom);

// A copy of `in` with its wavelength axis converted to `target` and medium set to it; flux, ivar
// and mask are kept per pixel (the per-Angstrom flux density changes by the smooth factor
// d(lambda_vac)/d(lambda_air) = 1 + O(3e-4), which is not applied: continuum normalization removes it).
// Throws remap::Error when the spectrum's medium or the target is Medium::Unknown.
Spectrum toMedium(const Spectrum& in, Medium target);

}  // namespace remap
