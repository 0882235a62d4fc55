#pragma once

// Options of the training losses (docs/network.md). Torch-free, so training configurations can be
// read and edited where torch is not linked (the GUI's training panel).

#include <nlohmann/json_fwd.hpp>

#include <array>

namespace remap {

// Asymmetric loss (Ridnik et al. 2021, "ASL") over one head's softmax. Per sample, with p = softmax(z),
// q the target distribution (one-hot or smoothed), t = (1 - eps) q + eps / K (label smoothing),
// r_k = 1 - q_k / max_j q_j (how much bin k is a negative: 0 at the target peak, 1 far from it) and
// p~_k = max(p_k - clip, 0) (probability shifting of negatives):
//   L = - sum_k [ t_k (1 - p_k)^gammaPos log p_k  +  r_k p~_k^gammaNeg log(1 - p~_k) ]
// The batch loss is the mean over samples. The positive part with gammaPos = eps = 0 is the softmax
// cross-entropy; the negative part adds a focal binary cross-entropy on the bins away from the target,
// down-weighted by p~^gammaNeg and switched off below the clip (easy negatives).
struct AslOptions {
    double gammaPos = 0.0;
    double gammaNeg = 4.0;
    double clip = 0.05;
    double labelSmoothing = 0.0;
};

enum class TripletMining { BatchHard, SemiHard };

// Triplet loss on the embedding with triplets chosen by distance in normalized label space
// (each label scaled to [0, 1] over its bin range). For anchor a: positives are samples with label
// distance < positiveRadius, negatives those with label distance > negativeRadius; distances in the
// embedding are Euclidean. BatchHard: the farthest positive and the closest negative;
// SemiHard: the closest negative farther than the positive (d_an > d_ap), or the closest negative
// when there is none. loss = mean over anchors with both of max(d_ap - d_an + margin, 0); 0 when
// no anchor has both.
struct TripletOptions {
    double margin = 0.2;
    double positiveRadius = 0.2;
    double negativeRadius = 0.4;
    TripletMining mining = TripletMining::BatchHard;
};

enum class TaskWeighting { Fixed, Uncertainty };

struct LossConfig {
    AslOptions asl;
    TripletOptions triplet;
    double targetSigmaBins = 1.0;  // Gaussian smoothing of the targets in bins (0 = one-hot)
    TaskWeighting weighting = TaskWeighting::Fixed;
    // Fixed weighting: L = sum_p w_p L_asl,p + w_emb L_triplet.
    std::array<double, 3> headWeights{1.0, 1.0, 1.0};
    double embeddingWeight = 0.1;
};

void to_json(nlohmann::json& j, const LossConfig& config);
void from_json(const nlohmann::json& j, LossConfig& config);  // strict, throws remap::Error

}  // namespace remap
