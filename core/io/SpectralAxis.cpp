#include "io/SpectralAxis.h"

#include "base/Error.h"
#include "io/ReaderSupport.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

namespace remap::io {

namespace {

struct Candidate {
    double factor;
    const char* name;
};
// The units a wrong or missing statement is tested against.
constexpr Candidate kAlternatives[] = {{1.0, "Angstrom"}, {10.0, "nm"}, {1e4, "um"}, {1e10, "m"}};

std::string rangeText(double lo, double hi)
{
    return formatNumber(lo) + "-" + formatNumber(hi) + " A";
}

bool plausible(double lo, double hi)
{
    return lo >= kPlausibleMinAngstrom && hi <= kPlausibleMaxAngstrom;
}

// Fraction of [lo, hi] inside the instrument's range widened by 10 %.
double insideInstrument(double lo, double hi, const InstrumentInfo& inst)
{
    const double a = std::max(lo, 0.9 * inst.minAngstrom), b = std::min(hi, 1.1 * inst.maxAngstrom);
    if (hi <= lo) return (lo >= 0.9 * inst.minAngstrom && lo <= 1.1 * inst.maxAngstrom) ? 1.0 : 0.0;
    return std::max(0.0, b - a) / (hi - lo);
}

bool agreesWith(double lo, double hi, const OtherAxis& o)
{
    const double tol = 1e-4 * std::max(std::abs(o.hi), std::abs(o.lo));
    return std::abs(lo - o.lo) <= tol && std::abs(hi - o.hi) <= tol;
}

// Why a reading of [lo, hi] Angstrom is not consistent with the evidence; empty when it is.
std::string contradiction(double lo, double hi, const AxisEvidence& ev)
{
    if (!plausible(lo, hi))
        return "which is outside the plausible range of a stellar spectrum (" +
               rangeText(kPlausibleMinAngstrom, kPlausibleMaxAngstrom) + ")";
    if (ev.instrument && insideInstrument(lo, hi, *ev.instrument) < 0.5)
        return "which is outside what " + ev.instrument->name + " records (" +
               rangeText(ev.instrument->minAngstrom, ev.instrument->maxAngstrom) + ")";
    for (const auto& o : ev.others)
        if (!agreesWith(lo, hi, o)) return "while " + o.what + " gives " + rangeText(o.lo, o.hi);
    return {};
}

// The unit the range of unlabelled values suggests.
Candidate unitFromRange(double lo, double hi)
{
    if (lo >= 250.0 && hi <= 2600.0) return {10.0, "nm"};
    if (lo >= 0.25 && hi <= 6.0) return {1e4, "um"};
    if (lo >= 1e-8 && hi <= 1e-4) return {1e10, "m"};
    return {1.0, "Angstrom"};
}

// True when [lo, hi] Angstrom is plausible and fits the instrument, so that only the other axes object.
bool onlyOthersObject(double lo, double hi, const AxisEvidence& ev)
{
    return plausible(lo, hi) && !(ev.instrument && insideInstrument(lo, hi, *ev.instrument) < 0.5);
}

// Another axis that, read in another unit, would agree with [lo, hi]; nullptr when none.
const OtherAxis* otherThatCouldYield(double lo, double hi, const AxisEvidence& ev)
{
    for (const auto& o : ev.others) {
        if (agreesWith(lo, hi, o)) continue;
        for (const auto& c : kAlternatives) {
            OtherAxis reread = o;
            reread.lo = o.rawLo * c.factor;
            reread.hi = o.rawHi * c.factor;
            if (agreesWith(lo, hi, reread)) return &o;
        }
    }
    return nullptr;
}

std::string statementsText(const std::vector<UnitStatement>& stated)
{
    std::string out;
    for (const auto& s : stated) out += (out.empty() ? "" : " and ") + s.source;
    return out;
}

}  // namespace

std::string unitName(double f)
{
    static const std::map<double, const char*> names = {{1.0, "Angstrom"}, {10.0, "nm"}, {1e4, "um"}, {1e7, "mm"},
                                                        {1e8, "cm"},       {1e10, "m"},  {0.01, "pm"}};
    for (const auto& [factor, name] : names)
        if (std::abs(f / factor - 1.0) < 1e-9) return name;
    return formatNumber(f) + " Angstrom";
}

UnitDecision decideWavelengthUnit(const std::vector<UnitStatement>& stated, double lo, double hi,
                                  const AxisEvidence& ev, const std::string& what, const std::string& file, int hdu)
{
    if (lo > hi) std::swap(lo, hi);
    UnitDecision d;
    if (!ev.overrideUnit.empty()) {
        const auto factor = angstromsPerUnit(ev.overrideUnit);
        if (!factor)
            throw UsageError("--wave-unit '" + ev.overrideUnit + "' is not a wavelength unit (Angstrom, nm, um, m)",
                             file);
        d.angstromsPerUnit = *factor;
        d.unit = unitName(*factor);
        d.source = "option --wave-unit " + ev.overrideUnit;
        if (const std::string why = contradiction(lo * *factor, hi * *factor, ev); !why.empty())
            d.warnings.push_back("--wave-unit " + ev.overrideUnit + " gives " + rangeText(lo * *factor, hi * *factor) +
                                 ", " + why);
        return d;
    }
    for (const auto& s : stated)
        if (!(s.angstromsPerUnit > 0))
            throw Error(what + ": " + s.source + " is not a wavelength unit (expected Angstrom, nm, um, ...); use " +
                            "--wave-unit to state the unit",
                        file, hdu);

    std::set<double> statedFactors;
    for (const auto& s : stated) statedFactors.insert(s.angstromsPerUnit);
    auto consistent = [&](double f) { return contradiction(lo * f, hi * f, ev).empty(); };

    if (!stated.empty()) {
        std::vector<const UnitStatement*> good;
        for (const auto& s : stated)
            if (consistent(s.angstromsPerUnit)) good.push_back(&s);
        std::set<double> goodFactors;
        for (const auto* s : good) goodFactors.insert(s->angstromsPerUnit);
        if (goodFactors.size() == 1) {
            const UnitStatement& s = *good.front();
            d.angstromsPerUnit = s.angstromsPerUnit;
            d.unit = unitName(s.angstromsPerUnit);
            d.source = s.source;
            if (statedFactors.size() > 1)
                for (const auto& other : stated)
                    if (other.angstromsPerUnit != s.angstromsPerUnit)
                        d.warnings.push_back(
                            other.source + " contradicts " + s.source + " (it would give " +
                            rangeText(lo * other.angstromsPerUnit, hi * other.angstromsPerUnit) + ", " +
                            contradiction(lo * other.angstromsPerUnit, hi * other.angstromsPerUnit, ev) + "); " +
                            s.unit + " was used");
            return d;
        }
        if (goodFactors.size() > 1)
            throw Error(what + ": " + statementsText(stated) + " contradict each other and both fit the data (" +
                            rangeText(lo * *goodFactors.begin(), hi * *goodFactors.begin()) + " or " +
                            rangeText(lo * *goodFactors.rbegin(), hi * *goodFactors.rbegin()) +
                            "); use --wave-unit to say which unit the file uses",
                        file, hdu);
        // No statement fits: look for the one unit that does.
        std::vector<Candidate> fits;
        for (const auto& c : kAlternatives)
            if (!statedFactors.count(c.factor) && consistent(c.factor)) fits.push_back(c);
        const UnitStatement& first = stated.front();
        const double f0 = first.angstromsPerUnit;
        const std::string problem =
            first.source + " gives " + rangeText(lo * f0, hi * f0) + ", " + contradiction(lo * f0, hi * f0, ev);
        if (fits.size() == 1 && onlyOthersObject(lo * f0, hi * f0, ev)) {
            if (const OtherAxis* o = otherThatCouldYield(lo * f0, hi * f0, ev))
                throw Error(what + ": " + problem + "; either unit statement could be the wrong one (" + o->what +
                                " would agree in another unit). Use --wave-unit to say which unit the file uses",
                            file, hdu);
        }
        if (fits.size() == 1) {
            d.angstromsPerUnit = fits.front().factor;
            d.unit = fits.front().name;
            d.source = "inferred: " + first.source + " contradicts the evidence";
            d.warnings.push_back(what + ": " + problem + "; the values were read as " + d.unit + " (" +
                                 rangeText(lo * d.angstromsPerUnit, hi * d.angstromsPerUnit) +
                                 ") because no other unit fits");
            return d;
        }
        throw Error(what + ": " + problem +
                        (fits.empty() ? "; no other unit fits either" : "; several units would fit") +
                        ". Use --wave-unit to say which unit the file uses",
                    file, hdu);
    }

    // Nothing stated: the range decides.
    const Candidate guess = unitFromRange(lo, hi);
    if (consistent(guess.factor)) {
        d.angstromsPerUnit = guess.factor;
        d.unit = guess.name;
        if (guess.factor == 1.0) {
            d.source = "default (no unit stated)";
        } else {
            d.source = "inferred from the range (no unit stated)";
            d.warnings.push_back(what + " states no unit: its values " + formatNumber(lo) + "-" + formatNumber(hi) +
                                 " were read as " + d.unit + " (" + rangeText(lo * guess.factor, hi * guess.factor) +
                                 ") from their range; use --wave-unit if that is wrong");
        }
        return d;
    }
    std::vector<Candidate> fits;
    for (const auto& c : kAlternatives)
        if (c.factor != guess.factor && consistent(c.factor)) fits.push_back(c);
    if (onlyOthersObject(lo * guess.factor, hi * guess.factor, ev))
        if (const OtherAxis* o = otherThatCouldYield(lo * guess.factor, hi * guess.factor, ev))
            throw Error(what + " states no unit and disagrees with " + o->what +
                            ", which would agree in another unit: the evidence is ambiguous. Use --wave-unit to say "
                            "which unit the file uses",
                        file, hdu);
    if (fits.size() == 1) {
        d.angstromsPerUnit = fits.front().factor;
        d.unit = fits.front().name;
        d.source = "inferred from the evidence (no unit stated)";
        d.warnings.push_back(what + " states no unit; as " + std::string(guess.name) + " its values would give " +
                             rangeText(lo * guess.factor, hi * guess.factor) + ", " +
                             contradiction(lo * guess.factor, hi * guess.factor, ev) + "; they were read as " + d.unit);
        return d;
    }
    throw Error(what + " states no unit and its values " + formatNumber(lo) + "-" + formatNumber(hi) +
                    " fit no wavelength unit unambiguously (as " + guess.name + ": " +
                    rangeText(lo * guess.factor, hi * guess.factor) + ", " +
                    contradiction(lo * guess.factor, hi * guess.factor, ev) +
                    "). Use --wave-unit to say which unit the file uses",
                file, hdu);
}

std::vector<double> SpectralWcs::values(std::size_t n) const
{
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double x = delta * (static_cast<double>(i + 1) - crpix);
        switch (scale) {
            case Scale::Linear:
                out[i] = crval + x;
                break;
            case Scale::Log10:
                out[i] = std::pow(10.0, crval + x);
                break;
            case Scale::Ln:
                out[i] = std::exp(crval + x);
                break;
            case Scale::FitsLog:
                out[i] = crval * std::exp(x / crval);
                break;
        }
    }
    return out;
}

