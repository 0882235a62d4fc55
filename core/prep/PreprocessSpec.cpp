#include "PreprocessSpec.h"

#include "base/Error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <string>

namespace remap {

std::string_view toString(GridSpacing spacing)
{
    return spacing == GridSpacing::Linear ? "linear" : "log";
}

GridSpacing parseGridSpacing(std::string_view text)
{
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "log" || lower == "log-uniform" || lower == "loglinear") return GridSpacing::Log;
    if (lower == "linear") return GridSpacing::Linear;
    throw Error("unknown grid spacing '" + std::string(text) + "' (expected log or linear)");
}

void PreprocessSpec::validate() const
{
    auto bad = [](const std::string& what) { throw Error("invalid preprocessing spec: " + what); };
    if (version != kCurrentVersion)
        bad("version " + std::to_string(version) + " is not supported (this build reads version " +
            std::to_string(kCurrentVersion) + ")");
    if (!(waveMin > 0) || !std::isfinite(waveMin) || !std::isfinite(waveMax))
        bad("the grid's wavelengths must be positive numbers");
    if (!(waveMax > waveMin)) bad("the grid's wave_max must be larger than wave_min");
    if (nPixels < 16 || nPixels > 10'000'000) bad("the grid needs between 16 and 10000000 pixels");
    if (medium == Medium::Unknown) bad("the grid's medium must be air or vacuum");
    if (!(resolvingPower >= 100 && resolvingPower <= 1e7)) bad("the resolving power must lie between 100 and 10000000");
    if (!(rvMinKms < rvMaxKms) || !std::isfinite(rvMinKms) || !std::isfinite(rvMaxKms) || std::abs(rvMinKms) > 10000 ||
        std::abs(rvMaxKms) > 10000)
        bad("the radial-velocity search range must satisfy min < max within +-10000 km/s");
    if (!std::isfinite(maskedValue)) bad("the masked value must be a finite number");
    if (!(snrWarnBelow >= 0) || !std::isfinite(snrWarnBelow)) bad("the S/N warning floor must be >= 0");
    try {
        continuum.validate();
    } catch (const Error& e) {
        bad(e.problem());
    }
}

std::vector<double> PreprocessSpec::grid() const
{
    validate();
    std::vector<double> g(nPixels);
    const double last = static_cast<double>(nPixels - 1);
    for (std::size_t i = 0; i < nPixels; ++i) {
        const double f = static_cast<double>(i) / last;
        g[i] = spacing == GridSpacing::Log ? waveMin * std::exp(f * std::log(waveMax / waveMin))
                                           : waveMin + f * (waveMax - waveMin);
    }
    g.front() = waveMin;
    g.back() = waveMax;
    return g;
}

nlohmann::json PreprocessSpec::toJson() const
{
    using nlohmann::json;
    return json{{"version", version},
                {"grid",
                 {{"wave_min", waveMin},
                  {"wave_max", waveMax},
                  {"npix", nPixels},
                  {"spacing", std::string(toString(spacing))},
                  {"medium", std::string(remap::toString(medium))}}},
                {"resolving_power", resolvingPower},
                {"rv", {{"correct", correctRv}, {"min_kms", rvMinKms}, {"max_kms", rvMaxKms}}},
                {"continuum",
                 {{"method", std::string(toString(continuum.method))},
                  {"knot_spacing", continuum.knotSpacing},
                  {"legendre_order", continuum.legendreOrder},
                  {"lower_sigma", continuum.lowerSigma},
                  {"upper_sigma", continuum.upperSigma},
                  {"iterations", continuum.iterations},
                  {"min_relative_scale", continuum.minRelativeScale}}},
                {"masked_value", maskedValue},
                {"snr_warn_below", snrWarnBelow}};
}

