#pragma once

#include "base/Spectrum.h"

#include <vector>

namespace remap {

// How input variances combine in a new pixel.
enum class VarianceModel {
    // Input pixels are independent (native detector pixels): var_new = sum(w_i^2 var_i) / (sum w_i)^2.
    Independent,
    // Input variances describe a noise density (variance x pixel width), as degradeResolution returns
    // for its correlated, oversampled output: var_new = (sum w_i var_i dl_i / sum w_i) / width_new,
    // dl_i = input pixel width. Equal to Independent for whole input pixels; smooth for partial ones
    // (Independent would understate the variance by up to ~15 % when a bin holds ~4 oversampled pixels).
    Density,
};

struct ResampleOptions {
    // A new pixel is masked when the fraction of its bin width covered by masked input pixels or
    // lying outside the input exceeds this value. The default 0 masks every new pixel that touches a
    // masked input pixel or is not fully covered by the input (overlaps below 1e-9 of the bin are
    // ignored as rounding).
    double maxMaskedFraction = 0.0;
    VarianceModel variance = VarianceModel::Independent;
};

// Flux-conserving resampling by bin overlap (the SpectRes method, Carnall 2017): pixel edges are
// midpoints between centres (the outer edges half a spacing out); each new pixel's flux is the
// overlap-weighted mean of the good input pixels it covers, so integral(flux dlambda) over fully
// covered bins is conserved exactly. Variance propagates as
//     var_new = sum(w_i^2 var_i) / (sum w_i)^2,  w_i = overlap width,
// i.e. inputs are taken as independent (binning white noise 2:1 gives sigma/sqrt(2); see VarianceModel
// for the alternative used after degradeResolution). A new pixel covering a good input pixel of unknown
// uncertainty (ivar 0) gets ivar 0 (unknown). Masked new pixels (see ResampleOptions; pixels outside the
// input range always count as masked) get ivar 0 and the mean of whatever good input they overlap, or
// 0. Both axes must be strictly increasing, the new one with at least 2 values; the result keeps the
// input's medium, units, name, provenance, labels and metadata. Throws remap::Error otherwise.
Spectrum resampleFluxConserving(const Spectrum& in, const std::vector<double>& newWavelengths,
                                const ResampleOptions& options = {});

// Pixel edges (n + 1 values) for strictly increasing centres (n >= 2) as used above.
std::vector<double> pixelEdges(const std::vector<double>& centres);

}  // namespace remap
