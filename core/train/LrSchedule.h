#pragma once

// The learning-rate factor of every optimizer step (ScheduleConfig in TrainConfig.h). Torch-free.

#include "train/TrainConfig.h"

#include <cstdint>

namespace remap::train {

class LrSchedule {
public:
    // totalSteps: optimizer steps of the whole run (epochs x steps per epoch), at least 1.
    LrSchedule(const ScheduleConfig& config, std::int64_t stepsPerEpoch, std::int64_t totalSteps);

    // Factor for the optimizer step with 0-based index `step` (clamped to [0, totalSteps - 1]):
    //   warm-up (step < warmupSteps): linear from warmupStartFactor to 1 (one-cycle: a cosine-shaped
    //   rise between the same ends, as in PyTorch's OneCycleLR);
    //   then cosine / one-cycle: minFactor + (1 - minFactor) (1 + cos(pi t)) / 2, t = 0 .. 1 from the
    //   first step after warm-up to the last step; constant: 1.
    double factor(std::int64_t step) const;
    std::int64_t warmupSteps() const { return warmupSteps_; }
    std::int64_t totalSteps() const { return totalSteps_; }

private:
    ScheduleConfig config_;
    std::int64_t warmupSteps_;
    std::int64_t totalSteps_;
};

}  // namespace remap::train
