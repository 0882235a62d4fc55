// remap::Error -> remap_studio.RemapError (a RuntimeError) with the file and HDU it names.
#include "Bindings.h"
#include "base/Error.h"

#include <exception>

namespace remap::python {
namespace {

// Module-lifetime handles: the module holds the types; a py::object here would be released after
// the interpreter is gone.
py::handle remapErrorType;
py::handle usageErrorType;

void raise(py::handle type, const Error& e)
{
    py::object error = type(e.what());
    error.attr("problem") = e.problem();
    error.attr("file") = e.file().empty() ? py::object(py::none()) : py::object(py::str(e.file()));
    error.attr("hdu") = e.hdu() < 0 ? py::object(py::none()) : py::object(py::int_(e.hdu()));
    PyErr_SetObject(type.ptr(), error.ptr());
}

}  // namespace

void bindErrors(py::module_& m)
{
    remapErrorType = py::exception<Error>(m, "RemapError", PyExc_RuntimeError).release();
    remapErrorType.attr("__doc__") =
        "A spectrum, model or option REMAP Studio cannot work with. str(error) is a complete sentence naming the "
        "file, the HDU and the problem; the parts are in .file (or None), .hdu (0-based, or None) and .problem.";
    for (const char* name : {"file", "hdu", "problem"}) remapErrorType.attr(name) = py::none();

    usageErrorType = py::exception<UsageError>(m, "UsageError", remapErrorType.ptr()).release();
    usageErrorType.attr("__doc__") = "A RemapError for an invalid choice: an unknown method, parameter or device.";

    py::object warning = py::reinterpret_steal<py::object>(PyErr_NewExceptionWithDoc(
        "remap_studio.RemapWarning",
        "A spectrum predict_batch(..., on_error='skip') left out, with the reason (a UserWarning).", PyExc_UserWarning,
        nullptr));
    if (!warning) throw py::error_already_set();
    m.add_object("RemapWarning", warning);

    py::register_exception_translator([](std::exception_ptr thrown) {
        try {
            if (thrown) std::rethrow_exception(thrown);
        } catch (const UsageError& e) {
            raise(usageErrorType, e);
        } catch (const Error& e) {
            raise(remapErrorType, e);
        }
    });
}

}  // namespace remap::python
