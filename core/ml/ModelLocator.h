#pragma once

#include <string>
#include <vector>

namespace remap {

// File name of the shipped model (models/ in the source tree, PREFIX/share/remap-studio/models/).
inline constexpr const char* kShippedModelName = "deep-remap.remap";

// Where the shipped model may be, in search order: PREFIX/share/remap-studio/models/ and
// ../models/ beside the running program, then the source tree's models/ (developer builds).
std::vector<std::string> shippedModelCandidates();

// The model to use: `given` when not empty, else $REMAP_MODEL, else the first existing shipped
// model (skipped when $REMAP_NO_SHIPPED_MODEL is set). Throws remap::UsageError saying how to choose one when there is
// none.
std::string locateModel(const std::string& given = {});

// Folders with demo spectra, in search order (installed share/remap-studio/demo-survey and demo,
// the build's demo survey, the source tree's resources/demo); only existing ones.
std::vector<std::string> demoDataFolders();

}  // namespace remap
