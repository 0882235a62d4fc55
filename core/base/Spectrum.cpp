#include "Spectrum.h"

#include "Error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

namespace remap {

std::string_view toString(Medium medium)
{
    switch (medium) {
        case Medium::Air:
            return "air";
        case Medium::Vacuum:
            return "vacuum";
        case Medium::Unknown:
            break;
    }
    return "unknown";
}

Medium parseMedium(std::string_view text)
{
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "air") return Medium::Air;
    if (lower == "vacuum" || lower == "vac") return Medium::Vacuum;
    if (lower == "unknown") return Medium::Unknown;
    throw Error("unknown medium '" + std::string(text) + "' (expected air or vacuum)");
}

std::size_t Spectrum::maskedCount() const
{
    return static_cast<std::size_t>(std::count_if(mask.begin(), mask.end(), [](std::uint8_t m) { return m != 0; }));
}

bool Spectrum::hasUncertainty() const
{
    return std::any_of(ivar.begin(), ivar.end(), [](double v) { return v > 0; });
}

void Spectrum::finalize()
{
    const std::size_t n = wavelength.size();
    const std::string& file = provenance.file;
    if (n == 0) throw Error("the spectrum has no pixels", file, provenance.hdu);
    if (flux.size() != n)
        throw Error(
            "flux has " + std::to_string(flux.size()) + " pixels but the wavelength axis has " + std::to_string(n),
            file, provenance.hdu);
    if (ivar.empty()) ivar.assign(n, 0.0);
    if (mask.empty()) mask.assign(n, 0);
    if (ivar.size() != n || mask.size() != n)
        throw Error("uncertainty or mask length differs from the flux length", file, provenance.hdu);

    if (n > 1 && wavelength.front() > wavelength.back()) {
        std::reverse(wavelength.begin(), wavelength.end());
        std::reverse(flux.begin(), flux.end());
        std::reverse(ivar.begin(), ivar.end());
        std::reverse(mask.begin(), mask.end());
    }
    std::size_t usable = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(ivar[i]) || ivar[i] < 0) {
            ivar[i] = 0;
            mask[i] = 1;
        }
        if (!std::isfinite(flux[i])) {
            flux[i] = 0;
            mask[i] = 1;
        }
        if (mask[i]) {
            mask[i] = 1;
            ivar[i] = 0;
        } else {
            ++usable;
        }
    }
    if (usable == 0) throw Error("no usable pixel: every flux value is masked or not finite", file, provenance.hdu);
    validate();
}

void Spectrum::validate() const
{
    const std::size_t n = wavelength.size();
    const std::string& file = provenance.file;
    if (flux.size() != n || ivar.size() != n || mask.size() != n)
        throw Error("inconsistent array lengths in spectrum", file, provenance.hdu);
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(wavelength[i]) || wavelength[i] <= 0)
            throw Error("wavelength " + std::to_string(i) + " is not a positive finite number", file, provenance.hdu);
        if (i > 0 && !(wavelength[i] > wavelength[i - 1]))
            throw Error("the wavelength axis is not strictly monotonic (pixel " + std::to_string(i) +
                            "); a zero or inconsistent dispersion?",
                        file, provenance.hdu);
    }
}

Spectrum emptyLike(const Spectrum& in, std::size_t n)
{
    Spectrum out;
    out.wavelength.assign(n, 0.0);
    out.flux.assign(n, 0.0);
    out.ivar.assign(n, 0.0);
    out.mask.assign(n, 0);
    out.medium = in.medium;
    out.fluxUnit = in.fluxUnit;
    out.objectName = in.objectName;
    out.provenance = in.provenance;
    out.labels = in.labels;
    out.metadata = in.metadata;
    out.warnings = in.warnings;
    return out;
}

double estimateSnr(const Spectrum& spectrum)
{
    std::vector<double> good;
    good.reserve(spectrum.size());
    for (std::size_t i = 0; i < spectrum.size(); ++i)
        if (!spectrum.mask[i]) good.push_back(spectrum.flux[i]);
    if (good.size() < 5) return 0.0;
    std::vector<double> diffs;
    diffs.reserve(good.size());
    for (std::size_t i = 2; i + 2 < good.size(); ++i)
        diffs.push_back(std::abs(2.0 * good[i] - good[i - 2] - good[i + 2]));
    auto median = [](std::vector<double>& v) {
        const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
        std::nth_element(v.begin(), mid, v.end());
        return *mid;
    };
    const double signal = median(good);
    const double noise = 0.6052697 * median(diffs);
    if (noise <= 0) return 0.0;  // noiseless (synthetic) data: report 0 = "not estimable"
    return signal / noise;
}

}  // namespace remap
