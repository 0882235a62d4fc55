#pragma once

#include "TeachingEngine.h"

#include <QString>

#include <vector>

namespace remap::ui {

// A named spectral feature of the teaching window (air wavelength).
struct SpectralFeature {
    double wavelength;
    const char* name;
};
const std::vector<SpectralFeature>& teachingFeatures();
// The feature a wavelength belongs to, in words: a named line within 1 A, the Mg I b wings within
// 8 A of the triplet, the MgH band at 5200-5215 A, or "weak lines near 5432 A".
QString describeWavelength(double airWavelength);

// Up to `count` peaks of `values` (largest first, by absolute value), at least `separation` A apart.
std::vector<std::size_t> peakPixels(const std::vector<double>& wavelength, const std::vector<double>& values, int count,
                                    double separation = 4.0);

// The explanation shown beside the plots (rich text): what the lines do at these parameters, what S/N
// and R change, what the network says and where its saliency and the physical information peak.
QString teachingExplanation(const TeachingResult& result);

}  // namespace remap::ui
