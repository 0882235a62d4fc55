#pragma once

// The deep-REMAP network as LibTorch modules. This header includes torch: code that only runs
// predictions should use Predictor.h / ModelBundle.h instead, which keep torch out.

#include "base/Photometry.h"
#include "ml/NetworkConfig.h"
#include "ml/ParameterBins.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <vector>

namespace remap {

// Residual module. V1 (stride 1, same width): identity shortcut. V2 (stride > 1 or a width
// change): 1x1 convolution with the same stride + batch norm on the shortcut.
//   out = ReLU(BN(conv_k(ReLU(BN(conv_k,stride(x))))) + shortcut(x))
class ResidualBlockImpl : public torch::nn::Module {
public:
    ResidualBlockImpl(int inChannels, int outChannels, int kernel, int stride);
    torch::Tensor forward(const torch::Tensor& x);
    bool projects() const { return !shortcutConv_.is_empty(); }

private:
    torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr}, shortcutConv_{nullptr};
    torch::nn::BatchNorm1d bn1_{nullptr}, bn2_{nullptr}, shortcutBn_{nullptr};
};
TORCH_MODULE(ResidualBlock);

// Pre-norm transformer block over the sequence of a channel-first map x [B, C, L] (L positions, C wide):
//   x = x + Dropout(Proj(MultiHeadAttention(LayerNorm(x))));  x = x + Dropout(FF2(GELU(FF1(LayerNorm(x)))))
// The attention is written out (one qkv projection, scaled dot products, softmax over the keys) so
// that its weights can be returned and the Python reference has the same parameters; the Linear layers
// are applied as 1x1 convolutions (the same arithmetic; fast on LibTorch builds without a BLAS).
class AttentionBlockImpl : public torch::nn::Module {
public:
    AttentionBlockImpl(int width, int heads, int ffMultiplier, double dropout);
    // weights: when not null, receives the attention weights [B, heads, L (queries), L (keys)].
    torch::Tensor forward(const torch::Tensor& x, torch::Tensor* weights = nullptr);

private:
    int heads_;
    torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
    torch::nn::Linear qkv_{nullptr}, proj_{nullptr}, ff1_{nullptr}, ff2_{nullptr};
    torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(AttentionBlock);

// The self-attention stage: map [B, C, L] + wavelengthEncoding(L, C) -> blocks -> LayerNorm -> [B, C, L].
class AttentionStageImpl : public torch::nn::Module {
public:
    AttentionStageImpl(int width, const AttentionConfig& config);
    torch::Tensor forward(const torch::Tensor& map, std::vector<torch::Tensor>* weights = nullptr);

private:
    torch::nn::ModuleList blocks_{nullptr};
    torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(AttentionStage);

// Photometric branch: p = ReLU(in2(ReLU(in1([values, missing])))), fused = f + fuse2(ReLU(fuse1([f, p]))).
class PhotometryBranchImpl : public torch::nn::Module {
public:
    PhotometryBranchImpl(int featureWidth, const PhotometryBranchConfig& config);
    // features [B, C]; photometry [B, 2, E] (makePhotometryInput), undefined = every entry missing.
    torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& photometry);
    int inputs() const { return inputs_; }

private:
    int inputs_;
    torch::nn::Linear in1_{nullptr}, in2_{nullptr}, fuse1_{nullptr}, fuse2_{nullptr};
};
TORCH_MODULE(PhotometryBranch);

struct NetworkOutput {
    std::array<torch::Tensor, 3> logits;   // [B, bins of Teff / log g / [Fe/H]]
    torch::Tensor embedding;               // [B, embeddingSize], unit L2 norm
    torch::Tensor features;                // [B, featureWidth] after global average pooling (before fusion)
    std::vector<torch::Tensor> attention;  // per attention block [B, heads, L, L], when asked for
};

// Parameter names (state-dict keys) are part of the bundle format and the Python export:
// stem.conv.weight, stem.bn.*, stages.<s>.<b>.{conv1,bn1,conv2,bn2,shortcut_conv,shortcut_bn}.*,
// attention.blocks.<i>.{norm1,qkv,proj,norm2,ff1,ff2}.*, attention.norm.*,
// photometry.{in1,in2,fuse1,fuse2}.*, embedding.{weight,bias}, head_teff.*, head_logg.*, head_feh.*.
class RemapNetImpl : public torch::nn::Module {
public:
    RemapNetImpl(const NetworkConfig& config, const std::array<int, 3>& binCounts);
    // x: [B, 2, inputLength] (flux, mask); photometry: [B, 2, E] or undefined (none known; ignored by a
    // network without a photometric branch). keepAttention fills NetworkOutput::attention.
    NetworkOutput forward(const torch::Tensor& x, const torch::Tensor& photometry = {}, bool keepAttention = false);
    // The two halves of forward: the convolutional trunk (continuum subtraction, stem, stages) giving
    // the feature map [B, featureWidth, L], and everything after it. InferencePlan replaces the first.
    torch::Tensor trunk(const torch::Tensor& x);
    NetworkOutput head(const torch::Tensor& map, const torch::Tensor& photometry = {}, bool keepAttention = false);

