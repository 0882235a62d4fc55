#include "Observe.h"

#include "base/Error.h"
#include "base/Random.h"
#include "prep/AirVacuum.h"
#include "prep/Continuum.h"
#include "prep/RadialVelocity.h"
#include "prep/Resample.h"
#include "prep/Resolution.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace remap::synth {
namespace {

std::string number(double v, const char* format = "%.6g")
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// Legendre polynomial P_k(x).
double legendre(int k, double x)
{
    if (k == 0) return 1.0;
    double p0 = 1.0, p1 = x;
    for (int n = 1; n < k; ++n) {
        const double p2 = ((2.0 * n + 1.0) * x * p1 - n * p0) / (n + 1.0);
        p0 = p1;
        p1 = p2;
    }
    return p1;
}

double median(std::vector<double> v)
{
    if (v.empty()) return 0.0;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

}  // namespace

void InstrumentModel::validate() const
{
    if (!(resolvingPower >= 100 && resolvingPower <= 1e6))
        throw Error("instrument resolving power " + number(resolvingPower) + " is outside 100..1e6");
    if (pixels < 16 || pixels > 1000000) throw Error("instrument pixel count must be between 16 and 1e6");
    if (!(airMin > 2000) || !(airMax > airMin) || !(airMax < 100000))
        throw Error("instrument wavelength range " + number(airMin) + "-" + number(airMax) +
                    " A is empty or outside 2000-100000 A");
    if (!(readNoise >= 0) || !(blazeAmplitude >= 0) || blazeAmplitude > 0.5 || blazeOrder < 0 || blazeOrder > 10 ||
        !(cosmicRaysPerSpectrum >= 0) || cosmicRaysPerSpectrum > 100 || deadPixels < 0 || deadPixels > pixels / 10)
        throw Error(
            "instrument noise or distortion settings out of range (read noise >= 0, blaze amplitude 0..0.5, "
            "order 0..10, cosmic rays 0..100, dead pixels up to a tenth of the pixels)");
}

void ObservationSettings::validate() const
{
    if (!std::isfinite(snr) || !(snr > 0))
        throw Error("the signal-to-noise ratio must be a positive number, not " + number(snr));
    if (snr > 1e6) throw Error("the signal-to-noise ratio " + number(snr) + " is unreasonably large (at most 1e6)");
    if (!std::isfinite(rvKms) || std::fabs(rvKms) >= 3000.0)
        throw Error("radial velocity " + number(rvKms) + " km/s is outside -3000..3000 km/s");
}

std::vector<double> instrumentWavelengths(const InstrumentModel& instrument)
{
    instrument.validate();
    std::vector<double> w(static_cast<std::size_t>(instrument.pixels));
    const double l0 = std::log(instrument.airMin), l1 = std::log(instrument.airMax);
    for (std::size_t i = 0; i < w.size(); ++i)
        w[i] = std::exp(l0 + (l1 - l0) * static_cast<double>(i) / static_cast<double>(w.size() - 1));
    return w;
}

std::pair<double, double> requiredVacuumWindow(const InstrumentModel& instrument, double maxRvKms)
{
    instrument.validate();
    const double halfPixel =
        0.5 * (std::log(instrument.airMax) - std::log(instrument.airMin)) / (instrument.pixels - 1);
    const double lo = airToVacuum(instrument.airMin * std::exp(-halfPixel));
    const double hi = airToVacuum(instrument.airMax * std::exp(halfPixel));
    const double shift = dopplerFactor(std::fabs(maxRvKms));
    const double margin = 6.0 * instrument.airMax / instrument.resolvingPower + 1.0;
    return {lo / shift - margin, hi * shift + margin};
}

Spectrum observe(const Spectrum& highRes, const InstrumentModel& instrument, const ObservationSettings& settings)
{
    instrument.validate();
    settings.validate();
    if (highRes.medium != Medium::Vacuum)
        throw Error("the spectrum to observe must have vacuum wavelengths", highRes.provenance.file);
    const auto grid = instrumentWavelengths(instrument);
    const Spectrum shifted = shiftToObserved(highRes, settings.rvKms);
    const Spectrum blurred = degradeResolution(shifted, instrument.resolvingPower);
    const Spectrum air = toMedium(blurred, Medium::Air);
    if (air.wavelength.front() > grid.front() || air.wavelength.back() < grid.back())
        throw Error("the high-resolution spectrum (" + number(air.wavelength.front(), "%.1f") + "-" +
                        number(air.wavelength.back(), "%.1f") +
                        " A air after the RV shift) does not cover the instrument's " + number(grid.front(), "%.1f") +
                        "-" + number(grid.back(), "%.1f") + " A",
                    highRes.provenance.file);
    Spectrum out = resampleFluxConserving(air, grid);
    const std::size_t n = out.size();
    for (std::size_t i = 0; i < n; ++i)
        if (out.mask[i])
            throw Error("the high-resolution spectrum has masked or missing pixels inside the instrument window",
                        highRes.provenance.file);

    SeededRandom rng(settings.seed);
    // Draw everything in a fixed order so a seed always gives the same observation.
    std::vector<double> coefficients(static_cast<std::size_t>(instrument.blazeOrder) + 1, 0.0);
    for (int k = 1; k <= instrument.blazeOrder; ++k)
        coefficients[static_cast<std::size_t>(k)] = rng.gaussian() * instrument.blazeAmplitude / k;
    if (settings.distortions) {
        for (std::size_t i = 0; i < n; ++i) {
            const double x = 2.0 * static_cast<double>(i) / static_cast<double>(n - 1) - 1.0;
            double b = 1.0;
            for (int k = 1; k <= instrument.blazeOrder; ++k)
                b += coefficients[static_cast<std::size_t>(k)] * legendre(k, x);
            out.flux[i] *= std::max(b, 0.2);
        }
    }
    out.ivar.assign(n, 0.0);
    out.mask.assign(n, 0);
    char buf[64];
    if (settings.noise) {
        const auto continuum = fitContinuum(out);
        const double level = median(continuum);
        if (!(level > 0))
            throw Error("the observed continuum is not positive; cannot scale to a S/N", highRes.provenance.file);
        const double s2 = settings.snr * settings.snr;
        const double rn2 = instrument.readNoise * instrument.readNoise;
        const double electrons = 0.5 * (s2 + std::sqrt(s2 * s2 + 4.0 * s2 * rn2));
        const double scale = electrons / level;
        for (std::size_t i = 0; i < n; ++i) {
            const double expected = std::max(out.flux[i] * scale, 0.0);
            const double variance = expected + rn2;
            out.flux[i] = expected + std::sqrt(variance) * rng.gaussian();
            out.ivar[i] = 1.0 / variance;
        }
        const int rays = rng.poisson(instrument.cosmicRaysPerSpectrum);
        for (int r = 0; r < rays; ++r) {
            const std::size_t at = static_cast<std::size_t>(rng.index(n));
            const int width = 1 + static_cast<int>(rng.index(2));
            const double amplitude = rng.uniform(10.0, 100.0) * std::sqrt(electrons);
            for (int w = 0; w < width && at + static_cast<std::size_t>(w) < n; ++w) {
                out.flux[at + static_cast<std::size_t>(w)] += amplitude * (w == 0 ? 1.0 : 0.4);
                out.mask[at + static_cast<std::size_t>(w)] = 1;
                out.ivar[at + static_cast<std::size_t>(w)] = 0.0;
            }
        }
        for (int d = 0; d < instrument.deadPixels; ++d) {
            const std::size_t at = static_cast<std::size_t>(rng.index(n));
            out.flux[at] = 0.0;
            out.mask[at] = 1;
            out.ivar[at] = 0.0;
        }
        out.fluxUnit = "electrons";
        std::snprintf(buf, sizeof buf, "%d", rays);
        out.metadata["NCOSMIC"] = buf;
        std::snprintf(buf, sizeof buf, "%.3f", instrument.readNoise);
        out.metadata["RDNOISE"] = buf;
        std::snprintf(buf, sizeof buf, "%.6g", scale);
        out.metadata["GAINSCAL"] = buf;
    }
    std::snprintf(buf, sizeof buf, "%.3f", settings.snr);
    out.metadata["SNR"] = buf;
    std::snprintf(buf, sizeof buf, "%.4f", settings.rvKms);
    out.metadata["RV"] = buf;
    out.metadata["SEED"] = std::to_string(settings.seed);
    out.metadata["INSTRUME"] = "MARVELS-like (remap synth)";
    out.provenance.format = "remap-synth-observed";
    out.finalize();
    return out;
}

Spectrum observeStar(const Synthesizer& synthesizer, const StellarParameters& params, const InstrumentModel& instrument,
                     const ObservationSettings& settings)
{
    settings.validate();
    const auto [lo, hi] = requiredVacuumWindow(instrument, settings.rvKms);
    const Spectrum high = synthesizer.synthesizeSpectrum(params, linearWavelengthGrid(lo, hi, kHighResStep));
    Spectrum out = observe(high, instrument, settings);
    out.labels = high.labels;
    for (const auto& key : {"VMICRO", "VSINI", "LINELIST"}) {
        const auto it = high.metadata.find(key);
        if (it != high.metadata.end()) out.metadata[key] = it->second;
    }
    return out;
}

}  // namespace remap::synth
