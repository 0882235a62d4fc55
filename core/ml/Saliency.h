#pragma once

// Saliency maps on the torch side (the Predictor wraps these for spectra).

#include "ml/Network.h"
#include "ml/SaliencyOptions.h"

#include <vector>

namespace remap {

// Attribution [P] of the posterior mean of head `param` (0 Teff, 1 log g, 2 [Fe/H]; bin centres
// `centres`) to the flux channel of one input x [1, 2, P]. The network must be in eval mode; the
// call enables autograd for itself (safe inside InferenceMode-free threads) and never touches the
// parameters' .grad, so several threads may compute saliency on one network at once. photometry: the
// star's photometric input [1, 2, E] for a network with a photometric branch (held fixed), or undefined.
torch::Tensor computeSaliency(RemapNet& net, const torch::Tensor& x, int param, const std::vector<double>& centres,
                              SaliencyMethod method, const SaliencyOptions& options = {}, double temperature = 1.0,
                              const torch::Tensor& photometry = {});

}  // namespace remap
