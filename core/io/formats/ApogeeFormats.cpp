#include "io/formats/ApogeeFormats.h"

#include "io/FitsFile.h"
#include "io/ReaderSupport.h"

#include <algorithm>
#include <cmath>

namespace remap {

using namespace io;

namespace {

bool hduIsImage(FitsFile& file, int hdu)
{
    if (hdu >= file.hduCount()) return false;
    file.moveTo(hdu);
    return file.hduType() == FitsFile::HduType::Image && !file.imageShape().empty();
}

// One row of an image HDU that is (rows x npix) or 1-D (the combined spectrum only).
std::vector<double> readRow(FitsFile& file, int hdu, int row, const char* what)
{
    file.moveTo(hdu);
    const auto shape = file.imageShape();
    if (shape.empty()) file.fail(std::string("the ") + what + " HDU holds no image");
    if (oneDimensionalLength(shape) > 0) {
        if (row != 0)
            file.fail(std::string("the ") + what + " HDU is 1-D (one spectrum); row " + std::to_string(row) +
                      " does not exist");
        return file.readImage();
    }
    if (shape.size() != 2) file.fail(std::string("the ") + what + " HDU is a " + describeShape(shape) + " array");
    if (row < 0 || row >= shape[1])
        file.fail("row " + std::to_string(row) + " does not exist: the " + what + " HDU has " +
                  std::to_string(shape[1]) + " rows (0 and 1 are the combined spectra, visits follow)");
    return file.readImageRow(row);
}

// lambda = 10^(CRVAL1 + CDELT1 (p - CRPIX1)) from HDU `hdu`, falling back to the primary header.
std::vector<double> apogeeWavelengths(FitsFile& file, int hdu, std::size_t n)
{
    file.moveTo(hdu);
    AxisKeywords axis = readAxisKeywords(file);
    if (!axis.crval) {
        file.moveTo(0);
        axis = readAxisKeywords(file);
        if (!axis.crval) file.moveTo(hdu);
    }
    requireAxisSolution(file, axis);
    const double crpix = axis.crpix.value_or(1.0);
    // APOGEE writes CTYPE1 'LOG-LINEAR' with CRVAL1 = log10(Angstrom); a plain linear axis would say so.
    const bool logAxis = axis.ctype.find("LOG") != std::string::npos || (axis.ctype.empty() && *axis.crval < 10);
    if (logAxis) return log10Axis(n, *axis.crval, *axis.delta, crpix);
    return linearAxis(n, *axis.crval, *axis.delta, crpix);
}

std::string cleanUnit(std::string unit)
{
    // 'Flux (10^-17 erg/s/cm^2/Ang)' -> '10^-17 erg/s/cm^2/Ang'
    unit = trim(unit);
    const auto open = unit.find('(');
    if (open != std::string::npos && unit.back() == ')' && startsWithI(unit, "flux"))
        return trim(unit.substr(open + 1, unit.size() - open - 2));
    return unit;
}

void readApogeeIdentity(FitsFile& file, Spectrum& s)
{
    file.moveTo(0);
    for (const char* key : {"OBJID", "APOGEE_ID", "OBJECT"}) {
        const auto v = file.keyString(key);
        if (v && !v->empty()) {
            s.objectName = *v;
            break;
        }
    }
    copyKeyToMetadata(file, "NVISITS", s, "nvisits");
    copyKeyToMetadata(file, "TELESCOP", s, "telescope");
    copyKeyToMetadata(file, "FIELD", s, "field");
    copyKeyToMetadata(file, "SNR", s, "snr");
    copyKeyToMetadata(file, "RA", s, "ra");
    copyKeyToMetadata(file, "DEC", s, "dec");
}

}  // namespace

bool ApStarFormat::matches(FitsFile& file) const
{
    file.moveTo(0);
    const bool signature = file.hasKey("NVISITS") || headerMentions(file, "APOGEE");
    return signature && hduIsImage(file, 1);
}

Spectrum ApStarFormat::read(FitsFile& file, const ReadOptions& options) const
{
    if (file.hduCount() < 2 || !hduIsImage(file, 1)) file.fail("not an APOGEE apStar file: HDU 1 is not a flux image");
    Spectrum s = startSpectrum(file, 1);
    const int row = options.row;
    s.flux = readRow(file, 1, row, "flux");
    const std::size_t n = s.flux.size();
    s.fluxUnit = cleanUnit(file.keyString("BUNIT").value_or(""));
    if (s.fluxUnit.empty()) s.fluxUnit = "1e-17 erg/s/cm^2/Angstrom";
    s.wavelength = apogeeWavelengths(file, 1, n);
    s.mask.assign(n, 0);
    if (hduIsImage(file, 2)) {
        const auto error = readRow(file, 2, row, "error");
        requireLength(file, error.size(), n, "the error array");
        ivarFromSigma(error, s.ivar, s.mask);  // err <= 0 -> masked
    }
    if (hduIsImage(file, 3)) {
        // Any set bit of the APOGEE pixel mask masks the pixel (conservative; see docs/formats.md).
        const auto bits = readRow(file, 3, row, "bitmask");
        requireLength(file, bits.size(), n, "the bitmask array");
        orMaskNonZero(bits, s.mask);
    }
    file.moveTo(1);
    requireSomeFinite(file, s.flux);
    readApogeeIdentity(file, s);
    s.metadata["row"] = std::to_string(row);
    s.medium = Medium::Vacuum;
    s.provenance.waveUnit = "Angstrom";
    s.provenance.waveUnitSource = "APOGEE convention (CRVAL1 = log10 of Angstrom)";
    s.provenance.mediumSource = "APOGEE convention (vacuum)";
    s.provenance.layout = "APOGEE apStar: flux, error, bitmask images, row " + std::to_string(row);
    return s;
}

bool AspcapStarFormat::matches(FitsFile& file) const
{
    if (!hduIsImage(file, 1)) return false;
    if (file.hduCount() > 4) {
        file.moveTo(4);
        if (file.hduType() != FitsFile::HduType::Image && file.findColumn("ASPCAPFLAG")) return true;
    }
    for (int h = 0; h < std::min(file.hduCount(), 2); ++h) {
        file.moveTo(h);
        if (headerMentions(file, "ASPCAP")) return true;
        for (const char* key : {"ORIGIN", "FILETYPE", "TARGTYPE"})
            if (containsI(file.keyString(key).value_or(""), "ASPCAP")) return true;
    }
    return false;
}

Spectrum AspcapStarFormat::read(FitsFile& file, const ReadOptions&) const
{
    if (file.hduCount() < 2 || !hduIsImage(file, 1))
        file.fail("not an APOGEE aspcapStar file: HDU 1 is not a spectrum image");
    Spectrum s = startSpectrum(file, 1);
    s.flux = readRow(file, 1, 0, "normalized spectrum");
    const std::size_t n = s.flux.size();
    s.wavelength = apogeeWavelengths(file, 1, n);
    s.mask.assign(n, 0);
    if (hduIsImage(file, 2)) {
        const auto error = readRow(file, 2, 0, "error");
        requireLength(file, error.size(), n, "the error array");
        ivarFromSigma(error, s.ivar, s.mask);
    }
    file.moveTo(1);
    requireSomeFinite(file, s.flux);
    readApogeeIdentity(file, s);
    s.fluxUnit = "normalized";
    s.medium = Medium::Vacuum;
    s.provenance.waveUnit = "Angstrom";
    s.provenance.waveUnitSource = "APOGEE convention (CRVAL1 = log10 of Angstrom)";
    s.provenance.mediumSource = "APOGEE convention (vacuum)";
    s.provenance.layout = "APOGEE aspcapStar: normalized spectrum and error images";
    return s;
}

}  // namespace remap
