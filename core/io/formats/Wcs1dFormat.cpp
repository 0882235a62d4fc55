#include "io/formats/Wcs1dFormat.h"

#include "io/FitsFile.h"
#include "io/ReaderSupport.h"
#include "io/SpectralAxis.h"

#include <initializer_list>

namespace remap {

using namespace io;

namespace {

bool isDataImage(FitsFile& file)
{
    return file.hduType() == FitsFile::HduType::Image && !file.imageShape().empty();
}

// First HDU (any, primary included) whose EXTNAME is one of `names`, in the order of `names`; -1 if none.
int findNamed(FitsFile& file, std::initializer_list<const char*> names, int skip = -1)
{
    const int n = file.hduCount();
    for (const char* name : names) {
        for (int h = 0; h < n; ++h) {
            if (h == skip) continue;
            file.moveTo(h);
            if (iequals(trim(file.extensionName()), name)) return h;
        }
    }
    return -1;
}

// The HDU with the flux: EXTNAME FLUX, SCI, DATA, else the primary, else the first image extension.
int findDataHdu(FitsFile& file)
{
    const int named = findNamed(file, {"FLUX", "SCI", "DATA"});
    if (named >= 0) {
        file.moveTo(named);
        if (isDataImage(file)) return named;
    }
    file.moveTo(0);
    if (isDataImage(file)) return 0;
    const int n = file.hduCount();
    for (int h = 1; h < n; ++h) {
        file.moveTo(h);
        if (isDataImage(file)) return h;
    }
    return -1;
}

std::vector<double> readOneD(FitsFile& file, int hdu, const char* what)
{
    file.moveTo(hdu);
    const auto shape = file.imageShape();
    if (oneDimensionalLength(shape) <= 0)
        file.fail(std::string("the ") + what + " HDU holds a " + describeShape(shape) + " array, not a 1-D spectrum");
    return file.readImage();
}

UncertaintyKind uncertaintyKind(FitsFile& file, const std::string& extname)
{
    // astropy NDData writes UTYPE; otherwise the extension name sets the meaning.
    const std::string utype = toLower(file.keyString("UTYPE").value_or(""));
    if (utype.find("inversevariance") != std::string::npos) return UncertaintyKind::InverseVariance;
    if (utype.find("variance") != std::string::npos) return UncertaintyKind::Variance;
    if (utype.find("stddev") != std::string::npos) return UncertaintyKind::Sigma;
    const std::string name = toUpper(trim(extname));
    if (name == "IVAR" || name == "INVVAR") return UncertaintyKind::InverseVariance;
    if (name == "VAR" || name == "VARIANCE") return UncertaintyKind::Variance;
    return UncertaintyKind::Sigma;
}

}  // namespace

bool Wcs1dFormat::matches(FitsFile& file) const
{
    const int hdu = findDataHdu(file);
    if (hdu < 0) return false;
    file.moveTo(hdu);
    return oneDimensionalLength(file.imageShape()) > 0;
}

Spectrum Wcs1dFormat::read(FitsFile& file, const ReadOptions& options) const
{
    const int hdu = findDataHdu(file);
    if (hdu < 0) {
        file.moveTo(0);
        file.fail("no image HDU holds a spectrum (looked for FLUX, SCI, DATA and the primary)");
    }
    Spectrum s = startSpectrum(file, hdu);
    s.flux = readOneD(file, hdu, "data");
    const std::size_t n = s.flux.size();
    requireSomeFinite(file, s.flux);

    // The WCS of the data HDU, else (an extension without one) of the primary.
    int wcsHdu = hdu;
    if (!hasSpectralWcs(file) && hdu != 0) {
        file.moveTo(0);
        if (hasSpectralWcs(file)) wcsHdu = 0;
        file.moveTo(hdu);
    }
    const auto instrument = instrumentOf(file);
    AxisEvidence evidence;
    evidence.instrument = instrument;
    evidence.overrideUnit = options.waveUnit;
    evidence.others = otherImageAxes(file, n, wcsHdu, instrument);
    file.moveTo(wcsHdu);
    const std::string what = hduLabel(file, wcsHdu) + "'s wavelength axis";
    DecidedAxis axis = decideImageAxis(file, n, evidence, what);
    s.wavelength = std::move(axis.wavelength);
    s.warnings = axis.wcs.warnings;
    s.warnings.insert(s.warnings.end(), axis.unit.warnings.begin(), axis.unit.warnings.end());
    s.provenance.waveUnit = axis.unit.unit;
    s.provenance.waveUnitSource = axis.unit.source;

    std::optional<std::pair<Medium, std::string>> stated;
    if (axis.wcs.medium != Medium::Unknown) stated = std::make_pair(axis.wcs.medium, axis.wcs.mediumSource);
    for (int h : {hdu, 0}) {
        if (stated) break;
        file.moveTo(h);
        stated = statedMedium(file);
    }
    const MediumDecision medium = decideMedium(stated, instrument);
    s.medium = medium.medium;
    s.provenance.mediumSource = medium.source;
    s.warnings.insert(s.warnings.end(), medium.warnings.begin(), medium.warnings.end());
    s.provenance.layout = "1-D image in " + hduLabel(file, hdu) +
                          (axis.wcs.ctype.empty() ? std::string(", no CTYPE1") : ", CTYPE1 '" + axis.wcs.ctype + "'") +
                          (wcsHdu != hdu ? ", wavelength keywords from the primary HDU" : "") +
                          (instrument ? ", " + instrument->name : "");

    file.moveTo(hdu);
    if (const auto unit = file.keyString("BUNIT"); unit && !unit->empty()) s.fluxUnit = *unit;
    s.objectName = trim(file.keyString("OBJECT").value_or(""));
    if (s.objectName.empty() && hdu != 0) {
        file.moveTo(0);
        s.objectName = trim(file.keyString("OBJECT").value_or(""));
    }

    s.mask.assign(n, 0);
    const int err = findNamed(
        file, {"STD", "STDDEV", "ERR", "ERROR", "SIGMA", "UNCERT", "UNCERTAINTY", "VAR", "VARIANCE", "IVAR", "INVVAR"},
        hdu);
    if (err >= 0) {
        const auto values = readOneD(file, err, "uncertainty");
        requireLength(file, values.size(), n, "the uncertainty HDU");
        ivarFromUncertainty(uncertaintyKind(file, file.extensionName()), values, s.flux, s.ivar, s.mask);
    }
    const int maskHdu = findNamed(file, {"MASK", "DQ", "QUALITY"}, hdu);
    if (maskHdu >= 0) {
        const auto values = readOneD(file, maskHdu, "mask");
        requireLength(file, values.size(), n, "the mask HDU");
        orMaskNonZero(values, s.mask);  // nonzero = bad
    }
    return s;
}

}  // namespace remap
