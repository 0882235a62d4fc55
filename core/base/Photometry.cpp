#include "base/Photometry.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace remap {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

bool plausible(PhotometryEntry entry, double v)
{
    if (!std::isfinite(v)) return false;
    switch (entry) {
        case kPhotBpRp:
            return v >= -1.0 && v <= 7.0;
        case kParallax:
            return std::abs(v) < 1000.0;
        case kParallaxError:
            return v > 0.0 && v < 1000.0;
        case kEbv:
            return v >= -0.1 && v <= 10.0;
        default:
            return v >= -2.0 && v <= 30.0;  // magnitudes; catches the 99.99 / -9999 "no value" markers
    }
}

std::string formatValue(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// A whole-string number, else none.
std::optional<double> parseNumber(const std::string& text)
{
    const std::string t = csv::trim(text);
    if (t.empty()) return std::nullopt;
    double v = 0.0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
    return v;
}

}  // namespace

std::optional<PhotometryEntry> photometryEntry(std::string_view name)
{
    const std::string lower = csv::toLower(std::string(name));
    for (std::size_t i = 0; i < kPhotometryCount; ++i)
        if (lower == kPhotometryNames[i]) return static_cast<PhotometryEntry>(i);
    return std::nullopt;
}

Photometry::Photometry()
{
    values.fill(kMissing);
}

bool Photometry::has(PhotometryEntry entry) const
{
    return std::isfinite(values[entry]);
}

bool Photometry::set(PhotometryEntry entry, double value, const std::string& source)
{
    if (!plausible(entry, value)) {
        warnings.push_back(std::string(kPhotometryNames[entry]) + " = " + formatValue(value) +
                           (source.empty() ? "" : " (from " + source + ")") + " is not plausible and was left out");
        return false;
    }
    values[entry] = value;
    return true;
}

std::size_t Photometry::count() const
{
    std::size_t n = 0;
    for (std::size_t i = 0; i < kPhotometryCount; ++i) n += has(static_cast<PhotometryEntry>(i)) ? 1 : 0;
    return n;
}

std::vector<std::string> Photometry::presentNames() const
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < kPhotometryCount; ++i)
        if (has(static_cast<PhotometryEntry>(i))) out.emplace_back(kPhotometryNames[i]);
    return out;
}

Photometry photometryFromRow(const csv::Table& table, const csv::Table::Row& row)
{
    Photometry out;
    auto cell = [&](const char* name) {
        const auto col = table.column(name);
        return col ? csv::number(table, row, *col) : kMissing;
    };
    const std::string where = "column ";
    for (std::size_t i = 0; i < kPhotometryCount; ++i) {
        const std::string name(kPhotometryNames[i]);
        const double v = cell(name.c_str());
        if (!std::isnan(v)) out.set(static_cast<PhotometryEntry>(i), v, where + name);
    }
    if (!out.has(kPhotBpRp)) {
        const double bp = cell("phot_bp_mean_mag"), rp = cell("phot_rp_mean_mag");
        if (!std::isnan(bp) && !std::isnan(rp))
            out.set(kPhotBpRp, bp - rp, "columns phot_bp_mean_mag - phot_rp_mean_mag");
    }
    if (!out.has(kEbv)) {
        const double e = cell("ebpminrp_gspphot");
        if (!std::isnan(e)) out.set(kEbv, e / kEbpminrpPerEbv, "column ebpminrp_gspphot / 1.339");
    }
    return out;
}

Photometry photometryFromMetadata(const std::map<std::string, std::string>& metadata)
{
    // Header keywords per entry, upper case, first found wins: the ecosystem's names, then archive keywords.
    struct Alias {
        PhotometryEntry entry;
        std::vector<std::string> keys;
    };
    static const std::vector<Alias> aliases{
        {kPhotG, {"PHOT_G_MEAN_MAG", "GAIA_G", "GAIAG", "G_MAG", "GMAG", "PHOT_G"}},
        {kPhotBpRp, {"BP_RP", "GAIA_BP_RP", "BPRP"}},
        {kParallax, {"PARALLAX", "GAIA_PARALLAX", "PLX", "GAIA_PLX"}},
        {kParallaxError, {"PARALLAX_ERROR", "GAIA_PARALLAX_ERROR", "PARALLAX_ERR", "PLX_ERR", "E_PLX"}},
        {kTwoMassJ, {"J_M", "J", "JMAG", "TMASS_J", "2MASS_J"}},
        {kTwoMassH, {"H_M", "H", "HMAG", "TMASS_H", "2MASS_H"}},
        {kTwoMassKs, {"KS_M", "K", "KS", "KMAG", "KSMAG", "TMASS_K", "TMASS_KS", "2MASS_K", "2MASS_KS"}},
        {kEbv, {"EBV", "E_BV", "E(B-V)", "SFD_EBV"}},
    };
    std::map<std::string, std::pair<std::string, std::string>> upper;  // KEY -> (key as given, value)
    for (const auto& [key, value] : metadata) {
        std::string k = key;
        for (char& c : k) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        upper.emplace(k, std::make_pair(key, value));
    }
    Photometry out;
    auto take = [&](PhotometryEntry entry, const std::string& key, double scale = 1.0) {
        const auto it = upper.find(key);
        if (it == upper.end()) return false;
        const auto v = parseNumber(it->second.second);
        const std::string source = "keyword " + it->second.first;
        if (!v) {
            out.warnings.push_back(source + " = '" + it->second.second + "' is not a number and was left out");
            return true;  // found: do not fall back to another keyword silently
        }
        out.set(entry, *v * scale, source);
        return true;
    };
    for (const auto& a : aliases)
        for (const auto& key : a.keys)
            if (take(a.entry, key)) break;
    if (!out.has(kPhotBpRp)) {
        const auto bp =
            upper.find("PHOT_BP_MEAN_MAG") != upper.end() ? upper.find("PHOT_BP_MEAN_MAG") : upper.find("GAIA_BP");
        const auto rp =
            upper.find("PHOT_RP_MEAN_MAG") != upper.end() ? upper.find("PHOT_RP_MEAN_MAG") : upper.find("GAIA_RP");
        if (bp != upper.end() && rp != upper.end()) {
            const auto b = parseNumber(bp->second.second), r = parseNumber(rp->second.second);
            if (b && r) out.set(kPhotBpRp, *b - *r, "keywords " + bp->second.first + " - " + rp->second.first);
        }
    }
    if (!out.has(kEbv)) take(kEbv, "EBPMINRP_GSPPHOT", 1.0 / kEbpminrpPerEbv);
    return out;
}

}  // namespace remap
