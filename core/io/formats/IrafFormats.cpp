#include "io/formats/IrafFormats.h"

#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/OrderMerge.h"
#include "io/ReaderSupport.h"
#include "io/SpectralAxis.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace remap {

using namespace io;

namespace {

bool isMultispec(FitsFile& file)
{
    file.moveTo(0);
    return toUpper(trim(file.keyString("CTYPE1").value_or(""))) == "MULTISPE" ||
           containsI(file.keyString("WAT0_001").value_or(""), "multispec");
}

std::string firstWord(const std::string& text)
{
    std::string w;
    for (char c : trim(text)) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') break;
        w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return w;
}

std::vector<std::string> readBandIds(FitsFile& file, long bands)
{
    std::vector<std::string> ids;
    for (long b = 1; b <= bands; ++b) ids.push_back(file.keyString("BANDID" + std::to_string(b)).value_or(""));
    return ids;
}

std::string bandsText(const BandRoles& r, long bands)
{
    if (bands <= 1) return "";
    std::string out = ", " + std::to_string(bands) + " bands (flux from band " + std::to_string(r.flux);
    if (r.sigma) out += ", sigma from band " + std::to_string(r.sigma);
    if (r.variance) out += ", variance from band " + std::to_string(r.variance);
    if (r.blaze) out += ", blaze from band " + std::to_string(r.blaze);
    return out + ")";
}

// Band b (1-based) of row r (1-based) of an image n x rows x bands.
std::vector<double> slice(const std::vector<double>& data, long n, long rows, long row, long band)
{
    const auto offset = static_cast<std::size_t>(((band - 1) * rows + (row - 1)) * n);
    return std::vector<double>(data.begin() + static_cast<std::ptrdiff_t>(offset),
                               data.begin() + static_cast<std::ptrdiff_t>(offset + static_cast<std::size_t>(n)));
}

// Uncertainty of band arrays into ivar (empty when the image has no uncertainty band).
std::vector<double> ivarFromBands(const BandRoles& r, const std::vector<double>& data, long n, long rows, long row,
                                  std::vector<std::uint8_t>& mask)
{
    std::vector<double> ivar;
    if (r.sigma)
        ivarFromSigma(slice(data, n, rows, row, r.sigma), ivar, mask);
    else if (r.variance)
        ivarFromVariance(slice(data, n, rows, row, r.variance), ivar, mask);
    return ivar;
}

void readIrafIdentity(FitsFile& file, Spectrum& s)
{
    file.moveTo(0);
    s.objectName = trim(file.keyString("OBJECT").value_or(""));
    if (const auto unit = file.keyString("BUNIT"); unit && !unit->empty()) s.fluxUnit = *unit;
}

MediumDecision irafMedium(FitsFile& file, const std::optional<InstrumentInfo>& instrument)
{
    file.moveTo(0);
    // IRAF has no medium keyword; ground-based reductions are in air by convention.
    return decideMedium(statedMedium(file), instrument,
                        std::make_pair(Medium::Air, std::string("IRAF convention (ground-based data in air)")));
}

void applyMedium(const MediumDecision& m, Spectrum& s)
{
    s.medium = m.medium;
    s.provenance.mediumSource = m.source;
    s.warnings.insert(s.warnings.end(), m.warnings.begin(), m.warnings.end());
}

}  // namespace

BandRoles bandRoles(const std::vector<std::string>& ids)
{
    BandRoles r;
    int named = 0;
    for (std::size_t b = 0; b < ids.size(); ++b) {
        const std::string w = firstWord(ids[b]);
        const int band = static_cast<int>(b + 1);
        if (!named && (w == "spectrum" || w == "object" || w == "obj" || w == "flux" || w == "optimal" ||
                       w == "science" || w == "extracted"))
            named = band;
        else if (!r.sigma && (w == "sigma" || w == "error" || w == "err" || w == "noise" || w == "uncertainty"))
            r.sigma = band;
        else if (!r.variance && (w == "variance" || w == "var"))
            r.variance = band;
        else if (!r.blaze && (w == "flat" || w == "blaze"))
            r.blaze = band;
    }
    if (named) r.flux = named;
    return r;
}