    const NetworkConfig& config() const { return config_; }
    const std::array<int, 3>& binCounts() const { return binCounts_; }
    bool hasAttention() const { return !attention_.is_empty(); }
    bool hasPhotometry() const { return !photometry_.is_empty(); }

private:
    NetworkConfig config_;
    std::array<int, 3> binCounts_;
    torch::nn::Sequential stem_{nullptr};
    torch::nn::ModuleList stages_{nullptr};
    AttentionStage attention_{nullptr};
    PhotometryBranch photometry_{nullptr};
    torch::nn::Dropout dropout_{nullptr};
    torch::nn::Linear embedding_{nullptr};
    std::array<torch::nn::Linear, 3> heads_{nullptr, nullptr, nullptr};

    friend class InferencePlan;
};
TORCH_MODULE(RemapNet);

// Sinusoidal encoding [L, C] of the position on the downsampled wavelength axis (pixel i of L, which
// on the model's fixed grid stands for one wavelength): channel pairs (2k, 2k+1) hold sin and cos of
// 2 pi i / T_k with periods T_k growing geometrically from 2 pixels to 4 L (k = 0 .. C/2 - 1); an odd
// last channel is 0. Deterministic, no parameters (the Python reference computes the same).
torch::Tensor wavelengthEncoding(int length, int width);

// [B, 2, E] photometric input for the branch's inputs (config.names()): channel 0 the normalized
// value (normalizePhotometry; 0 where missing), channel 1 = 1 where the entry is missing.
torch::Tensor makePhotometryInput(const std::vector<Photometry>& rows, const PhotometryBranchConfig& config);
// The fixed transform of one entry to the network's scale (docs/network.md "Photometric inputs"):
// magnitudes (m - 12) / 3 (Gaia G) or (m - 10) / 3 (2MASS), colour (c - 1) / 0.5, parallax
// asinh(p / 1 mas), parallax error asinh(e / 0.1 mas) / 2, E(B-V) (e - 0.1) / 0.3; clamped to +-8.
double normalizePhotometry(PhotometryEntry entry, double value);

// [B, 2, P] network input from flux and mask rows (row-major, B*P values each). Masked pixels get
// flux 1 (the continuum) whatever the flux array holds there.
torch::Tensor makeNetworkInput(const std::vector<float>& flux, const std::vector<float>& mask, int batch, int length);

// x itself, or for a batch of one on the CPU two copies of it (callers use row 0). LibTorch runs CPU
// convolutions of a single small input with its slow reference kernel (oneDNN is chosen only for
// batches > 1 or large inputs): one MARVELS spectrum takes ~20 ms through the default network, two
// take ~4 ms. Rows are independent in eval mode, so row 0 is the answer for x.
torch::Tensor padSingle(const torch::Tensor& x);

// Posterior mean of each head (softmax . centres): [B] per parameter, differentiable.
torch::Tensor posteriorMean(const torch::Tensor& logits, const std::vector<double>& centres);

}  // namespace remap
