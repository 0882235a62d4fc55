#pragma once

// Torch-side access to a ModelBundle's network (training code, the predictor, tests).

#include "ml/ModelBundle.h"
#include "ml/Network.h"

#include <optional>
#include <string>

namespace remap {

struct ModelBundle::Impl {
    ModelCard card;
    ReferenceSet reference;
    std::optional<Spectrum> rvTemplate;
    RemapNet network{nullptr};
    std::string sourcePath;
};

inline RemapNet& bundleNetwork(ModelBundle& bundle)
{
    return bundle.impl().network;
}
inline const RemapNet& bundleNetwork(const ModelBundle& bundle)
{
    return bundle.impl().network;
}

}  // namespace remap
