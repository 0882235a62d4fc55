#include "io/ReaderSupport.h"

#include "base/Error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

namespace remap::io {

std::string toLower(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string toUpper(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

std::string trim(std::string_view text)
{
    std::size_t begin = 0, end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    return std::string(text.substr(begin, end - begin));
}

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && toLower(a) == toLower(b);
}

bool startsWithI(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool containsI(std::string_view text, std::string_view needle)
{
    return toLower(text).find(toLower(needle)) != std::string::npos;
}

std::string validUtf8(const std::string& text)
{
    bool valid = true;
    for (std::size_t i = 0; i < text.size() && valid;) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > text.size()) {
            valid = false;
            break;
        }
        for (std::size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) valid = false;
        i += len;
    }
    if (valid) return text;
    std::string out;
    out.reserve(text.size() + 8);
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out += ch;
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

std::optional<double> angstromsPerUnit(std::string_view unit)
{
    std::string u = trim(toLower(unit));
    // Strip one level of brackets: "[nm]", "(Angstrom)".
    if (u.size() >= 2 && ((u.front() == '[' && u.back() == ']') || (u.front() == '(' && u.back() == ')')))
        u = trim(u.substr(1, u.size() - 2));
    if (u.empty()) return std::nullopt;
    static const std::pair<const char*, double> kUnits[] = {
        {"angstrom", 1.0},   {"angstroms", 1.0},   {"angstroem", 1.0},    {"aa", 1.0},          {"a", 1.0},
        {"ang", 1.0},        {"\xc3\x85", 1.0},    {"\xe2\x84\xab", 1.0}, {"0.1nm", 1.0},       {"0.1 nm", 1.0},
        {"1e-10m", 1.0},     {"1e-10 m", 1.0},     {"nm", 10.0},          {"nanometer", 10.0},  {"nanometers", 10.0},
        {"nanometre", 10.0}, {"nanometres", 10.0}, {"um", 1e4},           {"micron", 1e4},      {"microns", 1e4},
        {"micrometer", 1e4}, {"micrometers", 1e4}, {"micrometre", 1e4},   {"micrometres", 1e4}, {"\xc2\xb5m", 1e4},
        {"\xce\xbcm", 1e4},  {"mum", 1e4},         {"mm", 1e7},           {"millimeter", 1e7},  {"cm", 1e8},
        {"centimeter", 1e8}, {"m", 1e10},          {"meter", 1e10},       {"meters", 1e10},     {"metre", 1e10},
        {"metres", 1e10},    {"pm", 0.01},
    };
    for (const auto& [name, factor] : kUnits)
        if (u == name) return factor;
    return std::nullopt;
}

bool looksLikeFluxUnit(std::string_view unit)
{
    static const std::set<std::string> kTokens = {
        "erg",        "ergs",        "jy",      "mjy", "ujy",   "njy",    "w",      "watt",
        "watts",      "photon",      "photons", "ph",  "count", "counts", "ct",     "cts",
        "electron",   "electrons",   "adu",     "dn",  "flam",  "fnu",    "maggie", "maggies",
        "nanomaggie", "nanomaggies", "nmgy",    "j",   "e",     "lsun",   "flux"};
    std::string token;
    const std::string lower = toLower(unit);
    for (std::size_t i = 0; i <= lower.size(); ++i) {
        const char c = i < lower.size() ? lower[i] : ' ';
        if (std::isalpha(static_cast<unsigned char>(c))) {
            token += c;
        } else {
            if (!token.empty() && kTokens.count(token)) return true;
            token.clear();
        }
    }
    return false;
}

std::optional<bool> keyFlag(FitsFile& file, const std::string& key)
{
    const auto value = file.keyString(key);
    if (!value) return std::nullopt;
    const std::string v = toUpper(trim(*value));
    if (v == "T" || v == "TRUE" || v == "1" || v == "Y" || v == "YES") return true;
    if (v == "F" || v == "FALSE" || v == "0" || v == "N" || v == "NO") return false;
    return std::nullopt;
}

std::optional<Medium> mediumFromHeader(FitsFile& file)
{
    if (const auto vacuum = keyFlag(file, "VACUUM")) return *vacuum ? Medium::Vacuum : Medium::Air;
    for (const char* key : {"MEDIUM", "AIRORVAC", "WAVEMED", "VACUUM"}) {
        const std::string v = toLower(trim(file.keyString(key).value_or("")));
        if (startsWithI(v, "air")) return Medium::Air;
        if (startsWithI(v, "vac")) return Medium::Vacuum;
    }
    return std::nullopt;
}

AxisKeywords readAxisKeywords(FitsFile& file)
{
    AxisKeywords axis;
    axis.ctype = toUpper(trim(file.keyString("CTYPE1").value_or("")));
    axis.cunit = trim(file.keyString("CUNIT1").value_or(""));
    axis.crval = file.keyDouble("CRVAL1");
    axis.crpix = file.keyDouble("CRPIX1");
    if (const auto cd = file.keyDouble("CD1_1")) {
        axis.delta = cd;
        axis.deltaKey = "CD1_1";
    } else if (const auto cdelt = file.keyDouble("CDELT1")) {
        axis.delta = *cdelt * file.keyDouble("PC1_1").value_or(1.0);
        axis.deltaKey = "CDELT1";
    }
    return axis;
}

void requireAxisSolution(FitsFile& file, const AxisKeywords& axis)
{
    if (!axis.crval)
        file.fail("no wavelength solution: the header has no CRVAL1 keyword (and no other known wavelength source)");
    if (!std::isfinite(*axis.crval)) file.fail("no wavelength solution: CRVAL1 is not a finite number");
    if (!axis.delta) file.fail("no wavelength solution: the header has neither CDELT1 nor CD1_1 (the dispersion)");
    if (!std::isfinite(*axis.delta) || *axis.delta == 0.0)
        file.fail("zero or non-finite dispersion: " + axis.deltaKey + " = " + formatNumber(*axis.delta) +
                  ", so every pixel would have the same wavelength");
    if (axis.crpix && !std::isfinite(*axis.crpix)) file.fail("CRPIX1 is not a finite number");
}

std::vector<double> linearAxis(std::size_t n, double crval, double delta, double crpix)
{
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = crval + delta * (static_cast<double>(i + 1) - crpix);
    return out;
}

std::vector<double> log10Axis(std::size_t n, double crval, double delta, double crpix)
{
    auto out = linearAxis(n, crval, delta, crpix);
    for (auto& v : out) v = std::pow(10.0, v);
    return out;
}

std::vector<double> lnAxis(std::size_t n, double crval, double delta, double crpix)
{
    auto out = linearAxis(n, crval, delta, crpix);
    for (auto& v : out) v = std::exp(v);
    return out;
}

void scaleInPlace(std::vector<double>& values, double factor)
{
    if (factor == 1.0) return;
    for (auto& v : values) v *= factor;
}

void ivarFromSigma(const std::vector<double>& sigma, std::vector<double>& ivar, std::vector<std::uint8_t>& mask)
{
    ivar.assign(sigma.size(), 0.0);
    if (mask.size() != sigma.size()) mask.resize(sigma.size(), 0);
    for (std::size_t i = 0; i < sigma.size(); ++i) {
        const double s = sigma[i];
        if (std::isfinite(s) && s > 0) {
            ivar[i] = 1.0 / (s * s);
            if (!std::isfinite(ivar[i])) {
                ivar[i] = 0.0;
                mask[i] = 1;
            }
        } else {
            mask[i] = 1;
        }
    }
}

void ivarFromVariance(const std::vector<double>& variance, std::vector<double>& ivar, std::vector<std::uint8_t>& mask)
{
    ivar.assign(variance.size(), 0.0);
    if (mask.size() != variance.size()) mask.resize(variance.size(), 0);
    for (std::size_t i = 0; i < variance.size(); ++i) {
        const double v = variance[i];
        if (std::isfinite(v) && v > 0) {
            ivar[i] = 1.0 / v;
            if (!std::isfinite(ivar[i])) {
                ivar[i] = 0.0;
                mask[i] = 1;
            }
        } else {
            mask[i] = 1;
        }
    }
}

void ivarAsGiven(const std::vector<double>& values, std::vector<double>& ivar, std::vector<std::uint8_t>& mask)
{
    ivar = values;
    if (mask.size() != values.size()) mask.resize(values.size(), 0);
    for (std::size_t i = 0; i < ivar.size(); ++i)
        if (!(ivar[i] > 0) || !std::isfinite(ivar[i])) {
            ivar[i] = 0.0;
            mask[i] = 1;
        }
}

void ivarFromUncertainty(UncertaintyKind kind, const std::vector<double>& values, const std::vector<double>& flux,
                         std::vector<double>& ivar, std::vector<std::uint8_t>& mask)
{
    switch (kind) {
        case UncertaintyKind::Sigma:
            ivarFromSigma(values, ivar, mask);
            return;
        case UncertaintyKind::Variance:
            ivarFromVariance(values, ivar, mask);
            return;
        case UncertaintyKind::InverseVariance:
            ivarAsGiven(values, ivar, mask);
            return;
        case UncertaintyKind::Snr: {
            std::vector<double> sigma(values.size(), 0.0);
            for (std::size_t i = 0; i < values.size() && i < flux.size(); ++i)
                if (values[i] > 0) sigma[i] = std::abs(flux[i] / values[i]);
            ivarFromSigma(sigma, ivar, mask);
            return;
        }
    }
}

bool readIvarColumn(FitsFile& file, const std::string& name, std::size_t n, std::vector<double>& ivar,
                    std::vector<std::uint8_t>& mask)
{
    const auto col = file.findColumn(name);
    if (!col) return false;
    const auto values = readSpectrumColumn(file, *col, 0);
    requireLength(file, values.size(), n, "column '" + col->name + "'");
    ivarAsGiven(values, ivar, mask);
    return true;
}

void readMaskColumn(FitsFile& file, const std::string& maskName, std::size_t n, std::vector<std::uint8_t>& mask)
{
    const auto col = file.findColumn(maskName);
    if (!col) return;
    const auto values = readSpectrumColumn(file, *col, 0);
    requireLength(file, values.size(), n, "column '" + col->name + "'");
    orMaskNonZero(values, mask);
}

void orMaskNonZero(const std::vector<double>& values, std::vector<std::uint8_t>& mask)
{
    if (mask.size() != values.size()) mask.resize(values.size(), 0);
    for (std::size_t i = 0; i < values.size(); ++i)
        if (values[i] != 0.0) mask[i] = 1;  // NaN != 0 is true: a null mask value is bad
}

void requireSomeFinite(FitsFile& file, const std::vector<double>& flux)
{
    if (std::none_of(flux.begin(), flux.end(), [](double v) { return std::isfinite(v); }))
        file.fail("no usable pixel: all " + std::to_string(flux.size()) + " flux values are NaN or infinite");
}

void requireLength(FitsFile& file, std::size_t got, std::size_t expected, const std::string& what)
{
    if (got != expected)
        file.fail(what + " has " + std::to_string(got) + " pixels but the flux has " + std::to_string(expected));
}

Spectrum startSpectrum(FitsFile& file, int hdu)
{
    Spectrum s;
    s.provenance.file = file.path();
    s.provenance.hdu = hdu;
    return s;
}

void copyKeyToMetadata(FitsFile& file, const std::string& key, Spectrum& spectrum, const std::string& name)
{
    if (!file.hasKey(key)) return;
    if (const auto value = file.keyString(key); value && !value->empty()) spectrum.metadata[name] = *value;
}

std::string formatNumber(double value)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.10g", value);
    return buffer;
}

long oneDimensionalLength(const std::vector<long>& shape)
{
    if (shape.empty()) return 0;
    for (std::size_t i = 1; i < shape.size(); ++i)
        if (shape[i] != 1) return 0;
    return shape[0];
}

std::string describeShape(const std::vector<long>& shape)
{
    std::string out;
    for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? " x " : "") + std::to_string(shape[i]);
    return out.empty() ? "empty" : out;
}

std::vector<double> readSpectrumColumn(FitsFile& file, const FitsFile::Column& column, long row)
{
    const long rows = file.rowCount();
    if (rows <= 0) file.fail("the table has no rows");
    if (column.repeat == 1) return file.readColumn(column);
    if (rows == 1) return file.readColumn(column, 0);
    if (row < 0 || row >= rows)
        file.fail("row " + std::to_string(row) + " is outside the table (" + std::to_string(rows) + " rows)");
    return file.readColumn(column, row);
}

bool headerMentions(FitsFile& file, std::string_view word)
{
    for (const auto& record : file.records()) {
        if (startsWithI(record, "HISTORY") || startsWithI(record, "COMMENT"))
            if (containsI(record, word)) return true;
    }
    return false;
}

}  // namespace remap::io
