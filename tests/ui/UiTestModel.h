#pragma once

// A tiny untrained deep-REMAP bundle on the MARVELS-like grid (5000-5700 A air, 4096 pixels, R 11000),
// the grid of the demo spectra and of the teaching mode's instrument. Fast to load and run.
#include "ml/ModelBundle.h"
#include "prep/PreprocessSpec.h"

#include <string>

namespace remap::test {

inline ModelCard tinyMarvelsCard()
{
    ModelCard card;
    card.name = "tiny-marvels-ui-test";
    card.network.stemWidth = 8;
    card.network.stageWidths = {8, 16, 32};
    card.network.blocksPerStage = {1, 1, 1};
    card.network.stageKernels = {7, 5, 3};
    card.network.embeddingSize = 8;
    card.preprocess = PreprocessSpec{}.toJson();
    return card;
}

// Writes the bundle to `path` and returns the path.
inline std::string writeTinyModel(const std::string& path, std::uint64_t seed = 7)
{
    ModelBundle::create(tinyMarvelsCard(), seed).save(path);
    return path;
}

}  // namespace remap::test
