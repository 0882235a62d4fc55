#pragma once

// A tiny untrained deep-REMAP bundle whose preprocessing puts 5050-5250 A (air) on a 256-pixel grid:
// the SDSS and IRAF fixtures cover it, so the whole read -> prepare -> predict -> saliency path runs in
// milliseconds. Optionally with a reference set whose first entry has exactly the embedding of
// `nearTo` (so it is the nearest neighbour of that spectrum) and is named `nearName`.

#include "base/Spectrum.h"
#include "ml/ModelBundle.h"
#include "ml/Predictor.h"
#include "prep/PreprocessSpec.h"

#include <string>

namespace remap::test {

inline ModelCard tinyCard()
{
    ModelCard card;
    card.name = "tiny-ui-test";
    card.network.inputLength = 256;
    card.network.stemWidth = 4;
    card.network.stageWidths = {4, 8};
    card.network.blocksPerStage = {1, 1};
    card.network.stageKernels = {5, 3};
    card.network.embeddingSize = 4;
    PreprocessSpec spec;
    spec.waveMin = 5050.0;
    spec.waveMax = 5250.0;
    spec.nPixels = 256;
    spec.resolvingPower = 1500.0;
    spec.correctRv = false;
    card.preprocess = spec.toJson();
    return card;
}

// Saves the tiny bundle to `path`; with a reference set when nearTo is given.
inline void saveTinyModel(const std::string& path, const Spectrum* nearTo = nullptr, const std::string& nearName = {},
                          const std::string& otherName = "missing/training-star-2.fits")
{
    ModelBundle bundle = ModelBundle::create(tinyCard(), 7);
    if (nearTo) {
        PredictorOptions cpu;
        cpu.device = "cpu";
        const Predictor same(bundle.clone(), cpu);
        const std::vector<float> e = same.predict(*nearTo).embedding;
        std::vector<float> other(e.size(), 0.0f);
        other[0] = 1.0f;
        ReferenceSet ref;
        ref.names = {nearName, otherName};
        ref.labels = {{5777.0, 4.44, 0.0}, {4500.0, 2.5, -1.0}};
        ref.embeddings = e;
        ref.embeddings.insert(ref.embeddings.end(), other.begin(), other.end());
        bundle.setReference(ref);
    }
    bundle.save(path);
}

}  // namespace remap::test