bool Iraf1dFormat::matches(FitsFile& file) const
{
    file.moveTo(0);
    if (file.imageShape().empty() || isMultispec(file)) return false;
    if (!file.hasKey("CRVAL1")) return false;
    return file.hasKey("DC-FLAG") || containsI(file.keyString("WAT0_001").value_or(""), "equispec");
}

Spectrum Iraf1dFormat::read(FitsFile& file, const ReadOptions& options) const
{
    file.moveTo(0);
    if (isMultispec(file)) file.fail("this is an IRAF multispec file (CTYPE1 'MULTISPE'): read it as iraf-multispec");
    const auto shape = file.imageShape();
    if (shape.empty()) file.fail("the primary HDU holds no image: not an IRAF onedspec file");
    Spectrum s = startSpectrum(file, 0);
    const long n = shape[0];
    const long apertures = shape.size() >= 2 ? shape[1] : 1;
    const long bands = shape.size() >= 3 ? shape[2] : 1;
    for (std::size_t k = 3; k < shape.size(); ++k)
        if (shape[k] != 1) file.fail("the image is " + describeShape(shape) + ": more than three axes");
    const long aperture = options.order == 0 ? 1 : options.order;
    if (aperture < 1 || aperture > apertures)
        file.fail("aperture " + std::to_string(aperture) + " does not exist: the image holds " +
                  std::to_string(apertures) + (apertures == 1 ? " spectrum" : " spectra") + " (" +
                  describeShape(shape) + ")");
    if (options.order == 0 && apertures > 1)
        s.warnings.push_back("the image holds " + std::to_string(apertures) +
                             " apertures with one dispersion (equispec, usually several objects); aperture 1 was "
                             "read, --order N picks another");
    const BandRoles roles = bandRoles(readBandIds(file, bands));
    if (roles.flux > bands)
        file.fail("BANDID names band " + std::to_string(roles.flux) + " but the image has " + std::to_string(bands));
    auto data = file.readImage();
    s.mask.assign(static_cast<std::size_t>(n), 0);
    s.ivar = ivarFromBands(roles, data, n, apertures, aperture, s.mask);
    if (apertures == 1 && bands == 1)
        s.flux = std::move(data);  // a plain 1-D spectrum: no copy
    else
        s.flux = slice(data, n, apertures, aperture, roles.flux);
    requireSomeFinite(file, s.flux);

    const auto instrument = instrumentOf(file);
    AxisEvidence evidence;
    evidence.instrument = instrument;
    evidence.overrideUnit = options.waveUnit;
    DecidedAxis axis =
        decideImageAxis(file, static_cast<std::size_t>(n), evidence, "the primary HDU's wavelength axis");
    s.wavelength = std::move(axis.wavelength);
    s.warnings.insert(s.warnings.end(), axis.wcs.warnings.begin(), axis.wcs.warnings.end());
    s.warnings.insert(s.warnings.end(), axis.unit.warnings.begin(), axis.unit.warnings.end());
    s.provenance.waveUnit = axis.unit.unit;
    s.provenance.waveUnitSource = axis.unit.source;
    applyMedium(irafMedium(file, instrument), s);
    s.provenance.layout =
        std::string("IRAF onedspec image") +
        (axis.wcs.scale == SpectralWcs::Scale::Log10 ? ", log-linear (DC-FLAG = 1)" : ", linear") +
        (apertures > 1 ? ", aperture " + std::to_string(aperture) + " of " + std::to_string(apertures) : "") +
        bandsText(roles, bands) + (instrument ? ", " + instrument->name : "");
    readIrafIdentity(file, s);
    copyKeyToMetadata(file, "APNUM" + std::to_string(aperture), s, "aperture");
    return s;
}

bool IrafMultispecFormat::matches(FitsFile& file) const
{
    return isMultispec(file);
}

