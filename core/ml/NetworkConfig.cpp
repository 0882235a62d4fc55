#include "NetworkConfig.h"

#include "JsonRead.h"
#include "base/Error.h"
#include "base/Photometry.h"

#include <nlohmann/json.hpp>

namespace remap {
namespace {
int convLength(int length, int stride)
{
    return (length - 1) / stride + 1;
}  // odd kernel, "same" padding
}  // namespace

void NetworkConfig::validate() const
{
    auto fail = [](const std::string& what) { throw Error("invalid network configuration: " + what); };
    if (inputLength < 16) fail("inputLength must be at least 16");
    if (stemWidth < 1) fail("stemWidth must be positive");
    if (stemKernel < 1 || stemKernel % 2 == 0) fail("stemKernel must be odd and positive");
    if (stemStride < 1) fail("stemStride must be positive");
    if (stageWidths.empty()) fail("stageWidths is empty");
    if (blocksPerStage.size() != stageWidths.size() || stageKernels.size() != stageWidths.size())
        fail("stageWidths, blocksPerStage and stageKernels must have the same length");
    for (std::size_t s = 0; s < stageWidths.size(); ++s) {
        if (stageWidths[s] < 1) fail("stage widths must be positive");
        if (blocksPerStage[s] < 1) fail("every stage needs at least one block");
        if (stageKernels[s] < 1 || stageKernels[s] % 2 == 0) fail("stage kernels must be odd and positive");
    }
    if (embeddingSize < 1) fail("embeddingSize must be positive");
    if (!(dropout >= 0.0 && dropout < 1.0)) fail("dropout must lie in [0, 1)");
    if (featureLengths().back() < 1) fail("the input is too short for this many downsampling stages");
    if (attention.layers < 0) fail("attention.layers must be 0 (no attention) or positive");
    if (attention.layers > 0) {
        if (attention.heads < 1 || featureWidth() % attention.heads != 0)
            fail("attention.heads must divide the last stage width (" + std::to_string(featureWidth()) + ")");
        if (attention.ffMultiplier < 1) fail("attention.ff_multiplier must be positive");
        if (!(attention.dropout >= 0.0 && attention.dropout < 1.0)) fail("attention.dropout must lie in [0, 1)");
    }
    if (photometry.enabled) {
        if (photometry.width < 1) fail("photometry.width must be positive");
        const auto names = photometry.names();
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (!photometryEntry(names[i]))
                fail("photometry.inputs: unknown input '" + names[i] +
                     "' (expected names such as phot_g_mean_mag, "
                     "bp_rp, parallax, parallax_error, j_m, h_m, ks_m, ebv)");
            for (std::size_t k = 0; k < i; ++k)
                if (names[k] == names[i]) fail("photometry.inputs: '" + names[i] + "' is listed twice");
        }
    }
}

std::vector<std::string> PhotometryBranchConfig::names() const
{
    if (!inputs.empty()) return inputs;
    return std::vector<std::string>(kPhotometryNames.begin(), kPhotometryNames.end());
}

std::vector<int> NetworkConfig::featureLengths() const
{
    std::vector<int> out;
    int length = convLength(inputLength, stemStride);
    if (stemPool) length = convLength(length, 2);
    out.push_back(length);
    for (std::size_t s = 0; s < stageWidths.size(); ++s) {
        if (s > 0) length = convLength(length, 2);
        out.push_back(length);
    }
    return out;
}

void to_json(nlohmann::json& j, const NetworkConfig& c)
{
    j = nlohmann::json{
        {"input_length", c.inputLength},
        {"stem_width", c.stemWidth},
        {"stem_kernel", c.stemKernel},
        {"stem_stride", c.stemStride},
        {"stem_pool", c.stemPool},
        {"stage_widths", c.stageWidths},
        {"blocks_per_stage", c.blocksPerStage},
        {"stage_kernels", c.stageKernels},
        {"embedding_size", c.embeddingSize},
        {"dropout", c.dropout},
        {"attention",
         {{"layers", c.attention.layers},
          {"heads", c.attention.heads},
          {"ff_multiplier", c.attention.ffMultiplier},
          {"dropout", c.attention.dropout}}},
        {"photometry",
         {{"enabled", c.photometry.enabled}, {"width", c.photometry.width}, {"inputs", c.photometry.inputs}}}};
}

void from_json(const nlohmann::json& j, NetworkConfig& c)
{
    using ml_detail::requireKey;
    constexpr std::string_view where = "network configuration";
    NetworkConfig out;
    out.inputLength = requireKey<int>(j, "input_length", where);
    out.stemWidth = requireKey<int>(j, "stem_width", where);
    out.stemKernel = requireKey<int>(j, "stem_kernel", where);
    out.stemStride = requireKey<int>(j, "stem_stride", where);
    out.stemPool = requireKey<bool>(j, "stem_pool", where);
    out.stageWidths = requireKey<std::vector<int>>(j, "stage_widths", where);
    out.blocksPerStage = requireKey<std::vector<int>>(j, "blocks_per_stage", where);
    out.stageKernels = requireKey<std::vector<int>>(j, "stage_kernels", where);
    out.embeddingSize = requireKey<int>(j, "embedding_size", where);
    out.dropout = requireKey<double>(j, "dropout", where);
    const auto attention = requireKey<nlohmann::json>(j, "attention", where);
    constexpr std::string_view attentionWhere = "network configuration: attention";
    out.attention.layers = requireKey<int>(attention, "layers", attentionWhere);
    out.attention.heads = requireKey<int>(attention, "heads", attentionWhere);
    out.attention.ffMultiplier = requireKey<int>(attention, "ff_multiplier", attentionWhere);
    out.attention.dropout = requireKey<double>(attention, "dropout", attentionWhere);
    const auto photometry = requireKey<nlohmann::json>(j, "photometry", where);
    constexpr std::string_view photometryWhere = "network configuration: photometry";
    out.photometry.enabled = requireKey<bool>(photometry, "enabled", photometryWhere);
    out.photometry.width = requireKey<int>(photometry, "width", photometryWhere);
    out.photometry.inputs = requireKey<std::vector<std::string>>(photometry, "inputs", photometryWhere);
    out.validate();
    c = std::move(out);
}

nlohmann::json upgradeNetworkJson(nlohmann::json network, int formatVersion)
{
    if (formatVersion >= 2 || !network.is_object()) return network;
    // Format 1 cards describe the purely convolutional network: no attention, no photometry (spelled out
    // here, not taken from today's defaults, which may change).
    if (!network.contains("attention"))
        network["attention"] = {{"layers", 0}, {"heads", 4}, {"ff_multiplier", 2}, {"dropout", 0.1}};
    if (!network.contains("photometry"))
        network["photometry"] = {{"enabled", false}, {"width", 32}, {"inputs", nlohmann::json::array()}};
    return network;
}

}  // namespace remap
