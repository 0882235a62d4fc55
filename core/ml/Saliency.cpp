#include "Saliency.h"

#include "base/Error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>

namespace remap {

std::string_view saliencyMethodName(SaliencyMethod method)
{
    switch (method) {
        case SaliencyMethod::Gradient:
            return "grad";
        case SaliencyMethod::GradientTimesInput:
            return "gradxinput";
        case SaliencyMethod::SmoothGrad:
            return "smoothgrad";
        case SaliencyMethod::IntegratedGradients:
            return "ig";
    }
    return "?";
}

SaliencyMethod parseSaliencyMethod(std::string_view text)
{
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (auto m : {SaliencyMethod::Gradient, SaliencyMethod::GradientTimesInput, SaliencyMethod::SmoothGrad,
                   SaliencyMethod::IntegratedGradients})
        if (lower == saliencyMethodName(m)) return m;
    throw UsageError("unknown saliency method '" + std::string(text) +
                     "' (expected grad, gradxinput, smoothgrad or ig)");
}

namespace {

constexpr int64_t kChunk = 32;  // inputs per backward pass

// Gradients [M, P] of the posterior mean w.r.t. the flux channel of each row of xs [M, 2, P].
torch::Tensor fluxGradients(RemapNet& net, const torch::Tensor& xs, int param, const torch::Tensor& centres,
                            double temperature, const torch::Tensor& photometry)
{
    std::vector<torch::Tensor> parts;
    for (int64_t start = 0; start < xs.size(0); start += kChunk) {
        const auto count = std::min(kChunk, xs.size(0) - start);
        auto input = padSingle(xs.narrow(0, start, count)).detach().clone().set_requires_grad(true);
        const auto phot = photometry.defined() ? photometry.expand({input.size(0), 2, photometry.size(2)}) : photometry;
        const auto out = net->forward(input, phot);
        const auto mean = torch::softmax(out.logits[static_cast<std::size_t>(param)] / temperature, 1).matmul(centres);
        const auto grads = torch::autograd::grad({mean.sum()}, {input});
        parts.push_back(grads[0].select(1, 0).narrow(0, 0, count).detach());
    }
    return torch::cat(parts, 0);
}

}  // namespace

torch::Tensor computeSaliency(RemapNet& net, const torch::Tensor& x, int param, const std::vector<double>& centres,
                              SaliencyMethod method, const SaliencyOptions& o, double temperature,
                              const torch::Tensor& photometry)
{
    if (x.dim() != 3 || x.size(0) != 1 || x.size(1) != 2) throw Error("saliency: the input must be [1, 2, pixels]");
    if (param < 0 || param > 2) throw Error("saliency: parameter index must be 0, 1 or 2");
    torch::AutoGradMode enableGrad(true);
    const auto c = torch::tensor(centres, torch::kFloat64).to(x.options());
    const auto flux = x.select(1, 0).squeeze(0);  // [P]
    const int64_t pixels = x.size(2);
    switch (method) {
        case SaliencyMethod::Gradient:
            return fluxGradients(net, x, param, c, temperature, photometry)[0];
        case SaliencyMethod::GradientTimesInput:
            return fluxGradients(net, x, param, c, temperature, photometry)[0] * (flux - o.baseline);
        case SaliencyMethod::SmoothGrad: {
            const int n = std::max(1, o.smoothGradSamples);
            // Noise from a seeded std::mt19937_64: reproducible across torch versions and devices.
            std::mt19937_64 rng(o.seed);
            std::normal_distribution<float> normal(0.0f, static_cast<float>(o.smoothGradSigma));
            std::vector<float> noise(static_cast<std::size_t>(n * pixels));
            for (float& v : noise) v = normal(rng);
            auto xs = x.expand({n, 2, pixels}).clone();
            xs.select(1, 0).add_(torch::from_blob(noise.data(), {n, pixels}, torch::kFloat32).to(x.options()));
            return fluxGradients(net, xs, param, c, temperature, photometry).mean(0);
        }
        case SaliencyMethod::IntegratedGradients: {
            const int m = std::max(1, o.integratedGradientSteps);
            const auto alphas =
                (torch::arange(m, torch::TensorOptions().dtype(torch::kFloat64)) + 0.5).div(m).to(x.options());
            auto xs = x.expand({m, 2, pixels}).clone();
            xs.select(1, 0).copy_(o.baseline + alphas.unsqueeze(1) * (flux - o.baseline).unsqueeze(0));
            return fluxGradients(net, xs, param, c, temperature, photometry).mean(0) * (flux - o.baseline);
        }
    }
    throw Error("saliency: unknown method");
}

}  // namespace remap
