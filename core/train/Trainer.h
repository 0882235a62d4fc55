#pragma once

// `remap train pretrain|finetune`: the deep-REMAP training loop (docs/training.md). Torch-free header.

#include "train/Distributed.h"
#include "train/TrainConfig.h"
#include "train/TrainingObserver.h"

#include <string>

namespace remap::train {

struct TrainOptions {
    TrainConfig config;
    std::string fromBundle;  // fine-tuning: the pretrained bundle (required for TrainMode::Finetune)
    bool resume = false;     // continue from RUN/checkpoint.pt (remap::Error if there is none)
    DistributedOptions distributed;
    std::string command;  // the command line, for the record
};

struct TrainResult {
    std::string status;  // "finished" | "early_stopped" ("cancelled" is thrown as remap::Cancelled)
    int epochsDone = 0;
    int bestEpoch = -1;
    double bestValue = 0.0;             // of config.earlyStopping.monitor
    std::string bundlePath;             // RUN/model.remap
    ValidationMetrics finalMetrics;     // of the returned bundle on the validation set
    ValidationMetrics baselineMetrics;  // fine-tuning: the pretrained model's
    double seconds = 0.0;
};

// Runs a whole training. Checkpoints (RUN/checkpoint.pt, written atomically) after every epoch and
// when cancelled; with resume it continues exactly where the checkpoint left (model, optimizer,
// loss weights, schedule position, epoch and step within the epoch; the data order and the
// augmentation are functions of the seed, so the continuation is the same computation).
// Throws remap::Error (bad config, unreadable data, mismatched grid between data and model) and
// remap::Cancelled (after writing the checkpoint and an "end" record with status "cancelled").
TrainResult runTraining(const TrainOptions& options, TrainingObserver& observer);

// Code revision compiled in (git describe at configure time, or "unknown").
std::string codeRevision();

}  // namespace remap::train
