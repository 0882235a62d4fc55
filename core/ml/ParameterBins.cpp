#include "ParameterBins.h"

#include "JsonRead.h"
#include "base/Error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace remap {

std::string_view paramName(Param param)
{
    switch (param) {
        case Param::Teff:
            return "teff";
        case Param::Logg:
            return "logg";
        case Param::Feh:
            return "feh";
    }
    return "?";
}

std::string_view paramLabel(Param param)
{
    switch (param) {
        case Param::Teff:
            return "Teff [K]";
        case Param::Logg:
            return "log g [dex]";
        case Param::Feh:
            return "[Fe/H] [dex]";
    }
    return "?";
}

Param parseParam(std::string_view text)
{
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (Param p : kAllParams)
        if (lower == paramName(p)) return p;
    throw UsageError("unknown parameter '" + std::string(text) + "' (expected teff, logg or feh)");
}

std::vector<double> ParameterBins::centres() const
{
    std::vector<double> out(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) out[static_cast<std::size_t>(i)] = centre(i);
    return out;
}

int ParameterBins::indexOf(double value) const
{
    const double x = std::floor((value - min) / width());
    if (!(x >= 0.0)) return 0;  // also NaN
    return x >= count ? count - 1 : static_cast<int>(x);
}

std::vector<double> ParameterBins::target(double value, double sigmaBins) const
{
    std::vector<double> out(static_cast<std::size_t>(count), 0.0);
    if (!(sigmaBins > 0.0) || !std::isfinite(value)) {
        out[static_cast<std::size_t>(indexOf(value))] = 1.0;
        return out;
    }
    const double w = width();
    const double s = sigmaBins * w * std::sqrt(2.0);
    // Normal CDF up to a constant: 0.5 erf((x - value) / (sigma sqrt 2)); the edge bins take the tails.
    auto cdf = [&](double x) { return 0.5 * std::erf((x - value) / s); };
    double sum = 0.0;
    for (int i = 0; i < count; ++i) {
        const double lo = i == 0 ? -0.5 : cdf(min + i * w);
        const double hi = i == count - 1 ? 0.5 : cdf(min + (i + 1) * w);
        out[static_cast<std::size_t>(i)] = std::max(hi - lo, 0.0);
        sum += out[static_cast<std::size_t>(i)];
    }
    for (double& v : out) v /= sum;
    return out;
}

void ParameterBins::validate(std::string_view what) const
{
    if (!(std::isfinite(min) && std::isfinite(max) && max > min))
        throw Error("invalid bins for " + std::string(what) + ": max must be greater than min");
    if (count < 2) throw Error("invalid bins for " + std::string(what) + ": at least 2 bins are needed");
}

const ParameterBins& LabelBins::operator[](Param p) const
{
    return p == Param::Teff ? teff : p == Param::Logg ? logg : feh;
}

ParameterBins& LabelBins::operator[](Param p)
{
    return p == Param::Teff ? teff : p == Param::Logg ? logg : feh;
}

void LabelBins::validate() const
{
    for (Param p : kAllParams) (*this)[p].validate(paramName(p));
}

void to_json(nlohmann::json& j, const ParameterBins& b)
{
    j = nlohmann::json{{"min", b.min}, {"max", b.max}, {"count", b.count}};
}

void from_json(const nlohmann::json& j, ParameterBins& b)
{
    using ml_detail::requireKey;
    b.min = requireKey<double>(j, "min", "parameter bins");
    b.max = requireKey<double>(j, "max", "parameter bins");
    b.count = requireKey<int>(j, "count", "parameter bins");
}

void to_json(nlohmann::json& j, const LabelBins& b)
{
    j = nlohmann::json::object();
    for (Param p : kAllParams) j[std::string(paramName(p))] = b[p];
}

void from_json(const nlohmann::json& j, LabelBins& b)
{
    using ml_detail::requireKey;
    LabelBins out;
    for (Param p : kAllParams) {
        out[p] = requireKey<ParameterBins>(j, std::string(paramName(p)).c_str(), "label bins");
        out[p].validate(paramName(p));
    }
    b = out;
}

}  // namespace remap