bool hasSpectralWcs(FitsFile& file)
{
    return file.hasKey("CRVAL1");
}

std::optional<UnitStatement> watUnitStatement(FitsFile& file)
{
    std::string wat;
    for (int k = 1; k <= 9; ++k) {
        const auto piece = file.keyString("WAT1_00" + std::to_string(k));
        if (!piece) break;
        wat += *piece;
    }
    const std::string lower = toLower(wat);
    const auto pos = lower.find("units=");
    if (pos == std::string::npos) return std::nullopt;
    std::size_t end = pos + 6;
    while (end < wat.size() && !std::isspace(static_cast<unsigned char>(wat[end]))) ++end;
    const std::string unit = wat.substr(pos + 6, end - pos - 6);
    return UnitStatement{angstromsPerUnit(unit).value_or(0.0), unit, "keyword WAT1_001 units=" + unit};
}

std::optional<std::pair<Medium, std::string>> statedMedium(FitsFile& file)
{
    if (const auto vacuum = keyFlag(file, "VACUUM"))
        return std::make_pair(*vacuum ? Medium::Vacuum : Medium::Air,
                              std::string("keyword VACUUM = ") + (*vacuum ? "T" : "F"));
    for (const char* key : {"MEDIUM", "AIRORVAC", "WAVEMED", "VACUUM", "SPECSYS_M"}) {
        const std::string v = trim(file.keyString(key).value_or(""));
        if (startsWithI(v, "air")) return std::make_pair(Medium::Air, "keyword " + std::string(key) + " = '" + v + "'");
        if (startsWithI(v, "vac"))
            return std::make_pair(Medium::Vacuum, "keyword " + std::string(key) + " = '" + v + "'");
    }
    return std::nullopt;
}

