#include "io/formats/LamostFormat.h"

#include "io/FitsFile.h"
#include "io/ReaderSupport.h"

#include <cmath>

namespace remap {

using namespace io;

namespace {

bool isLamostTelescope(FitsFile& file)
{
    file.moveTo(0);
    return startsWithI(trim(file.keyString("TELESCOP").value_or("")), "LAMOST");
}

// The table holding the spectrum: EXTNAME COADD, else the first table with a FLUX column; -1 if none.
int findSpectrumTable(FitsFile& file)
{
    const int n = file.hduCount();
    int firstWithFlux = -1;
    for (int h = 1; h < n; ++h) {
        file.moveTo(h);
        if (file.hduType() == FitsFile::HduType::Image) continue;
        if (!file.findColumn("FLUX")) continue;
        if (iequals(trim(file.extensionName()), "COADD")) return h;
        if (firstWithFlux < 0) firstWithFlux = h;
    }
    return firstWithFlux;
}

bool primaryIsImage2d(FitsFile& file)
{
    file.moveTo(0);
    const auto shape = file.imageShape();
    return shape.size() == 2 && shape[1] >= 2;
}

// Header solution of the primary HDU: CRVAL1 + CD1_1 (p - CRPIX1), log10 when DC-FLAG = 1.
std::vector<double> headerWavelengths(FitsFile& file, std::size_t n)
{
    file.moveTo(0);
    const AxisKeywords axis = readAxisKeywords(file);
    requireAxisSolution(file, axis);
    const auto dcFlag = file.keyInt("DC-FLAG");
    if (dcFlag && *dcFlag == -1) file.fail("no wavelength solution (DC-FLAG = -1)");
    const bool logAxis = dcFlag ? *dcFlag == 1 : *axis.crval < 10;
    const double crpix = axis.crpix.value_or(1.0);
    return logAxis ? log10Axis(n, *axis.crval, *axis.delta, crpix) : linearAxis(n, *axis.crval, *axis.delta, crpix);
}

void readLamostHeader(FitsFile& file, Spectrum& s)
{
    file.moveTo(0);
    s.medium = mediumFromHeader(file).value_or(Medium::Vacuum);  // vacuum unless VACUUM = F
    s.provenance.mediumSource = mediumFromHeader(file) ? "keyword VACUUM (or MEDIUM)" : "LAMOST convention (vacuum)";
    s.provenance.waveUnit = "Angstrom";
    s.provenance.waveUnitSource = "LAMOST convention (Angstrom; CRVAL1 log10 with DC-FLAG = 1)";
    for (const char* key : {"OBJNAME", "DESIG", "OBJECT"}) {
        const auto v = file.keyString(key);
        if (v && !v->empty()) {
            s.objectName = *v;
            break;
        }
    }
    copyKeyToMetadata(file, "OBSID", s, "obsid");
    copyKeyToMetadata(file, "DESIG", s, "designation");
    copyKeyToMetadata(file, "CLASS", s, "class");
    copyKeyToMetadata(file, "SUBCLASS", s, "subclass");
    copyKeyToMetadata(file, "Z", s, "z");
    copyKeyToMetadata(file, "RA", s, "ra");
    copyKeyToMetadata(file, "DEC", s, "dec");
    if (const auto unit = file.keyString("BUNIT"); unit && !unit->empty()) s.fluxUnit = *unit;
}

Spectrum readTableLayout(FitsFile& file, int hdu)
{
    Spectrum s = startSpectrum(file, hdu);
    readLamostHeader(file, s);
    file.moveTo(hdu);
    const auto fluxCol = file.findColumn("FLUX");
    s.flux = readSpectrumColumn(file, *fluxCol, 0);
    const std::size_t n = s.flux.size();
    s.mask.assign(n, 0);
    readIvarColumn(file, "IVAR", n, s.ivar, s.mask);
    readMaskColumn(file, "ANDMASK", n, s.mask);
    requireSomeFinite(file, s.flux);
    if (const auto waveCol = file.findColumn("WAVELENGTH")) {
        s.wavelength = readSpectrumColumn(file, *waveCol, 0);
        requireLength(file, s.wavelength.size(), n, "column WAVELENGTH");
        s.provenance.layout = "LAMOST LRS: one-row table in HDU " + std::to_string(hdu) + " with a WAVELENGTH column";
    } else {
        s.wavelength = headerWavelengths(file, n);
        s.provenance.layout =
            "LAMOST LRS: one-row table in HDU " + std::to_string(hdu) + ", wavelengths from the header";
    }
    return s;
}

// Older layout: primary image (N x 5): flux, ivar, flux - continuum, andmask, ormask.
Spectrum readImageLayout(FitsFile& file)
{
    file.moveTo(0);
    Spectrum s = startSpectrum(file, 0);
    const auto shape = file.imageShape();
    s.flux = file.readImageRow(0);
    const std::size_t n = s.flux.size();
    s.mask.assign(n, 0);
    s.ivar = file.readImageRow(1);
    for (std::size_t i = 0; i < n; ++i)
        if (!(s.ivar[i] > 0)) s.mask[i] = 1;
    if (shape[1] >= 4) orMaskNonZero(file.readImageRow(3), s.mask);
    requireSomeFinite(file, s.flux);
    s.wavelength = headerWavelengths(file, n);
    readLamostHeader(file, s);
    s.provenance.layout = "LAMOST LRS: primary image rows flux, ivar, flux - continuum, andmask, ormask";
    return s;
}

}  // namespace

bool LamostFormat::matches(FitsFile& file) const
{
    if (!isLamostTelescope(file)) return false;
    return findSpectrumTable(file) >= 0 || primaryIsImage2d(file);
}

Spectrum LamostFormat::read(FitsFile& file, const ReadOptions&) const
{
    const int table = findSpectrumTable(file);
    if (table >= 0) return readTableLayout(file, table);
    if (primaryIsImage2d(file)) return readImageLayout(file);
    file.moveTo(0);
    file.fail("not a LAMOST spectrum: no table with a FLUX column and no 2-D primary image (flux, ivar, ...)");
}

}  // namespace remap
