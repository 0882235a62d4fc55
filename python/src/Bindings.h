#pragma once

// The remap_studio Python module: one bind function per bound area (errors, spectra, predictions,
// the model) and the few helpers they share. The bindings only convert; every computation is core's.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <vector>

namespace remap::python {

namespace py = pybind11;

void bindErrors(py::module_& m);
void bindSpectrum(py::module_& m);
void bindPrediction(py::module_& m);
void bindModel(py::module_& m);

// A read-only 1-D numpy view of `values`; `owner` (the Python object holding them) stays alive as
// the array's base. No copy: the arrays of a spectrum are as large as the file.
template <class T, class View = T>
py::array readOnlyView(const std::vector<T>& values, py::handle owner)
{
    static_assert(sizeof(T) == sizeof(View));
    py::array out(py::dtype::of<View>(), {static_cast<py::ssize_t>(values.size())},
                  {static_cast<py::ssize_t>(sizeof(T))}, reinterpret_cast<const View*>(values.data()), owner);
    out.attr("flags").attr("writeable") = false;
    return out;
}

// A numpy array that takes over `values` (no copy; freed with the array).
template <class T>
py::array_t<T> toNumpy(std::vector<T>&& values)
{
    auto* held = new std::vector<T>(std::move(values));
    py::capsule free(held, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>({static_cast<py::ssize_t>(held->size())}, {static_cast<py::ssize_t>(sizeof(T))}, held->data(),
                          free);
}

// JSON (model cards, the CLI's prediction form) as Python dicts, lists, floats, ints, str, None.
py::object toPython(const nlohmann::json& value);

}  // namespace remap::python