MediumDecision decideMedium(const std::optional<std::pair<Medium, std::string>>& stated,
                            const std::optional<InstrumentInfo>& instrument,
                            const std::optional<std::pair<Medium, std::string>>& convention)
{
    MediumDecision d;
    if (stated && stated->first != Medium::Unknown) {
        d.medium = stated->first;
        d.source = stated->second;
        if (instrument && instrument->medium && *instrument->medium != d.medium)
            d.warnings.push_back(stated->second + " says " + std::string(toString(d.medium)) + " while " +
                                 instrument->mediumNote + "; the keyword was followed");
        return d;
    }
    if (instrument && instrument->medium) {
        d.medium = *instrument->medium;
        d.source = "instrument " + instrument->name + " (" + instrument->mediumNote + ")";
        return d;
    }
    if (convention) {
        d.medium = convention->first;
        d.source = convention->second;
        return d;
    }
    d.source = "not stated";
    return d;
}

std::optional<InstrumentInfo> instrumentOf(FitsFile& file)
{
    const int here = file.currentHdu();
    auto lookup = [&]() {
        return findInstrument(file.keyString("INSTRUME").value_or(""), file.keyString("TELESCOP").value_or(""));
    };
    auto found = lookup();
    if (!found && here != 0) {
        file.moveTo(0);
        found = lookup();
        file.moveTo(here);
    }
    return found;
}

