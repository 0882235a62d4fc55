#include "io/formats/LamostMrsFormat.h"

#include "io/FitsFile.h"
#include "io/ReaderSupport.h"
#include "io/SpectralAxis.h"

#include <cmath>

namespace remap {

using namespace io;

namespace {

struct Arm {
    int hdu = -1;
    const char* name;
};

int findTable(FitsFile& file, const char* extname)
{
    const int n = file.hduCount();
    for (int h = 1; h < n; ++h) {
        file.moveTo(h);
        if (file.hduType() != FitsFile::HduType::Image && iequals(trim(file.extensionName()), extname)) return h;
    }
    return -1;
}

struct ArmData {
    std::vector<double> wavelength, flux, ivar;
    std::vector<std::uint8_t> mask;
};

ArmData readArm(FitsFile& file, int hdu, const char* name)
{
    file.moveTo(hdu);
    ArmData a;
    const auto fluxCol = file.findColumn("FLUX");
    const auto loglamCol = file.findColumn("LOGLAM");
    if (!fluxCol) file.fail(std::string("the ") + name + " table has no FLUX column");
    if (!loglamCol) file.fail(std::string("the ") + name + " table has no LOGLAM column, so there is no wavelength");
    a.flux = readSpectrumColumn(file, *fluxCol, 0);
    const std::size_t n = a.flux.size();
    const auto loglam = readSpectrumColumn(file, *loglamCol, 0);
    requireLength(file, loglam.size(), n, "column LOGLAM");
    a.wavelength.resize(n);
    for (std::size_t i = 0; i < n; ++i) a.wavelength[i] = std::pow(10.0, loglam[i]);
    a.mask.assign(n, 0);
    if (!readIvarColumn(file, "IVAR", n, a.ivar, a.mask)) a.ivar.assign(n, 0.0);
    // ANDMASK: bad in every exposure. ORMASK alone (bad in some exposure) does not mask, as for LRS.
    readMaskColumn(file, "ANDMASK", n, a.mask);
    return a;
}

void append(ArmData& to, const ArmData& from)
{
    to.wavelength.insert(to.wavelength.end(), from.wavelength.begin(), from.wavelength.end());
    to.flux.insert(to.flux.end(), from.flux.begin(), from.flux.end());
    to.ivar.insert(to.ivar.end(), from.ivar.begin(), from.ivar.end());
    to.mask.insert(to.mask.end(), from.mask.begin(), from.mask.end());
}

}  // namespace

bool LamostMrsFormat::matches(FitsFile& file) const
{
    for (const char* name : {"COADD_B", "COADD_R"}) {
        const int h = findTable(file, name);
        if (h >= 0 && file.findColumn("FLUX") && file.findColumn("LOGLAM")) return true;
    }
    return false;
}

Spectrum LamostMrsFormat::read(FitsFile& file, const ReadOptions& options) const
{
    const int blue = findTable(file, "COADD_B");
    const int red = findTable(file, "COADD_R");
    if (blue < 0 && red < 0) {
        file.moveTo(0);
        file.fail("not a LAMOST MRS file: no COADD_B or COADD_R table");
    }
    if (options.order < 0 || options.order > 2)
        file.fail("a LAMOST MRS file has two arms: --order 1 reads the blue (COADD_B), 2 the red (COADD_R), 0 both");
    if ((options.order == 1 && blue < 0) || (options.order == 2 && red < 0))
        file.fail(std::string("this file has no ") + (options.order == 1 ? "COADD_B" : "COADD_R") + " table");
    Spectrum s = startSpectrum(file, blue >= 0 && options.order != 2 ? blue : red);
    ArmData all;
    std::string arms;
    double gapLo = 0, gapHi = 0;
    if (blue >= 0 && options.order != 2) {
        append(all, readArm(file, blue, "COADD_B"));
        arms = "COADD_B";
        gapLo = all.wavelength.empty() ? 0 : std::max(all.wavelength.front(), all.wavelength.back());
    }
    if (red >= 0 && options.order != 1) {
        const ArmData r = readArm(file, red, "COADD_R");
        gapHi = r.wavelength.empty() ? 0 : std::min(r.wavelength.front(), r.wavelength.back());
        append(all, r);
        arms += std::string(arms.empty() ? "" : " and ") + "COADD_R";
    }
    s.wavelength = std::move(all.wavelength);
    s.flux = std::move(all.flux);
    s.ivar = std::move(all.ivar);
    s.mask = std::move(all.mask);
    requireSomeFinite(file, s.flux);

    int exposures = 0;
    for (int h = 1; h < file.hduCount(); ++h) {
        file.moveTo(h);
        const std::string name = toUpper(trim(file.extensionName()));
        if ((name.rfind("B-", 0) == 0 || name.rfind("R-", 0) == 0) && file.hduType() != FitsFile::HduType::Image)
            ++exposures;
    }
    file.moveTo(0);
    s.medium = Medium::Vacuum;
    s.provenance.mediumSource = "LAMOST convention (LOGLAM is log10 of the vacuum wavelength)";
    if (const auto stated = statedMedium(file)) {
        s.medium = stated->first;
        s.provenance.mediumSource = stated->second;
    }
    s.provenance.waveUnit = "Angstrom";
    s.provenance.waveUnitSource = "LAMOST convention (LOGLAM = log10 of Angstrom)";
    s.provenance.orders = (blue >= 0 && red >= 0 && options.order == 0) ? 2 : 1;
    s.provenance.layout = "LAMOST MRS: " + arms + (s.provenance.orders == 2 ? " tables joined" : " table");
    if (s.provenance.orders == 2 && gapHi > gapLo)
        s.provenance.layout += " with a gap at " + formatNumber(std::round(gapLo)) + "-" +
                               formatNumber(std::round(gapHi)) + " A (no pixels)";
    if (exposures) s.provenance.layout += "; " + std::to_string(exposures) + " single-exposure tables not used";
    for (const char* key : {"OBJNAME", "DESIG", "OBJECT"}) {
        const auto v = file.keyString(key);
        if (v && !trim(*v).empty()) {
            s.objectName = trim(*v);
            break;
        }
    }
    copyKeyToMetadata(file, "OBSID", s, "obsid");
    copyKeyToMetadata(file, "DESIG", s, "designation");
    copyKeyToMetadata(file, "RA", s, "ra");
    copyKeyToMetadata(file, "DEC", s, "dec");
    if (const auto unit = file.keyString("BUNIT"); unit && !unit->empty()) s.fluxUnit = *unit;
    return s;
}

}  // namespace remap
