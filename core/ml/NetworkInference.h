#pragma once

// The network prepared for inference only: batch norm folded into the convolutions, and on request the
// convolutions of the trunk in bfloat16 (the residual stream between them stays float32). Attention,
// fusion and heads run in float32 through the RemapNet itself (RemapNetImpl::head), so the plan
// replaces only the trunk. Includes torch.
//
// bf16 is not the default: on the shipped model it moves posterior means by up to ~0.7 of a bin width
// (tests/ml/test_ml_inference.cpp; the target was 1 %), because every rounding of the activations to
// 8 bits of mantissa reaches the sharp trained posteriors. float32 with folded batch norm stays within
// 1e-5 of a bin. docs/network.md "Inference" has the figures.

#include "ml/Network.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remap {

enum class InferencePrecision { Float32, BFloat16 };
std::string_view inferencePrecisionName(InferencePrecision precision);  // "fp32" | "bf16"

// True when this CPU has native bfloat16 dot products (AVX512_BF16); without them bf16 is emulated
// and slower than float32.
bool cpuHasNativeBf16();
// "fp32", "bf16" or "auto" (= fp32, the precision that keeps posterior means within 1 % of a bin);
// throws remap::UsageError for anything else.
InferencePrecision chooseInferencePrecision(const std::string& name);

class InferencePlan {
public:
    // Folds the network's (eval-mode) batch norms into copies of its convolution weights on `device`.
    // The plan reads the weights at construction: rebuild it after the network changes.
    InferencePlan(RemapNet net, torch::Device device, InferencePrecision precision);
    // Equal to net->forward(x, photometry, keepAttention) in eval mode, up to the rounding of the
    // folded weights (float32: ~1e-6 relative) or of bfloat16 (docs/network.md "Inference"). Call
    // under InferenceMode or NoGradGuard.
    NetworkOutput forward(const torch::Tensor& x, const torch::Tensor& photometry = {},
                          bool keepAttention = false) const;
    InferencePrecision precision() const { return precision_; }

private:
    struct Conv {
        torch::Tensor weight, bias;  // folded, dense, in the trunk's dtype
        int64_t stride = 1, padding = 0;
    };
    struct Block {
        Conv conv1, conv2;
        std::optional<Conv> shortcut;
    };
    torch::Tensor conv(const torch::Tensor& x, const Conv& c) const;

    mutable RemapNet net_;  // head() is not const in LibTorch's module API
    InferencePrecision precision_;
    torch::ScalarType dtype_;
    Conv stem_;
    bool pool_ = false;
    std::vector<Block> blocks_;
};

}  // namespace remap
