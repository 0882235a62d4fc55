// PYBIND11_MODULE: the compiled part of remap_studio (remap_studio/__init__.py re-exports it).
#include "Bindings.h"

#include <nlohmann/json.hpp>

namespace remap::python {

py::object toPython(const nlohmann::json& value)
{
    using Type = nlohmann::json::value_t;
    switch (value.type()) {
        case Type::null:
        case Type::discarded:
            return py::none();
        case Type::boolean:
            return py::bool_(value.get<bool>());
        case Type::number_integer:
            return py::int_(value.get<std::int64_t>());
        case Type::number_unsigned:
            return py::int_(value.get<std::uint64_t>());
        case Type::number_float:
            return py::float_(value.get<double>());
        case Type::string:
            return py::str(value.get_ref<const std::string&>());
        case Type::array: {
            py::list out;
            for (const auto& item : value) out.append(toPython(item));
            return out;
        }
        case Type::object: {
            py::dict out;
            for (const auto& [key, item] : value.items()) out[py::str(key)] = toPython(item);
            return out;
        }
        case Type::binary:
            break;
    }
    return py::none();
}

}  // namespace remap::python

PYBIND11_MODULE(_core, m)
{
    using namespace remap::python;
    m.doc() =
        "REMAP Studio's core for Python: read spectra (remap_studio.read) and predict Teff, log g and [Fe/H] "
        "with posteriors and saliency maps (remap_studio.Model), on the same C++ code as the remap command line.";
    m.attr("__version__") = REMAP_VERSION;
    // Types and signatures are named after the package users import ("remap_studio.Model" in help()).
    const py::object name = m.attr("__name__");
    m.attr("__name__") = "remap_studio";
    bindErrors(m);
    bindSpectrum(m);
    bindPrediction(m);
    bindModel(m);
    m.attr("__name__") = name;
}
