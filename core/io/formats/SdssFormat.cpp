#include "io/formats/SdssFormat.h"

#include "io/FitsFile.h"
#include "io/ReaderSupport.h"

#include <cmath>
#include <cstdio>

namespace remap {

using namespace io;

namespace {

constexpr const char* kSdssFluxUnit = "1e-17 erg/s/cm^2/Angstrom";

bool isSdssTelescope(FitsFile& file)
{
    file.moveTo(0);
    return startsWithI(trim(file.keyString("TELESCOP").value_or("")), "SDSS");
}

// Index of the COADD table HDU, or -1.
int findCoadd(FitsFile& file)
{
    const int n = file.hduCount();
    for (int h = 1; h < n; ++h) {
        file.moveTo(h);
        if (iequals(trim(file.extensionName()), "COADD") && file.hduType() != FitsFile::HduType::Image) return h;
    }
    return -1;
}

bool primaryIsSpSpecImage(FitsFile& file)
{
    file.moveTo(0);
    return file.imageShape().size() == 2 && file.hasKey("COEFF0") && file.hasKey("COEFF1");
}

std::string columnNames(FitsFile& file)
{
    std::string out;
    for (const auto& c : file.columns()) out += (out.empty() ? "" : ", ") + c.name;
    return out.empty() ? "none" : out;
}

void readIdentity(FitsFile& file, Spectrum& s)
{
    file.moveTo(0);
    const auto plate = file.keyInt("PLATEID") ? file.keyInt("PLATEID") : file.keyInt("PLATE");
    const auto mjd = file.keyInt("MJD");
    const auto fiber = file.keyInt("FIBERID") ? file.keyInt("FIBERID") : file.keyInt("FIBER");
    if (plate) s.metadata["plate"] = std::to_string(*plate);
    if (mjd) s.metadata["mjd"] = std::to_string(*mjd);
    if (fiber) s.metadata["fiber"] = std::to_string(*fiber);
    copyKeyToMetadata(file, "RUN2D", s, "run2d");
    copyKeyToMetadata(file, "TELESCOP", s, "telescope");
    copyKeyToMetadata(file, "RA", s, "ra");
    copyKeyToMetadata(file, "DEC", s, "dec");
    const auto object = file.keyString("OBJECT");
    if (object && !object->empty()) {
        s.objectName = *object;
    } else if (plate && mjd && fiber) {
        char name[64];
        std::snprintf(name, sizeof name, "%04lld-%05lld-%04lld", *plate, *mjd, *fiber);
        s.objectName = name;
    } else if (const auto name = file.keyString("NAME"); name && !name->empty()) {
        s.objectName = *name;
    }
    const auto unit = file.keyString("BUNIT");
    s.fluxUnit = unit && !unit->empty() ? *unit : kSdssFluxUnit;
}

Spectrum readCoadd(FitsFile& file, int hdu)
{
    Spectrum s = startSpectrum(file, hdu);
    readIdentity(file, s);
    file.moveTo(hdu);
    const auto fluxCol = file.findColumn("flux");
    if (!fluxCol) file.fail("the COADD table has no 'flux' column (columns: " + columnNames(file) + ")");
    const auto loglamCol = file.findColumn("loglam");
    if (!loglamCol)
        file.fail("the COADD table has no 'loglam' column, so there is no wavelength (columns: " + columnNames(file) +
                  ")");
    s.flux = readSpectrumColumn(file, *fluxCol);
    const auto loglam = readSpectrumColumn(file, *loglamCol);
    requireLength(file, loglam.size(), s.flux.size(), "column 'loglam'");
    s.wavelength.resize(loglam.size());
    for (std::size_t i = 0; i < loglam.size(); ++i) s.wavelength[i] = std::pow(10.0, loglam[i]);

    s.mask.assign(s.flux.size(), 0);
    if (const auto ivarCol = file.findColumn("ivar")) {
        s.ivar = readSpectrumColumn(file, *ivarCol);
        requireLength(file, s.ivar.size(), s.flux.size(), "column 'ivar'");
        for (std::size_t i = 0; i < s.ivar.size(); ++i)
            if (!(s.ivar[i] > 0)) s.mask[i] = 1;  // ivar == 0 marks bad pixels
    }
    if (const auto andCol = file.findColumn("and_mask")) {
        const auto andMask = readSpectrumColumn(file, *andCol);
        requireLength(file, andMask.size(), s.flux.size(), "column 'and_mask'");
        orMaskNonZero(andMask, s.mask);
    }
    requireSomeFinite(file, s.flux);
    s.medium = Medium::Vacuum;
    s.provenance.waveUnit = "Angstrom";
    s.provenance.waveUnitSource = "SDSS convention (loglam = log10 of Angstrom)";
    s.provenance.mediumSource = "SDSS convention (vacuum)";
    s.provenance.layout = "SDSS spec: COADD table in HDU " + std::to_string(hdu);
    return s;
}

// DR7 spSpec: primary image rows flux, continuum-subtracted flux, sigma, mask;
// lambda = 10^(COEFF0 + COEFF1 i), i = 0-based pixel.
Spectrum readSpSpec(FitsFile& file)
{
    file.moveTo(0);
    Spectrum s = startSpectrum(file, 0);
    const auto shape = file.imageShape();
    const double coeff0 = *file.keyDouble("COEFF0");
    const double coeff1 = *file.keyDouble("COEFF1");
    if (!std::isfinite(coeff1) || coeff1 == 0.0)
        file.fail("zero or non-finite dispersion: COEFF1 = " + formatNumber(coeff1));
    s.flux = file.readImageRow(0);
    const std::size_t n = s.flux.size();
    s.wavelength.resize(n);
    for (std::size_t i = 0; i < n; ++i) s.wavelength[i] = std::pow(10.0, coeff0 + coeff1 * static_cast<double>(i));
    s.mask.assign(n, 0);
    if (shape[1] >= 3) ivarFromSigma(file.readImageRow(2), s.ivar, s.mask);
    if (shape[1] >= 4) orMaskNonZero(file.readImageRow(3), s.mask);
    requireSomeFinite(file, s.flux);
    readIdentity(file, s);
    s.medium = Medium::Vacuum;
    s.provenance.waveUnit = "Angstrom";
    s.provenance.waveUnitSource = "SDSS convention (COEFF0/COEFF1 = log10 of Angstrom)";
    s.provenance.mediumSource = "SDSS convention (vacuum)";
    s.provenance.layout = "SDSS DR7 spSpec: primary image rows flux, continuum-subtracted, sigma, mask";
    return s;
}

}  // namespace

bool SdssFormat::matches(FitsFile& file) const
{
    const bool sdss = isSdssTelescope(file);
    const int coadd = findCoadd(file);
    if (sdss) return coadd >= 0 || primaryIsSpSpecImage(file);
    if (coadd < 0) return false;
    file.moveTo(coadd);
    return file.findColumn("loglam").has_value();
}

Spectrum SdssFormat::read(FitsFile& file, const ReadOptions&) const
{
    const int coadd = findCoadd(file);
    if (coadd >= 0) return readCoadd(file, coadd);
    if (primaryIsSpSpecImage(file)) return readSpSpec(file);
    file.moveTo(0);
    file.fail("not an SDSS spectrum: no COADD table and no spSpec image with COEFF0/COEFF1");
}

}  // namespace remap
