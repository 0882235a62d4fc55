#include "Network.h"

#include "base/Error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

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

AttentionBlockImpl::AttentionBlockImpl(int width, int heads, int ffMultiplier, double dropout) : heads_(heads)
{
    norm1_ = register_module("norm1", nn::LayerNorm(nn::LayerNormOptions({width})));
    qkv_ = register_module("qkv", nn::Linear(width, 3 * width));
    proj_ = register_module("proj", nn::Linear(width, width));
    norm2_ = register_module("norm2", nn::LayerNorm(nn::LayerNormOptions({width})));
    ff1_ = register_module("ff1", nn::Linear(width, ffMultiplier * width));
    ff2_ = register_module("ff2", nn::Linear(ffMultiplier * width, width));
    dropout_ = register_module("dropout", nn::Dropout(dropout));
}

namespace {

// The layers below work on channel-first maps [B, C, L]: Debian's LibTorch has no optimized BLAS, and its
// Linear (addmm) on [B L, C] runs ~20x slower than the same product as a 1x1 convolution (oneDNN).
torch::Tensor linearChannels(const torch::Tensor& x, const nn::Linear& layer)
{
    return torch::conv1d(x, layer->weight.unsqueeze(2), layer->bias);
}

torch::Tensor layerNormChannels(const torch::Tensor& x, const nn::LayerNorm& norm)
{
    const auto mean = x.mean(1, true);
    const auto centred = x - mean;
    const auto var = centred.pow(2).mean(1, true);
    return centred * torch::rsqrt(var + norm->options.eps()) * norm->weight.view({1, -1, 1}) +
           norm->bias.view({1, -1, 1});
}

// a [G, M, K] x b [G, K, N]. Without an optimized BLAS (Debian's LibTorch) and without autograd, one
// oneDNN matrix product per group is ~3x faster than bmm's generic kernel; otherwise bmm.
torch::Tensor batchedProduct(const torch::Tensor& a, const torch::Tensor& b)
{
    const bool slowBlas = !at::hasMKL() && at::hasMKLDNN();
    if (!slowBlas || !a.device().is_cpu() || a.scalar_type() != torch::kFloat32 || at::GradMode::is_enabled() ||
        a.requires_grad() || b.requires_grad())
        return torch::matmul(a, b);
    const auto bt = b.transpose(1, 2).contiguous();  // [G, N, K]: mkldnn_linear takes the weight as [out, in]
    const auto ac = a.contiguous();
    std::vector<torch::Tensor> parts;
    parts.reserve(static_cast<std::size_t>(a.size(0)));
    for (int64_t g = 0; g < a.size(0); ++g)
        parts.push_back(at::mkldnn_linear(ac[g].to_mkldnn(), bt[g].to_mkldnn(), {}).to_dense());
    return torch::stack(parts);
}

}  // namespace

torch::Tensor AttentionBlockImpl::forward(const torch::Tensor& x, torch::Tensor* weights)
{
    // x [B, C, L]. The Linear layers' output channel o of qkv is (part * heads + head) * d + c.
    const auto b = x.size(0), c = x.size(1), l = x.size(2);
    const auto d = c / heads_, g = b * heads_;
    const auto qkv = linearChannels(layerNormChannels(x, norm1_), qkv_).view({b, 3, heads_, d, l});
    const auto q = qkv.select(1, 0).reshape({g, d, l}), k = qkv.select(1, 1).reshape({g, d, l}),
               v = qkv.select(1, 2).reshape({g, d, l});
    const auto scores = batchedProduct(q.transpose(1, 2), k) / std::sqrt(double(d));  // [G, L queries, L keys]
    const auto attention = torch::softmax(scores, -1);
    if (weights) *weights = attention.view({b, heads_, l, l});
    const auto mixed = batchedProduct(v, attention.transpose(1, 2)).view({b, c, l});  // [G, d, L queries]
    auto h = x + dropout_->forward(linearChannels(mixed, proj_));
    return h + dropout_->forward(linearChannels(torch::gelu(linearChannels(layerNormChannels(h, norm2_), ff1_)), ff2_));
}

AttentionStageImpl::AttentionStageImpl(int width, const AttentionConfig& config)
{
    nn::ModuleList blocks;
    for (int i = 0; i < config.layers; ++i)
        blocks->push_back(AttentionBlock(width, config.heads, config.ffMultiplier, config.dropout));
    blocks_ = register_module("blocks", blocks);
    norm_ = register_module("norm", nn::LayerNorm(nn::LayerNormOptions({width})));
}

torch::Tensor AttentionStageImpl::forward(const torch::Tensor& map, std::vector<torch::Tensor>* weights)
{
    const auto encoding = wavelengthEncoding(static_cast<int>(map.size(2)), static_cast<int>(map.size(1)));
    auto h = map + encoding.to(map.options()).t().unsqueeze(0);  // [B, C, L]
    for (const auto& block : *blocks_) {
        torch::Tensor w;
        h = block->as<AttentionBlockImpl>()->forward(h, weights ? &w : nullptr);
        if (weights) weights->push_back(w);
    }
    return layerNormChannels(h, norm_);
}

PhotometryBranchImpl::PhotometryBranchImpl(int featureWidth, const PhotometryBranchConfig& config)
    : inputs_(static_cast<int>(config.names().size()))
{
    in1_ = register_module("in1", nn::Linear(2 * inputs_, config.width));
    in2_ = register_module("in2", nn::Linear(config.width, config.width));
    fuse1_ = register_module("fuse1", nn::Linear(featureWidth + config.width, featureWidth));
    fuse2_ = register_module("fuse2", nn::Linear(featureWidth, featureWidth));
}

