#pragma once

// RUN/checkpoint.pt: everything a training run needs to continue exactly where it stopped.
// Internal to remap_train (includes torch). One torch::serialize archive (a zip file):
//   "format"     the string "remap-checkpoint"
//   "state"      JSON string: epoch, step_in_epoch, global_step, best value/epoch, patience counter,
//                epoch timing history, the running epoch loss, the config (TrainConfig::toJson)
//   "network"    nested archive: the network's parameters and buffers (batch-norm statistics)
//   "loss"       nested archive: the MultiTaskLoss module (learned task weights)
//   "optimizer"  nested archive: AdamW's state (moments, step counts, parameter groups)

#include "ml/Losses.h"
#include "ml/Network.h"

#include <torch/optim/optimizer.h>

#include <nlohmann/json.hpp>

#include <string>

namespace remap::train {

inline constexpr const char* kCheckpointFileName = "checkpoint.pt";

// Writes atomically (a temporary file renamed over `path`).
void saveCheckpoint(const std::string& path, const nlohmann::json& state, RemapNet& network, MultiTaskLoss& loss,
                    const torch::optim::Optimizer& optimizer);

// The "state" JSON only (to check the configuration before building the model). Throws remap::Error
// naming the file when it is missing, not a checkpoint or damaged.
nlohmann::json readCheckpointState(const std::string& path);

// Restores network, loss and optimizer in place (they must have the architecture and parameter
// groups the checkpoint was written with) and returns the state JSON. Throws remap::Error naming the file.
nlohmann::json loadCheckpoint(const std::string& path, RemapNet& network, MultiTaskLoss& loss,
                              torch::optim::Optimizer& optimizer, const torch::Device& device);

}  // namespace remap::train
