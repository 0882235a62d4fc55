#include "train/LrSchedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace remap::train {

LrSchedule::LrSchedule(const ScheduleConfig& config, std::int64_t stepsPerEpoch, std::int64_t totalSteps)
    : config_(config), totalSteps_(std::max<std::int64_t>(totalSteps, 1))
{
    const double warmup =
        std::round(config.warmupEpochs * static_cast<double>(std::max<std::int64_t>(stepsPerEpoch, 1)));
    // Warm-up never takes the whole run: at least the last step decays (or holds) after it.
    warmupSteps_ = std::clamp<std::int64_t>(static_cast<std::int64_t>(warmup), 0, totalSteps_ - 1);
}

double LrSchedule::factor(std::int64_t step) const
{
    step = std::clamp<std::int64_t>(step, 0, totalSteps_ - 1);
    const double start = config_.warmupStartFactor;
    if (step < warmupSteps_) {
        const double t = static_cast<double>(step) / static_cast<double>(warmupSteps_);
        if (config_.kind == ScheduleKind::OneCycle)
            return start + (1.0 - start) * 0.5 * (1.0 - std::cos(std::numbers::pi * t));
        return start + (1.0 - start) * t;
    }
    if (config_.kind == ScheduleKind::Constant) return 1.0;
    const std::int64_t span = totalSteps_ - 1 - warmupSteps_;
    const double t = span > 0 ? static_cast<double>(step - warmupSteps_) / static_cast<double>(span) : 0.0;
    return config_.minFactor + (1.0 - config_.minFactor) * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
}

}  // namespace remap::train
