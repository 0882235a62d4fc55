#include "Network.h"

#include "base/Error.h"

#include <torch/torch.h>

namespace remap {
namespace nn = torch::nn;

ResidualBlockImpl::ResidualBlockImpl(int inChannels, int outChannels, int kernel, int stride)
{
    const int pad = kernel / 2;
    conv1_ = register_module(
        "conv1",
        nn::Conv1d(nn::Conv1dOptions(inChannels, outChannels, kernel).stride(stride).padding(pad).bias(false)));
    bn1_ = register_module("bn1", nn::BatchNorm1d(outChannels));
    conv2_ = register_module(
        "conv2", nn::Conv1d(nn::Conv1dOptions(outChannels, outChannels, kernel).stride(1).padding(pad).bias(false)));
    bn2_ = register_module("bn2", nn::BatchNorm1d(outChannels));
    if (stride != 1 || inChannels != outChannels) {
        shortcutConv_ = register_module(
            "shortcut_conv", nn::Conv1d(nn::Conv1dOptions(inChannels, outChannels, 1).stride(stride).bias(false)));
        shortcutBn_ = register_module("shortcut_bn", nn::BatchNorm1d(outChannels));
    }
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x)
{
    auto y = torch::relu(bn1_->forward(conv1_->forward(x)));
    y = bn2_->forward(conv2_->forward(y));
    const auto shortcut = projects() ? shortcutBn_->forward(shortcutConv_->forward(x)) : x;
    return torch::relu(y + shortcut);
}

RemapNetImpl::RemapNetImpl(const NetworkConfig& config, const std::array<int, 3>& binCounts)
    : config_(config), binCounts_(binCounts)
{
    config_.validate();
    for (int count : binCounts_)
        if (count < 2) throw Error("invalid network configuration: every head needs at least 2 bins");

    nn::Sequential stem;
    stem->push_back("conv", nn::Conv1d(nn::Conv1dOptions(2, config_.stemWidth, config_.stemKernel)
                                           .stride(config_.stemStride)
                                           .padding(config_.stemKernel / 2)
                                           .bias(false)));
    stem->push_back("bn", nn::BatchNorm1d(config_.stemWidth));
    stem->push_back("relu", nn::ReLU());
    if (config_.stemPool) stem->push_back("pool", nn::MaxPool1d(nn::MaxPool1dOptions(3).stride(2).padding(1)));
    stem_ = register_module("stem", stem);

    nn::ModuleList stages;
    int width = config_.stemWidth;
    for (std::size_t s = 0; s < config_.stageWidths.size(); ++s) {
        nn::ModuleList blocks;
        for (int b = 0; b < config_.blocksPerStage[s]; ++b) {
            const int stride = (b == 0 && s > 0) ? 2 : 1;
            blocks->push_back(ResidualBlock(width, config_.stageWidths[s], config_.stageKernels[s], stride));
            width = config_.stageWidths[s];
        }
        stages->push_back(blocks);
    }
    stages_ = register_module("stages", stages);
    dropout_ = register_module("dropout", nn::Dropout(config_.dropout));
    embedding_ = register_module("embedding", nn::Linear(width, config_.embeddingSize));
    const char* headNames[3] = {"head_teff", "head_logg", "head_feh"};
    for (int p = 0; p < 3; ++p) heads_[p] = register_module(headNames[p], nn::Linear(width, binCounts_[p]));
}

NetworkOutput RemapNetImpl::forward(const torch::Tensor& x)
{
    if (x.dim() != 3 || x.size(1) != 2 || x.size(2) != config_.inputLength)
        throw Error("network input must have shape [batch, 2, " + std::to_string(config_.inputLength) + "]");
    // Continuum at 0: absorption is negative, filled (masked) pixels carry no signal in channel 0.
    auto h = torch::cat({x.narrow(1, 0, 1) - 1.0, x.narrow(1, 1, 1)}, 1);
    h = stem_->forward(h);
    for (const auto& stage : *stages_)
        for (const auto& block : *stage->as<nn::ModuleListImpl>()) h = block->as<ResidualBlockImpl>()->forward(h);
    NetworkOutput out;
    out.features = h.mean(2);
    out.embedding = torch::nn::functional::normalize(
        embedding_->forward(out.features), torch::nn::functional::NormalizeFuncOptions().p(2).dim(1).eps(1e-12));
    const auto dropped = dropout_->forward(out.features);
    for (int p = 0; p < 3; ++p) out.logits[p] = heads_[p]->forward(dropped);
    return out;
}

torch::Tensor makeNetworkInput(const std::vector<float>& flux, const std::vector<float>& mask, int batch, int length)
{
    const auto n = static_cast<std::size_t>(batch) * static_cast<std::size_t>(length);
    if (flux.size() != n || mask.size() != n)
        throw Error("network input: flux and mask must hold batch x length values");
    auto input = torch::empty({batch, 2, length}, torch::kFloat32);
    auto acc = input.accessor<float, 3>();
    for (int b = 0; b < batch; ++b) {
        for (int i = 0; i < length; ++i) {
            const std::size_t k = static_cast<std::size_t>(b) * static_cast<std::size_t>(length) + i;
            const bool masked = mask[k] != 0.0f;
            acc[b][0][i] = masked ? 1.0f : flux[k];
            acc[b][1][i] = masked ? 1.0f : 0.0f;
        }
    }
    return input;
}

torch::Tensor padSingle(const torch::Tensor& x)
{
    return x.size(0) == 1 && x.device().is_cpu() ? torch::cat({x, x}, 0) : x;
}

torch::Tensor posteriorMean(const torch::Tensor& logits, const std::vector<double>& centres)
{
    auto c = torch::tensor(centres, torch::TensorOptions().dtype(torch::kFloat64)).to(logits.options());
    return torch::softmax(logits, 1).matmul(c);
}

}  // namespace remap
