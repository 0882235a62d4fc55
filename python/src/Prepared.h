#pragma once

#include "prep/Preprocessor.h"

#include <string>
#include <vector>

namespace remap::python {

// remap_studio.Prepared: the network input of one spectrum, with the name its prediction is reported
// under and the model grid it lies on (a copy: it outlives the Model).
struct PreparedInput {
    PreparedSpectrum spectrum;
    std::string source;
    std::vector<double> grid;
};

}  // namespace remap::python
