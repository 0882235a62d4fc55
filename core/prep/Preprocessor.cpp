#include "Preprocessor.h"

#include "AirVacuum.h"
#include "RadialVelocity.h"
#include "Resample.h"
#include "Resolution.h"
#include "base/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace remap {

namespace {

std::string format(double v, int precision = 4)
{
    std::ostringstream s;
    s.precision(precision);
    s << v;
    return s.str();
}

// Pixels of `in` with lo <= wavelength <= hi plus one pixel either side.
Spectrum crop(const Spectrum& in, double lo, double hi)
{
    const auto first = std::lower_bound(in.wavelength.begin(), in.wavelength.end(), lo);
    const auto last = std::upper_bound(in.wavelength.begin(), in.wavelength.end(), hi);
    std::size_t a = static_cast<std::size_t>(first - in.wavelength.begin());
    std::size_t b = static_cast<std::size_t>(last - in.wavelength.begin());
    a = a > 0 ? a - 1 : 0;
    b = std::min(in.size(), b + 1);
    Spectrum out;
    out.medium = in.medium;
    out.fluxUnit = in.fluxUnit;
    out.objectName = in.objectName;
    out.provenance = in.provenance;
    out.labels = in.labels;
    out.metadata = in.metadata;
    if (b <= a) return out;
    const auto da = static_cast<std::ptrdiff_t>(a), db = static_cast<std::ptrdiff_t>(b);
    out.wavelength.assign(in.wavelength.begin() + da, in.wavelength.begin() + db);
    out.flux.assign(in.flux.begin() + da, in.flux.begin() + db);
    out.ivar.assign(in.ivar.begin() + da, in.ivar.begin() + db);
    out.mask.assign(in.mask.begin() + da, in.mask.begin() + db);
    return out;
}

// Gaps in the wavelength axis (between echelle orders, spectrograph arms, or cut out of a merged
// product) hold no pixels; resampling and smoothing would fill them from the pixels at either end (the
// pixel edges lie half-way across). Two masked pixels, one median step inside each end, make the gap
// masked instead. A gap is a step over 10 times the median step and 3 times both neighbouring steps.
Spectrum maskGaps(const Spectrum& in, std::vector<std::string>& warnings)
{
    const std::size_t n = in.size();
    if (n < 4) return in;
    std::vector<double> steps(n - 1);
    for (std::size_t i = 0; i + 1 < n; ++i) steps[i] = std::log(in.wavelength[i + 1] / in.wavelength[i]);
    std::vector<double> sorted = steps;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    const double typical = sorted[sorted.size() / 2];
    if (!(typical > 0)) return in;
    std::vector<std::size_t> gaps;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double before = i > 0 ? steps[i - 1] : 0.0, after = i + 2 < n ? steps[i + 1] : 0.0;
        if (steps[i] > 10.0 * typical && steps[i] > 3.0 * std::max(before, after)) gaps.push_back(i);
    }
    if (gaps.empty()) return in;
    Spectrum out = emptyLike(in, 0);
    std::size_t g = 0;
    for (std::size_t i = 0; i < n; ++i) {
        out.wavelength.push_back(in.wavelength[i]);
        out.flux.push_back(in.flux[i]);
        out.ivar.push_back(in.ivar[i]);
        out.mask.push_back(in.mask[i]);
        if (g < gaps.size() && gaps[g] == i) {
            const double f = std::exp(typical);
            for (const double w : {in.wavelength[i] * f, in.wavelength[i + 1] / f}) {
                out.wavelength.push_back(w);
                out.flux.push_back(0.0);
                out.ivar.push_back(0.0);
                out.mask.push_back(1);
            }
            warnings.push_back("no pixels between " + format(in.wavelength[i], 6) + " and " +
                               format(in.wavelength[i + 1], 6) + " A (a gap in the spectrum); that range is masked");
            ++g;
        }
    }
    return out;
}

// Relative margin covering the LSF wings (8 sigma), air/vacuum differences and rounding.
double lsfMargin(const PreprocessSpec& spec)
{
    return 8.0 / (2.3548200450309493 * spec.resolvingPower) + 1e-3;
}

}  // namespace

Preprocessor::Preprocessor(PreprocessSpec spec, std::optional<Spectrum> rvTemplate) : spec_(std::move(spec))
{
    grid_ = spec_.grid();  // validates
    if (!rvTemplate || !spec_.correctRv) return;
    Spectrum& t = *rvTemplate;
    if (t.size() < 16) throw Error("the radial-velocity template needs at least 16 pixels", t.provenance.file);
    if (t.medium == Medium::Unknown) t.medium = spec_.medium;
    // The template must reach the grid shifted by the whole search range, twice (observed crop + lags).
    const double lo = grid_.front() * std::pow(dopplerFactor(spec_.rvMinKms), 2) * (1.0 - 2.0 * lsfMargin(spec_));
    const double hi = grid_.back() * std::pow(dopplerFactor(spec_.rvMaxKms), 2) * (1.0 + 2.0 * lsfMargin(spec_));
    Spectrum cropped = crop(t, std::min(lo, grid_.front() * 0.99), std::max(hi, grid_.back() * 1.01));
    if (cropped.size() < 16)
        throw Error("the radial-velocity template does not cover the model grid", t.provenance.file);
    cropped = toMedium(cropped, spec_.medium);
    cropped = degradeResolution(cropped, spec_.resolvingPower);
    RvOptions options;
    options.minKms = spec_.rvMinKms;
    options.maxKms = spec_.rvMaxKms;
    options.continuum = spec_.continuum;
    // The CCF only needs line depths to ~1 %; 5 clipping iterations get there (the final
    // normalization below uses spec.continuum unchanged).
    options.continuum.iterations = std::min(options.continuum.iterations, 5);
    // Correlate on a grid no finer than half the LSF sigma: finely sampled inputs cost no more than
    // model-grid ones and lose nothing at this resolution.
    options.minLnStep = 0.5 / (2.3548200450309493 * spec_.resolvingPower);
    rv_ = std::make_unique<RadialVelocityEstimator>(cropped, options);
}

