#include "Resample.h"

#include "base/Error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace remap {

std::vector<double> pixelEdges(const std::vector<double>& c)
{
    const std::size_t n = c.size();
    if (n < 2) throw Error("pixel edges need at least 2 pixel centres");
    std::vector<double> e(n + 1);
    e[0] = c[0] - 0.5 * (c[1] - c[0]);
    for (std::size_t i = 1; i < n; ++i) e[i] = 0.5 * (c[i - 1] + c[i]);
    e[n] = c[n - 1] + 0.5 * (c[n - 1] - c[n - 2]);
    return e;
}

Spectrum resampleFluxConserving(const Spectrum& in, const std::vector<double>& newWavelengths,
                                const ResampleOptions& options)
{
    const std::string& file = in.provenance.file;
    const int hdu = in.provenance.hdu;
    const std::size_t n = in.size();
    if (n < 2) throw Error("resampling needs a spectrum of at least 2 pixels", file, hdu);
    if (in.flux.size() != n || in.ivar.size() != n || in.mask.size() != n)
        throw Error("inconsistent array lengths in spectrum", file, hdu);
    for (std::size_t i = 1; i < n; ++i)
        if (!(in.wavelength[i] > in.wavelength[i - 1]))
            throw Error("the spectrum's wavelength axis is not strictly increasing at pixel " + std::to_string(i), file,
                        hdu);
    const std::size_t m = newWavelengths.size();
    if (m < 2) throw Error("the new wavelength grid needs at least 2 pixels", file, hdu);
    for (std::size_t k = 0; k < m; ++k) {
        if (!std::isfinite(newWavelengths[k]))
            throw Error("the new wavelength grid has a non-finite value at pixel " + std::to_string(k), file, hdu);
        if (k > 0 && !(newWavelengths[k] > newWavelengths[k - 1]))
            throw Error("the new wavelength grid is not strictly increasing at pixel " + std::to_string(k), file, hdu);
    }
    if (!(options.maxMaskedFraction >= 0.0 && options.maxMaskedFraction <= 1.0))
        throw Error("ResampleOptions::maxMaskedFraction must lie in [0, 1]");

    const std::vector<double> ein = pixelEdges(in.wavelength);
    const std::vector<double> eout = pixelEdges(newWavelengths);
    const double threshold = std::max(options.maxMaskedFraction, 1e-9);
    const bool density = options.variance == VarianceModel::Density;

    Spectrum out = emptyLike(in, m);
    out.wavelength = newWavelengths;

    std::size_t j0 = 0;  // first input pixel whose upper edge lies above the current bin's lower edge
    for (std::size_t k = 0; k < m; ++k) {
        const double a = eout[k];
        const double b = eout[k + 1];
        const double width = b - a;
        while (j0 < n && ein[j0 + 1] <= a) ++j0;
        double sumW = 0, sumWF = 0, sumW2V = 0;
        bool unknownVariance = false;
        for (std::size_t j = j0; j < n && ein[j] < b; ++j) {
            const double ov = std::min(b, ein[j + 1]) - std::max(a, ein[j]);
            if (ov <= 0 || in.mask[j]) continue;
            sumW += ov;
            sumWF += ov * in.flux[j];
            if (in.ivar[j] > 0)
                sumW2V += (density ? ov * (ein[j + 1] - ein[j]) : ov * ov) / in.ivar[j];
            else
                unknownVariance = true;
        }
        const bool masked = (width - sumW) > threshold * width;
        out.flux[k] = sumW > 0 ? sumWF / sumW : 0.0;
        out.mask[k] = masked ? 1 : 0;
        // Independent: var = sumW2V / sumW^2. Density: var = (sumW2V / sumW) / width.
        const double denominator = density ? sumW * width : sumW * sumW;
        out.ivar[k] = (masked || unknownVariance || sumW2V <= 0) ? 0.0 : denominator / sumW2V;
    }
    return out;
}

}  // namespace remap