Spectrum IrafMultispecFormat::read(FitsFile& file, const ReadOptions& options) const
{
    if (!isMultispec(file)) file.fail("not an IRAF multispec file: CTYPE1 is not 'MULTISPE'");
    file.moveTo(0);
    const auto shape = file.imageShape();
    if (shape.empty()) file.fail("the primary HDU holds no image");
    Spectrum s = startSpectrum(file, 0);
    const long n = shape[0];
    const long rows = shape.size() >= 2 ? shape[1] : 1;
    const long bands = shape.size() >= 3 ? shape[2] : 1;
    for (std::size_t k = 3; k < shape.size(); ++k)
        if (shape[k] != 1) file.fail("the image is " + describeShape(shape) + ": more than three axes");
    if (options.order < 0) file.fail("--order must be 0 (merge all orders) or a 1-based order number");
    if (options.order > rows)
        file.fail("order " + std::to_string(options.order) + " (spec" + std::to_string(options.order) +
                  ") is not in the file: the image has " + std::to_string(rows) + (rows == 1 ? " order" : " orders") +
                  " (--order 0 merges them)");

    const std::string wat2 = joinWat2(file.records());
    if (wat2.empty()) file.fail("no WAT2_nnn cards: the multispec wavelength solutions are missing");
    // Logical row l of the image is physical line p = (l - LTV2) / LTM2_2; a 1-D image names its line in
    // WAXMAP01 ("1 0 0 k": axis 2 removed at offset k).
    const double ltv2 = file.keyDouble("LTV2").value_or(0.0), ltm2 = file.keyDouble("LTM2_2").value_or(1.0);
    long lineOffset = 0;
    if (rows == 1 && shape.size() == 1) {
        std::istringstream waxmap(file.keyString("WAXMAP01").value_or(""));
        long a1 = 0, b1 = 0, a2 = 0, b2 = 0;
        if (waxmap >> a1 >> b1 >> a2 >> b2 && a2 == 0) lineOffset = b2;
    }
    const double ltv = file.keyDouble("LTV1").value_or(0.0);
    const double ltm = file.keyDouble("LTM1_1").value_or(1.0);
    if (ltm == 0.0 || !std::isfinite(ltm)) file.fail("LTM1_1 is zero: the physical pixel mapping is invalid");
    if (ltm2 == 0.0 || !std::isfinite(ltm2)) file.fail("LTM2_2 is zero: the physical line mapping is invalid");
    const BandRoles roles = bandRoles(readBandIds(file, bands));
    if (roles.flux > bands)
        file.fail("BANDID names band " + std::to_string(roles.flux) + " but the image has " + std::to_string(bands));
    const auto data = file.readImage();

    std::vector<EchelleOrder> orders;
    std::vector<int> skipped;
    double lo = INFINITY, hi = -INFINITY;
    for (long row = 1; row <= rows; ++row) {
        if (options.order > 0 && row != options.order) continue;
        const long line = lineOffset > 0 ? lineOffset + 1 : std::lround((static_cast<double>(row) - ltv2) / ltm2);
        std::optional<MultispecOrder> solution;
        try {
            solution = parseMultispecOrder(wat2, static_cast<int>(line));
        } catch (const std::invalid_argument& e) {
            file.fail(std::string("malformed multispec WAT2 entry: ") + e.what());
        }
        if (!solution)
            file.fail("order " + std::to_string(row) + " has no wavelength solution: WAT2 has no spec" +
                      std::to_string(line));
        const std::string tag = "order " + std::to_string(row) + " (spec" + std::to_string(line) + ")";
        if (solution->dtype == -1) {
            if (options.order > 0) file.fail(tag + " has no wavelength solution (dtype -1)");
            skipped.push_back(static_cast<int>(row));
            continue;
        }
        if (solution->dtype < 0 || solution->dtype > 2)
            file.fail(tag + " has dispersion type " + std::to_string(solution->dtype) +
                      ", which IRAF does not define (0 linear, 1 log-linear, 2 non-linear)");
        if (solution->dtype != 2 && (!std::isfinite(solution->dw) || solution->dw == 0.0))
            file.fail("zero or non-finite dispersion in " + tag + " (dw = " + formatNumber(solution->dw) + ")");
        if (!std::isfinite(solution->z) || solution->z <= -1.0)
            file.fail(tag + " has an invalid redshift z = " + formatNumber(solution->z));

        EchelleOrder o;
        o.number = static_cast<int>(row);
        const auto flux = slice(data, n, rows, row, roles.flux);
        std::vector<std::uint8_t> mask(static_cast<std::size_t>(n), 0);
        const auto ivar = ivarFromBands(roles, data, n, rows, row, mask);
        const auto blaze = roles.blaze ? slice(data, n, rows, row, roles.blaze) : std::vector<double>{};
        for (long l = 1; l <= n; ++l) {
            const double p = (static_cast<double>(l) - ltv) / ltm;
            if (solution->nw > 0 && (p < 1.0 - 1e-9 || p > static_cast<double>(solution->nw) + 1e-9)) continue;
            const auto i = static_cast<std::size_t>(l - 1);
            const double w = solution->wavelength(p);
            o.wavelength.push_back(w);
            o.flux.push_back(flux[i]);
            o.mask.push_back(mask[i]);
            if (!ivar.empty()) o.ivar.push_back(ivar[i]);
            if (!blaze.empty()) o.blaze.push_back(blaze[i]);
            if (std::isfinite(w)) {
                lo = std::min(lo, w);
                hi = std::max(hi, w);
            }
        }
        if (o.flux.empty()) file.fail(tag + " has no valid pixels (nw = " + std::to_string(solution->nw) + ")");
        for (std::size_t i = 1; i < o.wavelength.size(); ++i)
            if (!((o.wavelength[i] - o.wavelength[i - 1]) * (o.wavelength.back() - o.wavelength.front()) > 0))
                file.fail(tag + ": the dispersion function is not monotonic over the order (pixel " +
                          std::to_string(i + 1) + ")");
        orders.push_back(std::move(o));
    }
    if (orders.empty()) file.fail("no order has a wavelength solution (every specN has dtype -1)");
    if (!skipped.empty())
        s.warnings.push_back(std::to_string(skipped.size()) +
                             " orders without a wavelength solution (dtype -1) were left out");

    const auto instrument = instrumentOf(file);
    AxisEvidence evidence;
    evidence.instrument = instrument;
    evidence.overrideUnit = options.waveUnit;
    std::vector<UnitStatement> units;
    if (auto wat = watUnitStatement(file)) units.push_back(*wat);
    const UnitDecision unit =
        decideWavelengthUnit(units, lo, hi, evidence, "the multispec wavelength solutions", file.path(), 0);
    for (auto& o : orders) scaleInPlace(o.wavelength, unit.angstromsPerUnit);
    s.warnings.insert(s.warnings.end(), unit.warnings.begin(), unit.warnings.end());
    s.provenance.waveUnit = unit.unit;
    s.provenance.waveUnitSource = unit.source;

    int dtypes[3] = {0, 0, 0};
    for (long row = 1; row <= rows; ++row)
        if (const auto o = parseMultispecOrder(wat2, static_cast<int>(row)); o && o->dtype >= 0 && o->dtype <= 2)
            ++dtypes[o->dtype];
    readIrafIdentity(file, s);
    assembleOrders(std::move(orders), options.order, s);
    applyMedium(irafMedium(file, instrument), s);
    std::string kinds;
    const char* names[3] = {"linear", "log-linear", "non-linear"};
    for (int d = 0; d < 3; ++d)
        if (dtypes[d]) kinds += (kinds.empty() ? "" : " and ") + std::string(names[d]);
    s.provenance.layout = "IRAF multispec, " + std::to_string(rows) + (rows == 1 ? " order (" : " orders (") + kinds +
                          " dispersion)" + bandsText(roles, bands) +
                          (options.order > 0 ? ", order " + std::to_string(options.order) + " read"
                                             : (s.provenance.orders > 1 ? ", merged" : "")) +
                          (instrument ? ", " + instrument->name : "");
    if (options.order > 0) {
        const auto solution = parseMultispecOrder(wat2, static_cast<int>(options.order));
        if (solution) {
            s.metadata["aperture"] = std::to_string(solution->ap);
            s.metadata["beam"] = std::to_string(solution->beam);
        }
    }
    return s;
}

}  // namespace remap
