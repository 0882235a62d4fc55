#include "Losses.h"

#include "JsonRead.h"
#include "base/Error.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace remap {

torch::Tensor asymmetricLoss(const torch::Tensor& logits, const torch::Tensor& targets, const AslOptions& o)
{
    if (logits.dim() != 2 || targets.sizes() != logits.sizes())
        throw Error("asymmetric loss: logits and targets must both be [batch, bins]");
    const double k = static_cast<double>(logits.size(1));
    const auto logP = torch::log_softmax(logits, 1);
    const auto p = logP.exp();
    const auto q = targets.to(logits.dtype());
    const auto t = o.labelSmoothing > 0.0 ? q * (1.0 - o.labelSmoothing) + o.labelSmoothing / k : q;
    // Positive part: focal cross-entropy against the (smoothed) target.
    auto positive = t * logP;
    if (o.gammaPos != 0.0) positive = positive * (1.0 - p).clamp_min(1e-12).pow(o.gammaPos);
    // Negative part: shifted probabilities of bins away from the target peak.
    const auto negativeness = 1.0 - q / std::get<0>(q.max(1, /*keepdim=*/true)).clamp_min(1e-12);
    const auto shifted = o.clip > 0.0 ? (p - o.clip).clamp_min(0.0) : p;
    auto negative = negativeness * torch::log((1.0 - shifted).clamp_min(1e-12));
    if (o.gammaNeg != 0.0) negative = negative * shifted.pow(o.gammaNeg);
    return -(positive + negative).sum(1).mean();
}

TripletResult tripletLoss(const torch::Tensor& embeddings, const torch::Tensor& normalizedLabels,
                          const TripletOptions& o)
{
    if (embeddings.dim() != 2 || normalizedLabels.dim() != 2 || embeddings.size(0) != normalizedLabels.size(0))
        throw Error("triplet loss: embeddings [B, E] and labels [B, D] must have the same batch size");
    const auto n = embeddings.size(0);
    const auto diff = embeddings.unsqueeze(1) - embeddings.unsqueeze(0);
    const auto dEmb = (diff * diff).sum(2).add(1e-12).sqrt();  // eps keeps the gradient finite at 0
    torch::Tensor dLab;
    {
        torch::NoGradGuard noGrad;
        const auto l = normalizedLabels.to(embeddings.dtype());
        dLab = (l.unsqueeze(1) - l.unsqueeze(0)).pow(2).sum(2).sqrt();
    }
    const auto self = torch::eye(n, torch::TensorOptions().dtype(torch::kBool).device(embeddings.device()));
    const auto pos = dLab.lt(o.positiveRadius).logical_and(self.logical_not());
    const auto neg = dLab.gt(o.negativeRadius);
    constexpr double kBig = 1e6;
    const auto dAp = std::get<0>(dEmb.masked_fill(pos.logical_not(), -kBig).max(1));
    const auto hardest = std::get<0>(dEmb.masked_fill(neg.logical_not(), kBig).min(1));
    torch::Tensor dAn = hardest;
    if (o.mining == TripletMining::SemiHard) {
        const auto candidates = neg.logical_and(dEmb.gt(dAp.detach().unsqueeze(1)));
        const auto semi = std::get<0>(dEmb.masked_fill(candidates.logical_not(), kBig).min(1));
        dAn = torch::where(candidates.any(1), semi, hardest);
    }
    const auto valid = pos.any(1).logical_and(neg.any(1));
    TripletResult out;
    out.validAnchors = valid.sum().item<long>();
    if (out.validAnchors == 0) {
        out.loss = embeddings.sum() * 0.0;
        return out;
    }
    out.loss = torch::relu(dAp - dAn + o.margin).masked_select(valid).mean();
    return out;
}

namespace {
std::string miningName(TripletMining m)
{
    return m == TripletMining::BatchHard ? "batch_hard" : "semi_hard";
}
}  // namespace

