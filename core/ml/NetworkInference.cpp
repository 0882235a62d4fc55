#include "NetworkInference.h"

#include "base/Error.h"

#include <torch/torch.h>

namespace remap {
namespace {

// conv (no bias) followed by an eval-mode batch norm, as one convolution with a bias.
std::pair<torch::Tensor, torch::Tensor> fold(const torch::nn::Conv1dImpl& conv, const torch::nn::BatchNorm1dImpl& bn)
{
    const auto scale = bn.weight / torch::sqrt(bn.running_var + bn.options.eps());
    auto weight = conv.weight * scale.view({-1, 1, 1});
    auto bias = bn.bias - bn.running_mean * scale;
    if (conv.bias.defined()) bias = bias + conv.bias * scale;
    return {weight.contiguous(), bias.contiguous()};
}

}  // namespace

std::string_view inferencePrecisionName(InferencePrecision precision)
{
    return precision == InferencePrecision::BFloat16 ? "bf16" : "fp32";
}

bool cpuHasNativeBf16()
{
#if defined(__x86_64__) && defined(__GNUC__) && (__GNUC__ >= 11 || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16");
#else
    return false;
#endif
}

InferencePrecision chooseInferencePrecision(const std::string& name)
{
    if (name == "fp32" || name == "auto" || name.empty()) return InferencePrecision::Float32;
    if (name == "bf16") return InferencePrecision::BFloat16;
    throw UsageError("unknown precision '" + name + "' (expected auto, fp32 or bf16)");
}

InferencePlan::InferencePlan(RemapNet net, torch::Device device, InferencePrecision precision)
    : net_(std::move(net)),
      precision_(precision),
      dtype_(precision == InferencePrecision::BFloat16 ? torch::kBFloat16 : torch::kFloat32)
{
    if (net_->is_training()) throw Error("InferencePlan: the network must be in eval mode");
    torch::NoGradGuard noGrad;
    auto make = [&](const torch::nn::Conv1dImpl& c, const torch::nn::BatchNorm1dImpl& bn) {
        auto [w, b] = fold(c, bn);
        Conv out;
        out.weight = w.to(device, dtype_);
        out.bias = b.to(device, dtype_);
        out.stride = c.options.stride()->at(0);
        out.padding = c.weight.size(2) / 2;  // every convolution of the network pads "same" (odd kernels)
        return out;
    };
    const auto& stem = *net_->stem_;
    stem_ = make(*stem[0]->as<torch::nn::Conv1dImpl>(), *stem[1]->as<torch::nn::BatchNorm1dImpl>());
    pool_ = stem.size() > 3;
    for (const auto& stage : *net_->stages_) {
        for (const auto& module : *stage->as<torch::nn::ModuleListImpl>()) {
            const auto& children = module->named_children();
            auto conv = [&](const char* name) { return children[name]->as<torch::nn::Conv1dImpl>(); };
            auto bn = [&](const char* name) { return children[name]->as<torch::nn::BatchNorm1dImpl>(); };
            Block block{make(*conv("conv1"), *bn("bn1")), make(*conv("conv2"), *bn("bn2")), std::nullopt};
            if (children.contains("shortcut_conv")) block.shortcut = make(*conv("shortcut_conv"), *bn("shortcut_bn"));
            blocks_.push_back(std::move(block));
        }
    }
}

torch::Tensor InferencePlan::conv(const torch::Tensor& x, const Conv& c) const
{
    // bf16: the convolution's inputs and weights in bf16 (float32 accumulation inside the kernel), its
    // output back in float32, so that the residual stream is never rounded to 8 bits (rounding it
    // tripled the error on the shipped model).
    if (dtype_ != torch::kFloat32)
        return torch::conv1d(x.to(dtype_), c.weight, c.bias, c.stride, c.padding).to(torch::kFloat32);
    return torch::conv1d(x, c.weight, c.bias, c.stride, c.padding);
}

NetworkOutput InferencePlan::forward(const torch::Tensor& x, const torch::Tensor& photometry, bool keepAttention) const
{
    const int length = net_->config().inputLength;
    if (x.dim() != 3 || x.size(1) != 2 || x.size(2) != length)
        throw Error("network input must have shape [batch, 2, " + std::to_string(length) + "]");
    auto h = torch::cat({x.narrow(1, 0, 1) - 1.0, x.narrow(1, 1, 1)}, 1);
    h = torch::relu(conv(h, stem_));
    if (pool_) h = torch::max_pool1d(h, 3, 2, 1);
    for (const auto& b : blocks_) {
        auto y = torch::relu(conv(h, b.conv1));
        y = conv(y, b.conv2);
        h = torch::relu(y + (b.shortcut ? conv(h, *b.shortcut) : h));
    }
    return net_->head(h, photometry, keepAttention);
}

}  // namespace remap
