#include "NetworkConfig.h"

#include "JsonRead.h"
#include "base/Error.h"

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
    j = nlohmann::json{{"input_length", c.inputLength},
                       {"stem_width", c.stemWidth},
                       {"stem_kernel", c.stemKernel},
                       {"stem_stride", c.stemStride},
                       {"stem_pool", c.stemPool},
                       {"stage_widths", c.stageWidths},
                       {"blocks_per_stage", c.blocksPerStage},
                       {"stage_kernels", c.stageKernels},
                       {"embedding_size", c.embeddingSize},
                       {"dropout", c.dropout}};
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
    out.validate();
    c = std::move(out);
}

}  // namespace remap
