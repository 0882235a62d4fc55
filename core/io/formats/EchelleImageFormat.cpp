#include "io/formats/EchelleImageFormat.h"

#include "io/FitsFile.h"
#include "io/OrderMerge.h"
#include "io/ReaderSupport.h"
#include "io/SpectralAxis.h"

#include <cmath>
#include <initializer_list>

namespace remap {

using namespace io;

namespace {

struct Hdus {
    int flux = -1, wave = -1, error = -1, mask = -1, blaze = -1;
    UncertaintyKind kind = UncertaintyKind::Sigma;
    std::vector<long> shape;
};

bool nameIs(const std::string& name, std::initializer_list<const char*> names)
{
    for (const char* n : names)
        if (name == n) return true;
    return false;
}

// The HDU roles, found by EXTNAME among images of one shape; flux < 0 when the layout does not match.
Hdus findHdus(FitsFile& file)
{
    Hdus h;
    const int count = file.hduCount();
    std::vector<std::string> names(static_cast<std::size_t>(count));
    std::vector<std::vector<long>> shapes(static_cast<std::size_t>(count));
    for (int k = 0; k < count; ++k) {
        file.moveTo(k);
        if (file.hduType() != FitsFile::HduType::Image) continue;
        names[static_cast<std::size_t>(k)] = toUpper(trim(file.extensionName()));
        shapes[static_cast<std::size_t>(k)] = file.imageShape();
    }
    // Wavelength: a plain name first, then vacuum, then air, then any WAVE* name.
    int rank = 99;
    for (int k = 0; k < count; ++k) {
        const std::string& n = names[static_cast<std::size_t>(k)];
        if (shapes[static_cast<std::size_t>(k)].empty() || n.empty()) continue;
        int r = 99;
        if (nameIs(n, {"WAVE", "WAVELENGTH", "WAVELENGTHS", "LAMBDA", "WAV", "WAVEDATA"}))
            r = 0;
        else if (n.rfind("WAVE", 0) == 0 && n.find("VAC") != std::string::npos)
            r = 1;
        else if (n.rfind("WAVE", 0) == 0 && n.find("AIR") != std::string::npos)
            r = 2;
        else if (n.rfind("WAVE", 0) == 0 || n.rfind("LAMBDA", 0) == 0)
            r = 3;
        if (r < rank) {
            rank = r;
            h.wave = k;
        }
    }
    if (h.wave < 0) return h;
    h.shape = shapes[static_cast<std::size_t>(h.wave)];
    if (h.shape.size() > 2 || (h.shape.size() == 2 && h.shape[1] < 1)) {
        h.wave = -1;
        return h;
    }
    auto sameShape = [&](int k) { return k != h.wave && shapes[static_cast<std::size_t>(k)] == h.shape; };
    auto named = [&](std::initializer_list<const char*> list) {
        for (const char* want : list)
            for (int k = 0; k < count; ++k)
                if (sameShape(k) && names[static_cast<std::size_t>(k)] == want) return k;
        return -1;
    };
    h.flux = named({"FLUX", "SCI", "SCIDATA", "SPEC", "SPECTRUM", "DATA", "OBJ", "OBJECT", "FLUXDATA", "SCI_FLUX"});
    h.error = named({"ERR", "ERRDATA", "ERROR", "SIGMA", "UNCERT", "UNCERTAINTY", "NOISE", "STD", "STDDEV"});
    if (h.error < 0 && (h.error = named({"VAR", "VARIANCE"})) >= 0)
        h.kind = UncertaintyKind::Variance;
    else if (h.error < 0 && (h.error = named({"IVAR", "INVVAR"})) >= 0)
        h.kind = UncertaintyKind::InverseVariance;
    h.mask = named({"QUAL", "QUALDATA", "QUALITY", "MASK", "DQ", "FLAGS", "BADPIX"});
    h.blaze = named({"BLAZE", "BLAZEDATA", "FLAT", "FLATDATA"});
    if (h.flux < 0 && sameShape(0)) h.flux = 0;
    for (int k = 0; k < count && h.flux < 0; ++k)
        if (sameShape(k) && k != h.error && k != h.mask && k != h.blaze) h.flux = k;
    return h;
}

std::vector<double> rowOf(const std::vector<double>& data, long n, long row)
{
    const auto offset = static_cast<std::ptrdiff_t>(row * n);
    return std::vector<double>(data.begin() + offset, data.begin() + offset + n);
}

}  // namespace

bool EchelleImageFormat::matches(FitsFile& file) const
{
    return findHdus(file).flux >= 0;
}

Spectrum EchelleImageFormat::read(FitsFile& file, const ReadOptions& options) const
{
    const Hdus h = findHdus(file);
    if (h.flux < 0) {
        file.moveTo(0);
        file.fail("no flux image with a wavelength image (EXTNAME WAVE...) of the same shape");
    }
    Spectrum s = startSpectrum(file, h.flux);
    const long n = h.shape[0];
    const long rows = h.shape.size() == 2 ? h.shape[1] : 1;
    if (options.order < 0 || options.order > rows)
        file.fail("order " + std::to_string(options.order) + " is not in the file: the images hold " +
                  std::to_string(rows) + (rows == 1 ? " order" : " orders") + " (--order 0 merges them)");
    file.moveTo(h.flux);
    const auto flux = file.readImage();
    requireSomeFinite(file, flux);
    file.moveTo(h.wave);
    const auto wave = file.readImage();
    std::vector<UnitStatement> units;
    for (const char* key : {"BUNIT", "CUNIT1", "TUNIT1"})
        if (const auto u = file.keyString(key); u && angstromsPerUnit(*u)) {
            units.push_back({*angstromsPerUnit(*u), trim(*u),
                             "keyword " + std::string(key) + " = '" + trim(*u) + "' of " + hduLabel(file, h.wave)});
            break;
        }
    const std::string waveName = toUpper(trim(file.extensionName()));
    std::optional<std::pair<Medium, std::string>> medium;
    if (waveName.find("VAC") != std::string::npos)
        medium = std::make_pair(Medium::Vacuum, "the wavelength HDU's name '" + waveName + "'");
    else if (waveName.find("AIR") != std::string::npos)
        medium = std::make_pair(Medium::Air, "the wavelength HDU's name '" + waveName + "'");
    for (int k : {h.wave, h.flux, 0}) {
        if (medium) break;
        file.moveTo(k);
        medium = statedMedium(file);
    }
    std::vector<double> error, quality, blaze;
    if (h.error >= 0) {
        file.moveTo(h.error);
        error = file.readImage();
    }
    if (h.mask >= 0) {
        file.moveTo(h.mask);
        quality = file.readImage();
    }
    if (h.blaze >= 0) {
        file.moveTo(h.blaze);
        blaze = file.readImage();
    }

    std::vector<EchelleOrder> orders;
    double lo = INFINITY, hi = -INFINITY;
    for (long r = 0; r < rows; ++r) {
        EchelleOrder o;
        o.number = static_cast<int>(r + 1);
        o.wavelength = rowOf(wave, n, r);
        o.flux = rowOf(flux, n, r);
        o.mask.assign(static_cast<std::size_t>(n), 0);
        for (std::size_t i = 0; i < o.wavelength.size(); ++i) {
            const double w = o.wavelength[i];
            if (!std::isfinite(w) || w <= 0) {
                o.mask[i] = 1;
                o.wavelength[i] = std::nan("");
                continue;
            }
            lo = std::min(lo, w);
            hi = std::max(hi, w);
        }
        if (!error.empty()) ivarFromUncertainty(h.kind, rowOf(error, n, r), o.flux, o.ivar, o.mask);
        if (!quality.empty()) orMaskNonZero(rowOf(quality, n, r), o.mask);
        if (!blaze.empty()) o.blaze = rowOf(blaze, n, r);
        // Pixels without a wavelength (NaN, <= 0) cannot be placed: drop them from the order.
        EchelleOrder kept;
        kept.number = o.number;
        for (std::size_t i = 0; i < o.wavelength.size(); ++i) {
            if (!std::isfinite(o.wavelength[i])) continue;
            kept.wavelength.push_back(o.wavelength[i]);
            kept.flux.push_back(o.flux[i]);
            kept.mask.push_back(o.mask[i]);
            if (!o.ivar.empty()) kept.ivar.push_back(o.ivar[i]);
            if (!o.blaze.empty()) kept.blaze.push_back(o.blaze[i]);
        }
        if (kept.wavelength.size() >= 2) orders.push_back(std::move(kept));
    }
    if (orders.empty() || !(lo < hi)) {
        file.moveTo(h.wave);
        file.fail("the wavelength image holds no usable wavelengths (all NaN or <= 0)");
    }
    const auto instrument = instrumentOf(file);
    AxisEvidence evidence;
    evidence.instrument = instrument;
    evidence.overrideUnit = options.waveUnit;
    const UnitDecision unit =
        decideWavelengthUnit(units, lo, hi, evidence, hduLabel(file, h.wave) + "'s wavelengths", file.path(), h.wave);
    for (auto& o : orders) scaleInPlace(o.wavelength, unit.angstromsPerUnit);
    s.warnings = unit.warnings;
    s.provenance.waveUnit = unit.unit;
    s.provenance.waveUnitSource = unit.source;
    file.moveTo(h.flux);
    if (const auto bunit = file.keyString("BUNIT"); bunit && !bunit->empty()) s.fluxUnit = *bunit;
    assembleOrders(std::move(orders), options.order, s);
    const MediumDecision m = decideMedium(medium, instrument);
    s.medium = m.medium;
    s.provenance.mediumSource = m.source;
    s.warnings.insert(s.warnings.end(), m.warnings.begin(), m.warnings.end());
    std::string parts = "flux " + hduLabel(file, h.flux) + ", wavelength " + hduLabel(file, h.wave);
    if (h.error >= 0) parts += ", uncertainty " + hduLabel(file, h.error);
    if (h.mask >= 0) parts += ", quality " + hduLabel(file, h.mask);
    if (h.blaze >= 0) parts += ", blaze " + hduLabel(file, h.blaze);
    s.provenance.layout = std::to_string(rows) + (rows == 1 ? " order" : " orders") + " as image rows (" + parts + ")" +
                          (options.order > 0 ? ", order " + std::to_string(options.order) + " read"
                                             : (s.provenance.orders > 1 ? ", merged" : "")) +
                          (instrument ? ", " + instrument->name : "");
    file.moveTo(0);
    s.objectName = trim(file.keyString("OBJECT").value_or(""));
    return s;
}

}  // namespace remap