SpectralWcs readSpectralWcs(FitsFile& file)
{
    SpectralWcs w;
    const std::string written = trim(file.keyString("CTYPE1").value_or(""));
    w.ctype = toUpper(written);
    const AxisKeywords axis = readAxisKeywords(file);
    requireAxisSolution(file, axis);
    w.crval = *axis.crval;
    w.delta = *axis.delta;
    w.deltaKey = axis.deltaKey;
    if (axis.crpix) {
        w.crpix = *axis.crpix;
    } else {
        w.crpix = 0.0;
        w.warnings.push_back(
            "CRPIX1 is missing: following the FITS standard and IRAF, CRVAL1 is taken as the "
            "wavelength of pixel 0, so the first pixel lies one " +
            axis.deltaKey + " above it (files that meant CRVAL1 for the first pixel are one pixel off)");
    }

    std::string base = w.ctype;
    bool logSuffix = false;
    if (base.size() > 4 && base.compare(base.size() - 4, 4, "-LOG") == 0) {
        logSuffix = true;
        base = base.substr(0, base.size() - 4);
    }
    static const std::set<std::string> kWavelengthTypes = {"",         "LINEAR",   "WAVE",       "AWAV",
                                                           "WAVELEN",  "LAMBDA",   "WAVELENGTH", "WAVE-WAV",
                                                           "AWAV-AWA", "AWAV-LIN", "WAVE-LIN",   "SPECTRAL"};
    static const std::set<std::string> kLog10Types = {"LOG-LINEAR", "LOGLAM", "LOG-LAM", "LOG10", "LOGLAMBDA"};
    static const std::set<std::string> kNotWavelength = {"PIXEL",    "PIXELS",   "FREQ",    "ENER", "WAVN",
                                                         "VRAD",     "VOPT",     "ZOPT",    "VELO", "BETA",
                                                         "VELOCITY", "AWAV-TAB", "WAVE-TAB"};
    bool unitAsType = false;
    if (kNotWavelength.count(base) || kNotWavelength.count(w.ctype)) {
        if (base == "PIXEL" || base == "PIXELS")
            file.fail("CTYPE1 = '" + written + "': the axis is in pixels, the spectrum is not wavelength calibrated");
        file.fail("CTYPE1 = '" + written +
                  "' is not a wavelength axis (frequency, energy, velocity or a lookup table are not supported)");
    }
    if (kLog10Types.count(w.ctype)) {
        w.scale = SpectralWcs::Scale::Log10;
    } else if (!kWavelengthTypes.count(base)) {
        if (angstromsPerUnit(written)) {
            unitAsType = true;  // CTYPE1 = 'ANGSTROM': a unit where the axis type belongs
        } else {
            file.fail("CTYPE1 = '" + written +
                      "' is not a supported wavelength axis (expected WAVE, AWAV, their -LOG forms, LINEAR, "
                      "LAMBDA, WAVELENGTH or a unit such as ANGSTROM)");
        }
    }

    const auto dcFlag = file.keyInt("DC-FLAG");
    if (dcFlag && *dcFlag == -1)
        file.fail("no wavelength solution (DC-FLAG = -1): the spectrum is not dispersion corrected");
    if (dcFlag && *dcFlag != 0 && *dcFlag != 1)
        file.fail("DC-FLAG = " + std::to_string(*dcFlag) + " is not supported (0 linear, 1 log-linear)");
    if (logSuffix) {
        w.scale = w.crval < 10.0 ? SpectralWcs::Scale::Ln : SpectralWcs::Scale::FitsLog;
        if (w.scale == SpectralWcs::Scale::FitsLog && w.crval <= 0)
            file.fail("CTYPE1 '" + written + "' needs a positive CRVAL1");
    } else if (dcFlag && *dcFlag == 1) {
        if (w.crval > 8.0) {
            w.warnings.push_back("DC-FLAG = 1 says log10(wavelength), but CRVAL1 = " + formatNumber(w.crval) +
                                 " cannot be one (10^" + formatNumber(w.crval) + " A); the axis was read as linear");
        } else {
            w.scale = SpectralWcs::Scale::Log10;
        }
    }

    w.standardMetres = (base == "WAVE" || base == "AWAV") && !file.hasKey("CUNIT1");
    if (const auto cunit = file.keyString("CUNIT1"); cunit && !trim(*cunit).empty())
        w.units.push_back(
            {angstromsPerUnit(*cunit).value_or(0.0), trim(*cunit), "keyword CUNIT1 = '" + trim(*cunit) + "'"});
    if (auto wat = watUnitStatement(file)) w.units.push_back(*wat);
    if (unitAsType)
        w.units.push_back(
            {*angstromsPerUnit(written), written, "keyword CTYPE1 = '" + written + "' (a unit as axis type)"});

    if (base == "WAVE") {
        w.medium = Medium::Vacuum;
        w.mediumSource = "keyword CTYPE1 = '" + written + "'";
    } else if (base == "AWAV" || base.rfind("AWAV-", 0) == 0) {
        w.medium = Medium::Air;
        w.mediumSource = "keyword CTYPE1 = '" + written + "'";
    } else if (const auto m = statedMedium(file)) {
        w.medium = m->first;
        w.mediumSource = m->second;
    }
    return w;
}