void to_json(nlohmann::json& j, const LossConfig& c)
{
    j = nlohmann::json{{"asl",
                        {{"gamma_pos", c.asl.gammaPos},
                         {"gamma_neg", c.asl.gammaNeg},
                         {"clip", c.asl.clip},
                         {"label_smoothing", c.asl.labelSmoothing}}},
                       {"triplet",
                        {{"margin", c.triplet.margin},
                         {"positive_radius", c.triplet.positiveRadius},
                         {"negative_radius", c.triplet.negativeRadius},
                         {"mining", miningName(c.triplet.mining)}}},
                       {"target_sigma_bins", c.targetSigmaBins},
                       {"weighting", c.weighting == TaskWeighting::Fixed ? "fixed" : "uncertainty"},
                       {"head_weights", c.headWeights},
                       {"embedding_weight", c.embeddingWeight}};
}

void from_json(const nlohmann::json& j, LossConfig& c)
{
    using ml_detail::requireKey;
    LossConfig out;
    const auto asl = requireKey<nlohmann::json>(j, "asl", "loss configuration");
    out.asl.gammaPos = requireKey<double>(asl, "gamma_pos", "asl");
    out.asl.gammaNeg = requireKey<double>(asl, "gamma_neg", "asl");
    out.asl.clip = requireKey<double>(asl, "clip", "asl");
    out.asl.labelSmoothing = requireKey<double>(asl, "label_smoothing", "asl");
    const auto tri = requireKey<nlohmann::json>(j, "triplet", "loss configuration");
    out.triplet.margin = requireKey<double>(tri, "margin", "triplet");
    out.triplet.positiveRadius = requireKey<double>(tri, "positive_radius", "triplet");
    out.triplet.negativeRadius = requireKey<double>(tri, "negative_radius", "triplet");
    const auto mining = requireKey<std::string>(tri, "mining", "triplet");
    if (mining == "batch_hard")
        out.triplet.mining = TripletMining::BatchHard;
    else if (mining == "semi_hard")
        out.triplet.mining = TripletMining::SemiHard;
    else
        throw Error("triplet: mining must be batch_hard or semi_hard, not '" + mining + "'");
    out.targetSigmaBins = requireKey<double>(j, "target_sigma_bins", "loss configuration");
    const auto weighting = requireKey<std::string>(j, "weighting", "loss configuration");
    if (weighting == "fixed")
        out.weighting = TaskWeighting::Fixed;
    else if (weighting == "uncertainty")
        out.weighting = TaskWeighting::Uncertainty;
    else
        throw Error("loss configuration: weighting must be fixed or uncertainty, not '" + weighting + "'");
    out.headWeights = requireKey<std::array<double, 3>>(j, "head_weights", "loss configuration");
    out.embeddingWeight = requireKey<double>(j, "embedding_weight", "loss configuration");
    if (!(out.asl.clip >= 0.0 && out.asl.clip < 1.0)) throw Error("asl: clip must lie in [0, 1)");
    if (!(out.asl.labelSmoothing >= 0.0 && out.asl.labelSmoothing < 1.0))
        throw Error("asl: label_smoothing must lie in [0, 1)");
    if (out.asl.gammaPos < 0.0 || out.asl.gammaNeg < 0.0) throw Error("asl: focusing exponents must be >= 0");
    c = out;
}

MultiTaskLossImpl::MultiTaskLossImpl(const LossConfig& config) : config_(config)
{
    if (config_.weighting == TaskWeighting::Uncertainty)
        logVariances_ = register_parameter("log_variances", torch::zeros({4}, torch::kFloat32));
}

torch::Tensor MultiTaskLossImpl::forward(const std::array<torch::Tensor, 4>& taskLosses)
{
    torch::Tensor total;
    for (int t = 0; t < 4; ++t) {
        torch::Tensor term;
        if (config_.weighting == TaskWeighting::Fixed) {
            const double w = t < 3 ? config_.headWeights[t] : config_.embeddingWeight;
            term = taskLosses[t] * w;
        } else {
            const auto s = logVariances_[t].to(taskLosses[t].dtype());
            term = torch::exp(-s) * taskLosses[t] + 0.5 * s;
        }
        total = t == 0 ? term : total + term;
    }
    return total;
}

std::array<double, 4> MultiTaskLossImpl::weights() const
{
    std::array<double, 4> out{};
    for (int t = 0; t < 4; ++t)
        out[t] = config_.weighting == TaskWeighting::Fixed ? (t < 3 ? config_.headWeights[t] : config_.embeddingWeight)
                                                           : std::exp(-logVariances_[t].item<double>());
    return out;
}

}  // namespace remap
