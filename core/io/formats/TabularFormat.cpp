#include "io/formats/TabularFormat.h"

#include "io/FitsFile.h"
#include "io/ReaderSupport.h"

#include <cmath>
#include <optional>

namespace remap {

using namespace io;

namespace {

using Column = FitsFile::Column;

bool nameIn(const std::string& name, std::initializer_list<const char*> names)
{
    for (const char* n : names)
        if (iequals(trim(name), n)) return true;
    return false;
}

bool isLogName(const std::string& name)
{
    return nameIn(name, {"loglam", "log_lam", "logwave", "log_wave", "loglambda", "log_lambda", "logwl"});
}

bool isWaveName(const std::string& name)
{
    return isLogName(name) ||
           nameIn(name, {"wavelength", "wave", "lambda", "wl", "lam", "wavelength_air", "wavelength_vac", "wave_air",
                         "wave_vac", "awav", "vwav", "air_wave", "vac_wave", "air_wavelength", "vacuum_wavelength"});
}

bool isFluxName(const std::string& name)
{
    return nameIn(name, {"flux", "flam", "fnu", "f_lambda", "flux_density", "spec", "spectrum", "counts", "fluxes"});
}

bool isSigmaName(const std::string& name)
{
    return nameIn(name, {"err", "error", "errors", "sigma", "uncertainty", "unc", "uncert", "std", "stddev", "e_flux",
                         "flux_err", "flux_error", "error_flux", "noise", "fluxerr"});
}
bool isIvarName(const std::string& name)
{
    return nameIn(name, {"ivar", "invvar", "inverse_variance", "inv_var"});
}
bool isVarName(const std::string& name)
{
    return nameIn(name, {"var", "variance", "flux_var"});
}
bool isMaskName(const std::string& name)
{
    return nameIn(name, {"mask", "and_mask", "andmask", "flag", "flags", "dq", "quality", "badpix"});
}
// Same-unit columns that are not the uncertainty.
bool isAuxiliaryName(const std::string& name)
{
    const std::string lower = toLower(name);
    for (const char* word : {"model", "sky", "cont", "back", "bkg", "template", "fit", "norm", "resid"})
        if (lower.find(word) != std::string::npos) return true;
    return false;
}

bool numeric(const Column& c)
{
    // CFITSIO type codes: TSTRING 16, TBIT 1; negative codes are variable-length arrays.
    return c.typecode != 16 && c.typecode != 1 && c.typecode > 0;
}

struct Layout {
    int hdu = -1;
    std::optional<Column> wave, flux, sigma, ivar, variance, mask;
    double waveScale = 1.0;
    bool logWave = false;
};

// Picks the columns of one table HDU (the current one); wave/flux unset when it is not a spectrum.
Layout pickColumns(FitsFile& file, int hdu)
{
    Layout layout;
    layout.hdu = hdu;
    const auto columns = file.columns();
    std::size_t waveIndex = columns.size();
    for (std::size_t i = 0; i < columns.size() && waveIndex == columns.size(); ++i)
        if (numeric(columns[i]) && angstromsPerUnit(columns[i].unit) && !isLogName(columns[i].name)) waveIndex = i;
    if (waveIndex == columns.size())
        for (std::size_t i = 0; i < columns.size() && waveIndex == columns.size(); ++i)
            if (numeric(columns[i]) && isWaveName(columns[i].name)) waveIndex = i;
    if (waveIndex == columns.size()) return layout;
    layout.wave = columns[waveIndex];
    layout.logWave = isLogName(layout.wave->name);
    layout.waveScale = angstromsPerUnit(layout.wave->unit).value_or(1.0);

    auto usable = [&](std::size_t i) {
        return i != waveIndex && numeric(columns[i]) && !isMaskName(columns[i].name) && !isIvarName(columns[i].name) &&
               !isVarName(columns[i].name) && !isSigmaName(columns[i].name);
    };
    // Flux: the next column after the wavelength with a flux unit or a flux name; then any before it.
    std::size_t fluxIndex = columns.size();
    for (std::size_t k = 1; k < columns.size() && fluxIndex == columns.size(); ++k) {
        const std::size_t i = (waveIndex + k) % columns.size();
        if (usable(i) && (looksLikeFluxUnit(columns[i].unit) || isFluxName(columns[i].name))) fluxIndex = i;
    }
    // Last resort: the first plain numeric column after the wavelength.
    for (std::size_t k = 1; k < columns.size() && fluxIndex == columns.size(); ++k) {
        const std::size_t i = (waveIndex + k) % columns.size();
        if (usable(i) && !isAuxiliaryName(columns[i].name) && !angstromsPerUnit(columns[i].unit)) fluxIndex = i;
    }
    if (fluxIndex == columns.size()) return layout;
    layout.flux = columns[fluxIndex];

    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i == waveIndex || i == fluxIndex || !numeric(columns[i])) continue;
        const auto& name = columns[i].name;
        if (!layout.ivar && isIvarName(name)) layout.ivar = columns[i];
        if (!layout.variance && isVarName(name)) layout.variance = columns[i];
        if (!layout.mask && isMaskName(name)) layout.mask = columns[i];
    }
    if (!layout.ivar && !layout.variance) {
        // Uncertainty: the next column with the flux's unit, else one with an uncertainty name.
        const std::string fluxUnit = trim(layout.flux->unit);
        for (std::size_t i = fluxIndex + 1; i < columns.size() && !layout.sigma && !fluxUnit.empty(); ++i)
            if (i != waveIndex && numeric(columns[i]) && trim(columns[i].unit) == fluxUnit &&
                !isMaskName(columns[i].name) && !isAuxiliaryName(columns[i].name))
                layout.sigma = columns[i];
        for (std::size_t i = 0; i < columns.size() && !layout.sigma; ++i)
            if (i != waveIndex && i != fluxIndex && numeric(columns[i]) && isSigmaName(columns[i].name))
                layout.sigma = columns[i];
    }
    return layout;
}