namespace {

using nlohmann::json;

std::string describeType(const json& j)
{
    if (j.is_null()) return "null";
    if (j.is_boolean()) return "a boolean";
    if (j.is_number()) return "a number";
    if (j.is_string()) return "a string";
    if (j.is_array()) return "an array";
    return "an object";
}

[[noreturn]] void fail(const std::string& what)
{
    throw Error("invalid preprocessing spec: " + what);
}

// An object whose keys must be exactly `keys`.
const json& object(const json& parent, const std::string& key, const std::string& path,
                   const std::set<std::string>& keys)
{
    const json* j = &parent;
    if (!key.empty()) {
        if (!parent.contains(key)) fail("missing field '" + path + "'");
        j = &parent.at(key);
    }
    if (!j->is_object())
        fail("'" + (path.empty() ? std::string("the document") : path) + "' must be an object, not " +
             describeType(*j));
    for (const auto& [k, v] : j->items())
        if (!keys.count(k)) fail("unknown field '" + (path.empty() ? k : path + "." + k) + "'");
    for (const std::string& k : keys)
        if (!j->contains(k)) fail("missing field '" + (path.empty() ? k : path + "." + k) + "'");
    return *j;
}

double number(const json& parent, const std::string& key, const std::string& path)
{
    const json& j = parent.at(key);
    if (!j.is_number()) fail("'" + path + "' must be a number, not " + describeType(j));
    return j.get<double>();
}

long long integer(const json& parent, const std::string& key, const std::string& path)
{
    const json& j = parent.at(key);
    if (j.is_number_integer() || j.is_number_unsigned()) return j.get<long long>();
    if (j.is_number_float() && std::floor(j.get<double>()) == j.get<double>() && std::abs(j.get<double>()) < 9e15)
        return static_cast<long long>(j.get<double>());
    fail("'" + path + "' must be an integer, not " + (j.is_number() ? std::string("a fraction") : describeType(j)));
}

std::string string(const json& parent, const std::string& key, const std::string& path)
{
    const json& j = parent.at(key);
    if (!j.is_string()) fail("'" + path + "' must be a string, not " + describeType(j));
    return j.get<std::string>();
}

bool boolean(const json& parent, const std::string& key, const std::string& path)
{
    const json& j = parent.at(key);
    if (!j.is_boolean()) fail("'" + path + "' must be true or false, not " + describeType(j));
    return j.get<bool>();
}

template <typename F>
auto parsed(const std::string& path, F&& f) -> decltype(f())
{
    try {
        return f();
    } catch (const Error& e) {
        fail("'" + path + "': " + e.problem());
    }
}

}  // namespace

PreprocessSpec PreprocessSpec::fromJson(const json& doc)
{
    if (!doc.is_object()) fail("the document must be a JSON object, not " + describeType(doc));
    if (!doc.contains("version")) fail("missing field 'version'");
    PreprocessSpec s;
    const long long version = integer(doc, "version", "version");
    if (version != kCurrentVersion)
        fail("version " + std::to_string(version) + " is not supported (this build reads version " +
             std::to_string(kCurrentVersion) + ")");
    s.version = static_cast<int>(version);
    object(doc, "", "", {"version", "grid", "resolving_power", "rv", "continuum", "masked_value", "snr_warn_below"});

    const json& g = object(doc, "grid", "grid", {"wave_min", "wave_max", "npix", "spacing", "medium"});
    s.waveMin = number(g, "wave_min", "grid.wave_min");
    s.waveMax = number(g, "wave_max", "grid.wave_max");
    const long long npix = integer(g, "npix", "grid.npix");
    if (npix < 16 || npix > 10'000'000)
        fail("'grid.npix' must lie between 16 and 10000000, got " + std::to_string(npix));
    s.nPixels = static_cast<std::size_t>(npix);
    const std::string spacing = string(g, "spacing", "grid.spacing");
    s.spacing = parsed("grid.spacing", [&] { return parseGridSpacing(spacing); });
    const std::string medium = string(g, "medium", "grid.medium");
    s.medium = parsed("grid.medium", [&] { return parseMedium(medium); });

    s.resolvingPower = number(doc, "resolving_power", "resolving_power");
    const json& rv = object(doc, "rv", "rv", {"correct", "min_kms", "max_kms"});
    s.correctRv = boolean(rv, "correct", "rv.correct");
    s.rvMinKms = number(rv, "min_kms", "rv.min_kms");
    s.rvMaxKms = number(rv, "max_kms", "rv.max_kms");

    const json& c = object(
        doc, "continuum", "continuum",
        {"method", "knot_spacing", "legendre_order", "lower_sigma", "upper_sigma", "iterations", "min_relative_scale"});
    const std::string method = string(c, "method", "continuum.method");
    s.continuum.method = parsed("continuum.method", [&] { return parseContinuumMethod(method); });
    s.continuum.knotSpacing = number(c, "knot_spacing", "continuum.knot_spacing");
    const long long order = integer(c, "legendre_order", "continuum.legendre_order");
    const long long iterations = integer(c, "iterations", "continuum.iterations");
    if (order < 0 || order > 50) fail("'continuum.legendre_order' must lie between 0 and 50");
    if (iterations < 1 || iterations > 1000) fail("'continuum.iterations' must lie between 1 and 1000");
    s.continuum.legendreOrder = static_cast<int>(order);
    s.continuum.iterations = static_cast<int>(iterations);
    s.continuum.lowerSigma = number(c, "lower_sigma", "continuum.lower_sigma");
    s.continuum.upperSigma = number(c, "upper_sigma", "continuum.upper_sigma");
    s.continuum.minRelativeScale = number(c, "min_relative_scale", "continuum.min_relative_scale");

    s.maskedValue = number(doc, "masked_value", "masked_value");
    s.snrWarnBelow = number(doc, "snr_warn_below", "snr_warn_below");
    s.validate();
    return s;
}

std::vector<double> marvelsGrid()
{
    return PreprocessSpec{}.grid();
}

}  // namespace remap