Preprocessor::~Preprocessor() = default;
Preprocessor::Preprocessor(Preprocessor&&) noexcept = default;
Preprocessor& Preprocessor::operator=(Preprocessor&&) noexcept = default;

PreparedSpectrum Preprocessor::prepare(const Spectrum& in) const
{
    PreparedSpectrum out;
    out.rvKms = std::numeric_limits<double>::quiet_NaN();
    out.rvErrKms = std::numeric_limits<double>::quiet_NaN();
    const std::string& file = in.provenance.file;
    const int hdu = in.provenance.hdu;
    if (in.size() < 2) throw Error("the spectrum has fewer than 2 pixels", file, hdu);
    if (in.flux.size() != in.size() || in.ivar.size() != in.size() || in.mask.size() != in.size())
        throw Error("inconsistent array lengths in spectrum", file, hdu);

    // 1. Crop (in the input's own medium; the margin covers the air/vacuum difference).
    const bool rvStep = spec_.correctRv && rv_;
    const double margin = lsfMargin(spec_);
    const double lo = grid_.front() * (rvStep ? dopplerFactor(spec_.rvMinKms) : 1.0) * (1.0 - margin);
    const double hi = grid_.back() * (rvStep ? dopplerFactor(spec_.rvMaxKms) : 1.0) * (1.0 + margin);
    Spectrum s = crop(in, lo, hi);
    if (s.size() < 2)
        throw Error("the spectrum (" + format(in.wavelength.front(), 6) + "-" + format(in.wavelength.back(), 6) +
                        " A) does not overlap the model grid (" + format(grid_.front(), 6) + "-" +
                        format(grid_.back(), 6) + " A)",
                    file, hdu);

    s = maskGaps(s, out.warnings);

    // 2. Medium.
    if (s.medium == Medium::Unknown) {
        out.warnings.push_back("the wavelength medium is unknown; assumed " + std::string(toString(spec_.medium)));
        s.medium = spec_.medium;
    } else if (s.medium != spec_.medium) {
        if (spec_.medium == Medium::Air)
            for (double& w : s.wavelength) w = vacuumToAir(w);
        else
            for (double& w : s.wavelength) w = airToVacuum(w);
        s.medium = spec_.medium;
    }

    // 3. Radial velocity.
    if (rvStep) {
        const RvResult r = rv_->estimate(s);
        if (r.ok) {
            out.rvKms = r.rvKms;
            out.rvErrKms = r.errKms;
            for (double& w : s.wavelength) w /= dopplerFactor(r.rvKms);
        } else {
            out.warnings.push_back("radial velocity not corrected: " + r.warning);
        }
    }

    // 8 (computed here, on the input pixels over the grid range plus the crop margins).
    {
        out.snr = estimateSnr(s);
        if (out.snr > 0 && out.snr < spec_.snrWarnBelow)
            out.warnings.push_back("low S/N: about " + format(out.snr, 3) + " per input pixel (warning below " +
                                   format(spec_.snrWarnBelow, 3) + ")");
    }

    // 4. Resolution (onto the internal log grid; the resampling below integrates it onto the model grid).
    Spectrum degraded = detail::degradeResolutionOnLogGrid(s, spec_.resolvingPower, &out.warnings);

    // 5. Model grid.
    ResampleOptions resampling;
    resampling.variance = VarianceModel::Density;
    Spectrum onGrid = resampleFluxConserving(degraded, grid_, resampling);
    const std::size_t n = grid_.size();
    const std::size_t uncovered = static_cast<std::size_t>(std::count_if(grid_.begin(), grid_.end(), [&](double w) {
        return w < degraded.wavelength.front() || w > degraded.wavelength.back();
    }));
    if (uncovered > 0)
        out.warnings.push_back("the spectrum covers only part of the model grid; " + std::to_string(uncovered) +
                               " of " + std::to_string(n) + " pixels are masked");

    // 6. Continuum.
    std::vector<double> continuum;
    const Spectrum normalized = normalizeContinuum(onGrid, spec_.continuum, &continuum);

    // 7. Network input.
    out.flux.resize(n);
    out.ivar.resize(n);
    out.mask.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const bool bad = normalized.mask[i] != 0;
        out.mask[i] = bad ? 1 : 0;
        out.flux[i] = static_cast<float>(bad ? spec_.maskedValue : normalized.flux[i]);
        out.ivar[i] = static_cast<float>(bad ? 0.0 : normalized.ivar[i]);
    }
    return out;
}

}  // namespace remap
