#pragma once

// Validation metrics of predicted against reference labels (torch-free; the trainer, `remap evaluate`,
// models/ reports and the GUI use these one implementation).

#include "ml/ParameterBins.h"
#include "ml/Posterior.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace remap::train {

// For one parameter over n stars with residual r = predicted mean - reference:
//   bias = mean(r); stddev = sample standard deviation of r (n - 1); mad = 1.4826 median|r - median(r)|
//   (the robust sigma); rmse = sqrt(mean(r^2)); coverage68 = fraction of stars whose reference lies
//   inside [p16, p84] of the posterior. Stars with an unknown (NaN) reference are skipped.
struct ParameterMetrics {
    int n = 0;
    double bias = 0.0;
    double stddev = 0.0;
    double mad = 0.0;
    double rmse = 0.0;
    double coverage68 = 0.0;
};

struct ValidationMetrics {
    std::array<ParameterMetrics, 3> params;  // Teff, log g, [Fe/H]
    double loss = 0.0;                       // mean validation loss (when computed by the trainer)
    const ParameterMetrics& operator[](Param p) const { return params[static_cast<int>(p)]; }
};

// One star's posterior summary as the metrics need it.
struct StarPrediction {
    std::string id;
    std::array<double, 3> reference{};  // NaN = unknown
    std::array<double, 3> mean{}, p16{}, p84{};
};

StarPrediction toStarPrediction(const Prediction& prediction, const std::array<double, 3>& reference, std::string id);

ValidationMetrics computeMetrics(const std::vector<StarPrediction>& stars);

// {"teff": {"n", "bias", "std", "mad", "rmse", "coverage68"}, "logg": ..., "feh": ..., "loss"}.
nlohmann::json metricsToJson(const ValidationMetrics& metrics);
ValidationMetrics metricsFromJson(const nlohmann::json& json);

// Human table (one row per parameter) for the CLI and reports.
std::string formatMetricsTable(const ValidationMetrics& metrics);

}  // namespace remap::train