DecidedAxis decideImageAxis(FitsFile& file, std::size_t n, const AxisEvidence& evidence, const std::string& what)
{
    DecidedAxis a;
    a.wcs = readSpectralWcs(file);
    auto raw = a.wcs.values(n);
    const auto [lo, hi] = std::minmax_element(raw.begin(), raw.end());
    if (!std::isfinite(*lo) || !std::isfinite(*hi))
        file.fail("the wavelength solution gives non-finite wavelengths (" + what + ")");
    a.unit = decideWavelengthUnit(a.wcs.units, *lo, *hi, evidence, what, file.path(), file.currentHdu());
    if (a.wcs.standardMetres && a.unit.angstromsPerUnit != 1e10 && a.wcs.units.empty() && evidence.overrideUnit.empty())
        a.unit.warnings.push_back("CTYPE1 = '" + a.wcs.ctype +
                                  "' without CUNIT1 means metres by the FITS standard (astropy and specutils read " +
                                  formatNumber(*lo * 1e10) + "-" + formatNumber(*hi * 1e10) +
                                  " A), which is no spectrum; the values were read as " + a.unit.unit);
    a.wavelength = std::move(raw);
    scaleInPlace(a.wavelength, a.unit.angstromsPerUnit);
    return a;
}

std::string hduLabel(FitsFile& file, int hdu)
{
    const int here = file.currentHdu();
    file.moveTo(hdu);
    const std::string name = trim(file.extensionName());
    file.moveTo(here);
    if (hdu == 0) return "the primary HDU";
    return "HDU " + std::to_string(hdu) + (name.empty() ? "" : " (" + name + ")");
}

std::vector<OtherAxis> otherImageAxes(FitsFile& file, std::size_t n, int except,
                                      const std::optional<InstrumentInfo>& instrument)
{
    std::vector<OtherAxis> out;
    const int here = file.currentHdu();
    const int count = file.hduCount();
    AxisEvidence ev;
    ev.instrument = instrument;
    for (int h = 0; h < count; ++h) {
        if (h == except) continue;
        file.moveTo(h);
        if (file.hduType() != FitsFile::HduType::Image) continue;
        if (oneDimensionalLength(file.imageShape()) != static_cast<long>(n) || !hasSpectralWcs(file)) continue;
        try {
            const SpectralWcs w = readSpectralWcs(file);
            const auto raw = w.values(n);
            const auto [lo, hi] = std::minmax_element(raw.begin(), raw.end());
            const UnitDecision u = decideWavelengthUnit(w.units, *lo, *hi, ev, "", file.path(), h);
            out.push_back({hduLabel(file, h), *lo * u.angstromsPerUnit, *hi * u.angstromsPerUnit, *lo, *hi});
        } catch (const Error&) {
            // An unusable axis elsewhere is no evidence.
        }
    }
    file.moveTo(here);
    return out;
}

}  // namespace remap::io
