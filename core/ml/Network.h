#pragma once

// The deep-REMAP network as LibTorch modules. This header includes torch: code that only runs
// predictions should use Predictor.h / ModelBundle.h instead, which keep torch out.

#include "ml/NetworkConfig.h"
#include "ml/ParameterBins.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <array>

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

struct NetworkOutput {
    std::array<torch::Tensor, 3> logits;  // [B, bins of Teff / log g / [Fe/H]]
    torch::Tensor embedding;              // [B, embeddingSize], unit L2 norm
    torch::Tensor features;               // [B, featureWidth] after global average pooling
};

// Parameter names (state-dict keys) are part of the bundle format and the Python export:
// stem.conv.weight, stem.bn.*, stages.<s>.<b>.{conv1,bn1,conv2,bn2,shortcut_conv,shortcut_bn}.*,
// embedding.{weight,bias}, head_teff.*, head_logg.*, head_feh.*.
class RemapNetImpl : public torch::nn::Module {
public:
    RemapNetImpl(const NetworkConfig& config, const std::array<int, 3>& binCounts);
    // x: [B, 2, inputLength] (flux, mask); returns logits and embedding.
    NetworkOutput forward(const torch::Tensor& x);

    const NetworkConfig& config() const { return config_; }
    const std::array<int, 3>& binCounts() const { return binCounts_; }

private:
    NetworkConfig config_;
    std::array<int, 3> binCounts_;
    torch::nn::Sequential stem_{nullptr};
    torch::nn::ModuleList stages_{nullptr};
    torch::nn::Dropout dropout_{nullptr};
    torch::nn::Linear embedding_{nullptr};
    std::array<torch::nn::Linear, 3> heads_{nullptr, nullptr, nullptr};
};
TORCH_MODULE(RemapNet);

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
