#pragma once

// Training losses of deep-REMAP (torch). The formulas, and why they were generalized this way for
// soft (Gaussian-smoothed) targets, are in docs/network.md; the tests check them against hand arithmetic.

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>
#include "ml/LossConfig.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <string>

namespace remap {

// logits [B, K], targets [B, K] (rows sum to 1). Differentiable in logits (any floating dtype).
torch::Tensor asymmetricLoss(const torch::Tensor& logits, const torch::Tensor& targets, const AslOptions& options);

struct TripletResult {
    torch::Tensor loss;     // scalar
    long validAnchors = 0;  // anchors that had both a positive and a negative
};

// embeddings [B, E], normalizedLabels [B, 3] (or any [B, D]).
TripletResult tripletLoss(const torch::Tensor& embeddings, const torch::Tensor& normalizedLabels,
                          const TripletOptions& options);

// The multi-task loss. Uncertainty weighting (Kendall, Gal & Cipolla 2018) learns one log-variance
// s_t per task (3 heads + embedding), initialized to 0: L = sum_t exp(-s_t) L_t + s_t / 2; its
// parameters must be given to the optimizer (parameters() of this module).
class MultiTaskLossImpl : public torch::nn::Module {
public:
    explicit MultiTaskLossImpl(const LossConfig& config);
    // taskLosses: 3 head losses then the embedding loss (scalars).
    torch::Tensor forward(const std::array<torch::Tensor, 4>& taskLosses);
    const LossConfig& config() const { return config_; }
    // Current effective weight of each task (w_t, or exp(-s_t)).
    std::array<double, 4> weights() const;

private:
    LossConfig config_;
    torch::Tensor logVariances_;
};
TORCH_MODULE(MultiTaskLoss);

}  // namespace remap
