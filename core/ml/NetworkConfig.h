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
//   attention (optional, attention.layers > 0): the last stage's map as a sequence over the
//           downsampled wavelength axis plus a sinusoidal encoding of the position on that axis, then
//           pre-norm residual blocks (multi-head self-attention, feed-forward), a final layer norm.
//   head:   global average pooling -> features (last stage width) -> [photometric fusion] -> dropout ->
//           one linear classification head per parameter (bins from ParameterBins), and
//           linear -> L2 normalization = the embedding (embeddingSize, from the spectral features only).
//   photometry (optional): magnitudes, colour, parallax and extinction with a per-entry "missing"
//           mask, embedded by a small MLP and fused with the spectral features by a residual MLP.

// The self-attention stage after the convolutional stages. Its width is the last stage's width.
struct AttentionConfig {
    int layers = 0;        // residual attention blocks; 0 = no attention stage
    int heads = 4;         // must divide the last stage's width
    int ffMultiplier = 2;  // the feed-forward layer is ffMultiplier x width wide
    double dropout = 0.1;  // on the residual branches during training
    bool operator==(const AttentionConfig&) const = default;
};

// The photometric branch (inputs by the ecosystem's column names, base/Photometry.h).
struct PhotometryBranchConfig {
    bool enabled = false;
    int width = 32;                   // embedding width of the photometric input
    std::vector<std::string> inputs;  // empty = every name of kPhotometryNames, in that order
    // The inputs the network reads, in order (inputs, or all names when inputs is empty).
    std::vector<std::string> names() const;
    bool operator==(const PhotometryBranchConfig&) const = default;
};

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
    AttentionConfig attention;
    PhotometryBranchConfig photometry;

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

// The "network" object of a model card written in bundle format `formatVersion`, completed with the
// keys that version did not have, at the meaning they had then: format 1 (before attention and
// photometry) = no attention stage, no photometric branch. Newer formats are returned unchanged
// (every key is required there).
nlohmann::json upgradeNetworkJson(nlohmann::json network, int formatVersion);

}  // namespace remap
