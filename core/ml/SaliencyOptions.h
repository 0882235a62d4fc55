#pragma once

#include <cstdint>
#include <string_view>

namespace remap {

// Which pixels drive a parameter: attributions of the posterior mean of one head to the input flux.
//   Gradient            d mean / d flux_i
//   GradientTimesInput  d mean / d flux_i * (flux_i - baseline)   (baseline = continuum 1)
//   SmoothGrad          gradient averaged over copies with Gaussian noise added to the flux (Smilkov 2017)
//   IntegratedGradients (flux_i - baseline) * mean over alpha of the gradient at baseline + alpha (flux - baseline)
//                       (Sundararajan 2017; midpoint rule; attributions sum to f(flux) - f(baseline))
enum class SaliencyMethod { Gradient, GradientTimesInput, SmoothGrad, IntegratedGradients };

// "grad", "gradxinput", "smoothgrad", "ig".
std::string_view saliencyMethodName(SaliencyMethod method);
// Parses the names above; throws remap::UsageError otherwise.
SaliencyMethod parseSaliencyMethod(std::string_view text);

struct SaliencyOptions {
    int smoothGradSamples = 32;
    // In normalized flux: about the noise of a spectrum at S/N 100. Much more noise than the training
    // spectra had takes the network off its input distribution and blurs the map.
    double smoothGradSigma = 0.01;
    std::uint64_t seed = 1;  // SmoothGrad noise is reproducible
    int integratedGradientSteps = 32;
    double baseline = 1.0;  // the featureless continuum
};

}  // namespace remap
