#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace remap {

// Architecture of the deep-REMAP network (see docs/network.md for the reasoning behind the defaults).
//
// Input [B, 2, inputLength]: channel 0 the continuum-normalized flux, channel 1 the mask (1 = pixel
// filled by preprocessing, not measured). The network subtracts the continuum (flux - 1) itself.
//   stem:   Conv1d(2 -> stemWidth, stemKernel, stride stemStride) + BN + ReLU [+ MaxPool(3, 2)]
//   stages: for each stage s, blocksPerStage[s] residual modules of width stageWidths[s] and kernel
//           stageKernels[s]. The first module of every stage after the first is "V2" (strided by 2,
//           1x1 projection shortcut with stride 2); the others are "V1" (identity shortcut). The first
//           stage also starts with a V2 module (stride 1) when its width differs from stemWidth.
//   head:   global average pooling -> features (last stage width) -> dropout ->
//           one linear classification head per parameter (bins from ParameterBins), and
//           linear -> L2 normalization = the embedding (embeddingSize).
struct NetworkConfig {
    int inputLength = 4096;
    int stemWidth = 16;
    int stemKernel = 7;
    int stemStride = 2;
    bool stemPool = true;
    std::vector<int> stageWidths{16, 32, 64, 128};
    std::vector<int> blocksPerStage{2, 2, 2, 2};
    std::vector<int> stageKernels{7, 5, 5, 3};
    int embeddingSize = 16;
    double dropout = 0.1;

    // Throws remap::Error naming the first inconsistent field (empty stages, even kernels, ...).
    void validate() const;
    // Length of the spectral axis after the stem and every stage (for documentation and tests).
    std::vector<int> featureLengths() const;
    int featureWidth() const { return stageWidths.empty() ? stemWidth : stageWidths.back(); }

    bool operator==(const NetworkConfig&) const = default;
};

void to_json(nlohmann::json& j, const NetworkConfig& config);
// Strict: every key must be present (a model card must say exactly what it holds); missing keys, wrong
// types or invalid values throw remap::Error. To read a partial user file, merge_patch it onto
// nlohmann::json(NetworkConfig{}) first.
void from_json(const nlohmann::json& j, NetworkConfig& config);

}  // namespace remap
