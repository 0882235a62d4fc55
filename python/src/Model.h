#pragma once

#include "Bindings.h"
#include "Prepared.h"
#include "base/Spectrum.h"
#include "ml/Predictor.h"

#include <string>

namespace remap::python {

// remap_studio.Model: one loaded bundle and the options it runs with.
struct Model {
    std::string path;
    PredictorOptions options;
    Predictor predictor;
};

// One thing to predict: a Spectrum, a Prepared input (pointers into Python objects the caller keeps
// alive) or a path to read.
struct Item {
    const Spectrum* spectrum = nullptr;
    const PreparedInput* prepared = nullptr;
    std::string path;
};

// Throws TypeError for anything else. Needs the GIL.
Item itemOf(py::handle object);
// Reads (a path) and prepares (a Spectrum) as `remap predict` does; a Prepared is copied. No GIL needed.
PreparedInput prepareItem(const Model& model, const Item& item);

}  // namespace remap::python