torch::Tensor PhotometryBranchImpl::forward(const torch::Tensor& features, const torch::Tensor& photometry)
{
    torch::Tensor z;
    if (photometry.defined()) {
        if (photometry.dim() != 3 || photometry.size(0) != features.size(0) || photometry.size(1) != 2 ||
            photometry.size(2) != inputs_)
            throw Error("photometric input must have shape [batch, 2, " + std::to_string(inputs_) + "]");
        // A missing entry's value slot is ignored whatever it holds.
        const auto p = photometry.to(features.dtype());
        const auto missing = p.select(1, 1);
        z = torch::cat({p.select(1, 0) * (1.0 - missing), missing}, 1);
    } else {  // nothing known: values 0, every entry missing
        z = torch::cat({torch::zeros({features.size(0), inputs_}, features.options()),
                        torch::ones({features.size(0), inputs_}, features.options())},
                       1);
    }
    const auto p = torch::relu(in2_->forward(torch::relu(in1_->forward(z))));
    return features + fuse2_->forward(torch::relu(fuse1_->forward(torch::cat({features, p}, 1))));
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
    if (config_.attention.layers > 0)
        attention_ = register_module("attention", AttentionStage(width, config_.attention));
    if (config_.photometry.enabled)
        photometry_ = register_module("photometry", PhotometryBranch(width, config_.photometry));
    dropout_ = register_module("dropout", nn::Dropout(config_.dropout));
    embedding_ = register_module("embedding", nn::Linear(width, config_.embeddingSize));
    const char* headNames[3] = {"head_teff", "head_logg", "head_feh"};
    for (int p = 0; p < 3; ++p) heads_[p] = register_module(headNames[p], nn::Linear(width, binCounts_[p]));
}

NetworkOutput RemapNetImpl::forward(const torch::Tensor& x, const torch::Tensor& photometry, bool keepAttention)
{
    return head(trunk(x), photometry, keepAttention);
}

torch::Tensor RemapNetImpl::trunk(const torch::Tensor& x)
{
    if (x.dim() != 3 || x.size(1) != 2 || x.size(2) != config_.inputLength)
        throw Error("network input must have shape [batch, 2, " + std::to_string(config_.inputLength) + "]");
    // Continuum at 0: absorption is negative, filled (masked) pixels carry no signal in channel 0.
    auto h = torch::cat({x.narrow(1, 0, 1) - 1.0, x.narrow(1, 1, 1)}, 1);
    h = stem_->forward(h);
    for (const auto& stage : *stages_)
        for (const auto& block : *stage->as<nn::ModuleListImpl>()) h = block->as<ResidualBlockImpl>()->forward(h);
    return h;
}

NetworkOutput RemapNetImpl::head(const torch::Tensor& map, const torch::Tensor& photometry, bool keepAttention)
{
    NetworkOutput out;
    const auto h = hasAttention() ? attention_->forward(map, keepAttention ? &out.attention : nullptr) : map;
    out.features = h.mean(2);
    out.embedding = torch::nn::functional::normalize(
        embedding_->forward(out.features), torch::nn::functional::NormalizeFuncOptions().p(2).dim(1).eps(1e-12));
    const auto fused = hasPhotometry() ? photometry_->forward(out.features, photometry) : out.features;
    const auto dropped = dropout_->forward(fused);
    for (int p = 0; p < 3; ++p) out.logits[p] = heads_[p]->forward(dropped);
    return out;
}

torch::Tensor wavelengthEncoding(int length, int width)
{
    auto out = torch::zeros({length, width}, torch::kFloat32);
    auto acc = out.accessor<float, 2>();
    const int pairs = width / 2;
    for (int k = 0; k < pairs; ++k) {
        const double period = 2.0 * std::pow(2.0 * length, pairs > 1 ? double(k) / (pairs - 1) : 0.0);
        for (int i = 0; i < length; ++i) {
            const double phase = 2.0 * M_PI * i / period;
            acc[i][2 * k] = static_cast<float>(std::sin(phase));
            acc[i][2 * k + 1] = static_cast<float>(std::cos(phase));
        }
    }
    return out;
}

double normalizePhotometry(PhotometryEntry entry, double v)
{
    double z = 0.0;
    switch (entry) {
        case kPhotG:
            z = (v - 12.0) / 3.0;
            break;
        case kPhotBpRp:
            z = (v - 1.0) / 0.5;
            break;
        case kParallax:
            z = std::asinh(v / 1.0);
            break;
        case kParallaxError:
            z = std::asinh(v / 0.1) / 2.0;
            break;
        case kEbv:
            z = (v - 0.1) / 0.3;
            break;
        default:  // 2MASS J, H, Ks
            z = (v - 10.0) / 3.0;
            break;
    }
    return std::clamp(z, -8.0, 8.0);
}

torch::Tensor makePhotometryInput(const std::vector<Photometry>& rows, const PhotometryBranchConfig& config)
{
    const auto names = config.names();
    std::vector<PhotometryEntry> entries;
    for (const auto& name : names) {
        const auto entry = photometryEntry(name);
        if (!entry) throw Error("unknown photometric input '" + name + "'");
        entries.push_back(*entry);
    }
    const auto batch = static_cast<int64_t>(rows.size());
    const auto e = static_cast<int64_t>(entries.size());
    auto input = torch::zeros({batch, 2, e}, torch::kFloat32);
    auto acc = input.accessor<float, 3>();
    for (int64_t b = 0; b < batch; ++b) {
        for (int64_t k = 0; k < e; ++k) {
            const auto entry = entries[static_cast<std::size_t>(k)];
            if (rows[static_cast<std::size_t>(b)].has(entry)) {
                acc[b][0][k] = static_cast<float>(normalizePhotometry(entry, rows[static_cast<std::size_t>(b)][entry]));
            } else {
                acc[b][1][k] = 1.0f;
            }
        }
    }
    return input;
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
