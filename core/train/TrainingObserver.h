#pragma once

// Seam between the trainer and whoever watches it (CLI progress bar, GUI training panel, tests).
// Callbacks come from the training thread; implementations must be thread-safe towards their own
// readers. cancelRequested() is polled between micro-batches and validation batches, so a cancel
// takes effect within one step (well under a second for the default model on the CPU), after which
// the trainer writes a checkpoint and throws remap::Cancelled.

#include "base/Progress.h"
#include "train/Metrics.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace remap::train {

struct StepReport {
    int epoch = 0;        // 0-based
    int stepInEpoch = 0;  // 0-based index of the optimizer step just finished
    int stepsPerEpoch = 0;
    std::int64_t globalStep = 0;  // optimizer steps since the start of the run (1-based after the first)
    std::int64_t totalSteps = 0;
    double learningRate = 0.0;           // base-group rate after this step's schedule
    double loss = 0.0;                   // total (weighted) loss of the global batch
    std::array<double, 4> taskLosses{};  // teff, logg, feh, embedding (unweighted)
    double samplesPerSecond = 0.0;       // all processes together, smoothed
    double etaSeconds = 0.0;             // rest of the run, from the smoothed step time
};

struct EpochReport {
    int epoch = 0;  // 0-based; -1 for the baseline of a fine-tuning run (the pretrained model)
    int epochs = 0;
    double trainLoss = 0.0;                   // mean over the epoch's steps (0 for the baseline)
    ValidationMetrics validation;             // validation.loss = mean validation loss
    std::vector<StarPrediction> predictions;  // every validation star (the calibration plot)
    double learningRate = 0.0;
    double seconds = 0.0;     // wall time of the epoch (training + validation)
    double etaSeconds = 0.0;  // rest of the run
    bool improved = false;    // best monitored value so far (the best bundle was written)
};

class TrainingObserver : public ProgressObserver {
public:
    // ProgressObserver::onProgress is called for slow preparation (loading data) and validation.
    void onProgress(std::size_t, std::size_t, std::string_view) override {}
    virtual void onStep(const StepReport&) {}
    virtual void onEpoch(const EpochReport&) {}
    // A free-text event: "resumed from ...", "early stopping after ...", "checkpoint written".
    virtual void onMessage(const std::string&) {}
};

}  // namespace remap::train