Layout findLayout(FitsFile& file)
{
    const int n = file.hduCount();
    for (int h = 1; h < n; ++h) {
        file.moveTo(h);
        if (file.hduType() == FitsFile::HduType::Image) continue;
        Layout layout = pickColumns(file, h);
        if (layout.wave && layout.flux) return layout;
    }
    return {};
}

Medium mediumHint(FitsFile& file, int hdu, const Column& wave)
{
    for (int h : {hdu, 0}) {
        file.moveTo(h);
        if (const auto medium = mediumFromHeader(file)) return *medium;
    }
    const std::string name = toLower(wave.name);
    if (name.find("air") != std::string::npos || name == "awav") return Medium::Air;
    // Vacuum by convention (specutils' tables, SDSS, most space and survey data), also for "vac" names.
    return Medium::Vacuum;
}

}  // namespace

bool TabularFormat::matches(FitsFile& file) const
{
    return findLayout(file).hdu >= 0;
}

Spectrum TabularFormat::read(FitsFile& file, const ReadOptions& options) const
{
    const Layout layout = findLayout(file);
    if (layout.hdu < 0) {
        file.moveTo(0);
        file.fail(
            "no table with a wavelength column (a length unit such as Angstrom/nm/um, or a column named "
            "wavelength/wave/lambda/loglam) and a flux column");
    }
    file.moveTo(layout.hdu);
    Spectrum s = startSpectrum(file, layout.hdu);
    const long row = options.row;
    s.flux = readSpectrumColumn(file, *layout.flux, row);
    const std::size_t n = s.flux.size();
    s.wavelength = readSpectrumColumn(file, *layout.wave, row);
    requireLength(file, s.wavelength.size(), n, "column '" + layout.wave->name + "'");
    if (layout.logWave)
        for (auto& w : s.wavelength) w = std::pow(10.0, w);
    scaleInPlace(s.wavelength, layout.waveScale);
    s.fluxUnit = trim(layout.flux->unit);
    s.mask.assign(n, 0);
    if (layout.ivar) {
        s.ivar = readSpectrumColumn(file, *layout.ivar, row);
        requireLength(file, s.ivar.size(), n, "column '" + layout.ivar->name + "'");
        for (std::size_t i = 0; i < n; ++i)
            if (!(s.ivar[i] > 0)) s.mask[i] = 1;
    } else if (layout.variance) {
        const auto values = readSpectrumColumn(file, *layout.variance, row);
        requireLength(file, values.size(), n, "column '" + layout.variance->name + "'");
        ivarFromVariance(values, s.ivar, s.mask);
    } else if (layout.sigma) {
        const auto values = readSpectrumColumn(file, *layout.sigma, row);
        requireLength(file, values.size(), n, "column '" + layout.sigma->name + "'");
        ivarFromSigma(values, s.ivar, s.mask);
    }
    if (layout.mask) {
        const auto values = readSpectrumColumn(file, *layout.mask, row);
        requireLength(file, values.size(), n, "column '" + layout.mask->name + "'");
        orMaskNonZero(values, s.mask);
    }
    requireSomeFinite(file, s.flux);
    s.medium = mediumHint(file, layout.hdu, *layout.wave);
    file.moveTo(0);
    s.objectName = trim(file.keyString("OBJECT").value_or(""));
    return s;
}

}  // namespace remap
