#include "train/Metrics.h"

#include "base/Error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace remap::train {
namespace {

double median(std::vector<double> values)
{
    if (values.empty()) return 0.0;
    const std::size_t mid = values.size() / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
    const double upper = values[mid];
    if (values.size() % 2) return upper;
    const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
    return 0.5 * (lower + upper);
}

// JSON has no NaN: non-finite values are written as null and read back as NaN.
nlohmann::json number(double v)
{
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

double numberOrNaN(const nlohmann::json& j, const char* key)
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::numeric_limits<double>::quiet_NaN();
    return it->get<double>();
}

ParameterMetrics parameterMetrics(const std::vector<StarPrediction>& stars, std::size_t p)
{
    std::vector<double> residuals;
    int covered = 0;
    for (const auto& s : stars) {
        const double ref = s.reference[p];
        if (!std::isfinite(ref) || !std::isfinite(s.mean[p])) continue;
        residuals.push_back(s.mean[p] - ref);
        if (ref >= s.p16[p] && ref <= s.p84[p]) ++covered;
    }
    ParameterMetrics m;
    m.n = static_cast<int>(residuals.size());
    if (m.n == 0) return m;
    const double n = m.n;
    double sum = 0.0, sumSq = 0.0;
    for (double r : residuals) {
        sum += r;
        sumSq += r * r;
    }
    m.bias = sum / n;
    double dev = 0.0;
    for (double r : residuals) dev += (r - m.bias) * (r - m.bias);
    m.stddev = m.n > 1 ? std::sqrt(dev / (n - 1.0)) : 0.0;
    const double med = median(residuals);
    std::vector<double> absDev(residuals.size());
    std::transform(residuals.begin(), residuals.end(), absDev.begin(), [med](double r) { return std::abs(r - med); });
    m.mad = 1.4826 * median(std::move(absDev));
    m.rmse = std::sqrt(sumSq / n);
    m.coverage68 = covered / n;
    return m;
}

}  // namespace

StarPrediction toStarPrediction(const Prediction& prediction, const std::array<double, 3>& reference, std::string id)
{
    StarPrediction s;
    s.id = std::move(id);
    s.reference = reference;
    for (int p = 0; p < kParamCount; ++p) {
        const auto& post = prediction[p];
        s.mean[static_cast<std::size_t>(p)] = post.mean;
        s.p16[static_cast<std::size_t>(p)] = post.p16;
        s.p84[static_cast<std::size_t>(p)] = post.p84;
    }
    return s;
}

ValidationMetrics computeMetrics(const std::vector<StarPrediction>& stars)
{
    ValidationMetrics m;
    for (std::size_t p = 0; p < m.params.size(); ++p) m.params[p] = parameterMetrics(stars, p);
    return m;
}

nlohmann::json metricsToJson(const ValidationMetrics& metrics)
{
    nlohmann::json j = nlohmann::json::object();
    for (Param p : kAllParams) {
        const auto& m = metrics[p];
        j[std::string(paramName(p))] = {{"n", m.n},
                                        {"bias", number(m.bias)},
                                        {"std", number(m.stddev)},
                                        {"mad", number(m.mad)},
                                        {"rmse", number(m.rmse)},
                                        {"coverage68", number(m.coverage68)}};
    }
    j["loss"] = number(metrics.loss);
    return j;
}

ValidationMetrics metricsFromJson(const nlohmann::json& json)
{
    if (!json.is_object()) throw Error("validation metrics: expected a JSON object");
    ValidationMetrics out;
    try {
        for (Param p : kAllParams) {
            const auto& j = json.at(std::string(paramName(p)));
            auto& m = out.params[static_cast<std::size_t>(p)];
            m.n = j.at("n").get<int>();
            m.bias = numberOrNaN(j, "bias");
            m.stddev = numberOrNaN(j, "std");
            m.mad = numberOrNaN(j, "mad");
            m.rmse = numberOrNaN(j, "rmse");
            m.coverage68 = numberOrNaN(j, "coverage68");
        }
        out.loss = json.contains("loss") ? numberOrNaN(json, "loss") : 0.0;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("validation metrics: ") + e.what());
    }
    return out;
}

std::string formatMetricsTable(const ValidationMetrics& metrics)
{
    std::string out;
    char line[160];
    std::snprintf(line, sizeof line, "%-10s %6s %10s %10s %10s %10s %8s\n", "parameter", "n", "bias", "std", "MAD",
                  "RMSE", "cov68");
    out += line;
    for (Param p : kAllParams) {
        const auto& m = metrics[p];
        const std::string label(paramLabel(p));
        if (m.n == 0) {
            std::snprintf(line, sizeof line, "%-10s %6d %10s %10s %10s %10s %8s\n", label.c_str(), 0, "-", "-", "-",
                          "-", "-");
        } else {
            // Teff in K to 0.1; log g and [Fe/H] in dex to 0.001.
            const char* format = p == Param::Teff ? "%-10s %6d %10.1f %10.1f %10.1f %10.1f %7.1f%%\n"
                                                  : "%-10s %6d %10.3f %10.3f %10.3f %10.3f %7.1f%%\n";
            std::snprintf(line, sizeof line, format, label.c_str(), m.n, m.bias, m.stddev, m.mad, m.rmse,
                          100.0 * m.coverage68);
        }
        out += line;
    }
    return out;
}

}  // namespace remap::train
