// remap::Predictor as remap_studio.Model: predict, predict_batch, prepare, saliency, neighbours.
#include "Model.h"

#include "Batch.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"
#include "ml/ModelLocator.h"
#include "ml/ParameterBins.h"
#include "ml/SaliencyOptions.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>

namespace remap::python {

namespace fs = std::filesystem;

Item itemOf(py::handle object)
{
    Item item;
    if (py::isinstance<Spectrum>(object)) {
        item.spectrum = &object.cast<const Spectrum&>();
    } else if (py::isinstance<PreparedInput>(object)) {
        item.prepared = &object.cast<const PreparedInput&>();
    } else if (py::isinstance<py::str>(object) || py::hasattr(object, "__fspath__")) {
        item.path = object.cast<fs::path>().string();
    } else {
        throw py::type_error("expected a remap_studio.Spectrum, a remap_studio.Prepared or a path, got " +
                             py::str(py::type::of(object)).cast<std::string>());
    }
    return item;
}

PreparedInput prepareItem(const Model& model, const Item& item)
{
    if (item.prepared) return *item.prepared;
    PreparedInput out;
    if (item.spectrum) {
        const Spectrum& s = *item.spectrum;
        out.source = s.provenance.file.empty() ? s.objectName : s.provenance.file;
        out.spectrum = model.predictor.prepare(s);
    } else {
        out.source = item.path;
        out.spectrum = model.predictor.prepare(readSpectrum(item.path));
    }
    out.grid = model.predictor.grid();
    return out;
}

namespace {

// The shipped model beside an installed module: PREFIX/lib/python3/dist-packages/remap_studio/ ->
// PREFIX/share/remap-studio/models/ (ModelLocator knows the places beside the program, which for
// Python is the interpreter, not us).
std::optional<std::string> shippedModelBesideModule()
{
    const fs::path module = py::module_::import("remap_studio._core").attr("__file__").cast<fs::path>();
    const fs::path candidate = module.parent_path() / "../../../../share/remap-studio/models" / kShippedModelName;
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return fs::weakly_canonical(candidate, ec).string();
    return std::nullopt;
}

bool envSet(const char* name)
{
    const char* value = std::getenv(name);
    return value && *value;
}

std::string resolveModel(const std::optional<fs::path>& given)
{
    if (given) return given->string();
    if (!envSet("REMAP_MODEL") && !envSet("REMAP_NO_SHIPPED_MODEL"))
        if (auto beside = shippedModelBesideModule()) return *beside;
    try {
        return locateModel();
    } catch (const UsageError&) {
        throw UsageError("no model: give remap_studio.Model(path) or set REMAP_MODEL (the shipped model " +
                         std::string(kShippedModelName) + " was not found beside the module or the program)");
    }
}

std::unique_ptr<Model> loadModel(const std::optional<fs::path>& path, const std::string& device, int threads,
                                 int batchSize)
{
    if (batchSize < 1) throw py::value_error("batch_size must be at least 1");
    if (threads < 0) throw py::value_error("threads must be 0 (all) or positive");
    PredictorOptions options;
    options.device = device;
    options.threads = threads;
    options.batchSize = batchSize;
    const std::string file = resolveModel(path);
    py::gil_scoped_release release;
    return std::make_unique<Model>(Model{file, options, Predictor(file, options)});
}

// Forwards progress to a Python callable (called with the GIL, from whichever thread reports, with
// monotonically increasing counts) and turns Ctrl-C or an exception raised by the callable into a
// cancellation; rethrowFailure() re-raises it in the calling thread.
class PythonProgress final : public ProgressObserver {
public:
    explicit PythonProgress(py::object callback) : callback_(std::move(callback)) {}

    void onProgress(std::size_t done, std::size_t total, std::string_view) override
    {
        if (failed_) return;
        py::gil_scoped_acquire gil;
        try {
            if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // no-op outside the main thread
            if (callback_.is_none() || (reported_ && done <= last_)) return;
            reported_ = true;
            last_ = done;
            callback_(done, total);
        } catch (...) {
            if (!failure_) failure_ = std::current_exception();
            failed_ = true;
        }
    }
    bool cancelRequested() const override { return failed_; }
    // Call with the GIL.
    void rethrowFailure()
    {
        if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
    }

private:
    py::object callback_;
    std::atomic<bool> failed_{false};
    // Touched with the GIL held only.
    bool reported_ = false;
    std::size_t last_ = 0;
    std::exception_ptr failure_;
};

// How a failed item is named in a warning: the path or the spectrum's source.
std::string nameOf(const Item& item, std::size_t index)
{
    if (item.prepared) return item.prepared->source;
    if (item.spectrum)
        return !item.spectrum->provenance.file.empty() ? item.spectrum->provenance.file : item.spectrum->objectName;
    return item.path.empty() ? "item " + std::to_string(index) : item.path;
}

py::list predictBatch(const Model& model, const py::iterable& items, const py::object& progress,
                      const std::string& onError)
{
    if (onError != "raise" && onError != "skip")
        throw py::value_error("on_error must be 'raise' or 'skip', not '" + onError + "'");
    if (!progress.is_none() && !PyCallable_Check(progress.ptr()))
        throw py::type_error("progress must be a callable progress(done, total) or None");
    const py::list held(items);  // keeps the objects behind the pointers alive
    std::vector<Item> inputs;
    for (const auto& item : held) inputs.push_back(itemOf(item));

    PythonProgress observer(progress);
    BatchResult result;
    try {
        py::gil_scoped_release release;
        result = predictItems(model, inputs, observer, onError == "raise");
    } catch (const Cancelled&) {
        observer.rethrowFailure();
        throw;
    }
    observer.rethrowFailure();
    py::list out;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (result.failures[i]) {
            if (onError == "raise") std::rethrow_exception(result.failures[i]);
            try {
                std::rethrow_exception(result.failures[i]);
            } catch (const Error& e) {
                const std::string message = "skipped " + nameOf(inputs[i], i) + ": " + e.what();
                if (PyErr_WarnEx(py::module_::import("remap_studio._core").attr("RemapWarning").ptr(), message.c_str(),
                                 1) != 0)
                    throw py::error_already_set();
            }
            out.append(py::none());
        } else {
            out.append(py::cast(std::move(*result.predictions[i])));
        }
    }
    return out;
}

SaliencyOptions saliencyOptions(int samples, double sigma, int steps, std::uint64_t seed)
{
    if (samples < 1 || steps < 1) throw py::value_error("samples and steps must be at least 1");
    if (!(sigma >= 0)) throw py::value_error("sigma must be >= 0");
    SaliencyOptions o;
    o.smoothGradSamples = samples;
    o.smoothGradSigma = sigma;
    o.integratedGradientSteps = steps;
    o.seed = seed;
    return o;
}

}  // namespace

void bindModel(py::module_& m)
{
    py::class_<Model>(m, "Model", R"doc(
A trained deep-REMAP model (a .remap bundle) loaded once for any number of predictions, the C++
remap::Predictor that `remap predict` uses: the same preprocessing chain and network, the same numbers.

    m = rs.Model()                       # the shipped model, or $REMAP_MODEL
    m = rs.Model("my.remap", device="cpu")
    r = m.predict(rs.read("star.fits"))  # or m.predict("star.fits")
    print(r.teff.median, r.teff.hdi68, r.flags)

All methods release the GIL while they read, prepare or run the network; one Model may be used from
several threads at once.)doc")
        .def(py::init(&loadModel), py::arg("path") = py::none(), py::kw_only(), py::arg("device") = "auto",
             py::arg("threads") = 0, py::arg("batch_size") = 64, R"doc(
Loads a model bundle. path: a .remap file; None takes $REMAP_MODEL, else the shipped model (installed
beside the module or the remap program; REMAP_NO_SHIPPED_MODEL=1 forbids that fallback).
device: "auto" (CUDA when available), "cpu" or "cuda" (RemapError without CUDA).
threads: threads for reading and preprocessing in predict_batch and for torch's intra-op pool (a
process-wide torch setting, changed only when > 0); 0 = all cores and torch's default.
batch_size: spectra per network pass in predict_batch.
Raises RemapError naming the file for a missing, damaged or incompatible bundle.)doc")
        .def_readonly("path", &Model::path, "The bundle file this model was loaded from.")
        .def_property_readonly(
            "name", [](const Model& model) { return model.predictor.bundle().card().name; }, "The model card's name.")
        .def_property_readonly(
            "description", [](const Model& model) { return model.predictor.bundle().card().description; },
            "The model card's description.")
        .def_property_readonly(
            "card", [](const Model& model) { return toPython(nlohmann::json(model.predictor.bundle().card())); },
            "The model card as a dict: network, bins, preprocess, training, metrics, temperature.")
        .def_property_readonly(
            "device", [](const Model& model) { return model.predictor.deviceName(); },
            "The device the network runs on: 'cpu' or 'cuda'.")
        .def_property_readonly(
            "grid", [](py::object self) { return readOnlyView(self.cast<const Model&>().predictor.grid(), self); },
            "Wavelengths of the network input pixels in Angstrom (float64), read-only; saliency maps lie on it.")
        .def_property_readonly(
            "batch_size", [](const Model& model) { return model.options.batchSize; }, "Spectra per network pass.")
        .def(
            "predict",
            [](const Model& model, const py::object& item) {
                const Item input = itemOf(item);
                py::gil_scoped_release release;
                PreparedInput prepared = prepareItem(model, input);
                return std::move(
                    model.predictor.predictPrepared({std::move(prepared.spectrum)}, {prepared.source}).front());
            },
            py::arg("spectrum"), R"doc(
Predicts Teff, log g and [Fe/H] for one spectrum: a Spectrum, a Prepared input or a path (read as
`remap predict PATH` reads it; the prediction's source is the path as given).

Returns a Prediction (posteriors r.teff/r.logg/r.feh with bin_centres, probabilities, mean, std,
mode, median, hdi68, hdi95; flags; snr; rv; masked_fraction; embedding). r.to_dict() equals the
object `remap predict --json PATH` prints. Raises RemapError for a file that cannot be read or a
spectrum that cannot be prepared (no overlap with the model grid, too few usable pixels).)doc")
        .def("predict_batch", &predictBatch, py::arg("spectra"), py::kw_only(), py::arg("progress") = py::none(),
             py::arg("on_error") = "raise", R"doc(
Predicts for many spectra: an iterable of Spectrum, Prepared and paths (mixed is fine). Items are read
and prepared in parallel, batch_size at a time, and the network runs on each batch: the same chunks and
numbers as `remap predict FILE...` with the same --batch.

progress: None or a callable progress(done, total), called from worker threads with the GIL held as
items finish (counts only increase). Raise from it to stop: the exception propagates. Ctrl-C
(KeyboardInterrupt) stops too.
on_error: "raise" (default) raises the RemapError of the first item that cannot be read or prepared;
"skip" puts None in its place and issues a remap_studio.RemapWarning naming it.

Returns a list of Prediction (or None), one per item, in order.)doc")
        .def(
            "prepare",
            [](const Model& model, const py::object& item) {
                const Item input = itemOf(item);
                py::gil_scoped_release release;
                return prepareItem(model, input);
            },
            py::arg("spectrum"), R"doc(
The network input for a Spectrum or a path: the model's preprocessing chain (air/vacuum, radial
velocity, resolution, resampling onto the model grid, continuum normalization, masking). Returns a
Prepared (wavelength, flux, ivar, mask, snr, rv, rv_error, warnings) that predict and saliency accept.)doc")
        .def(
            "saliency",
            [](const Model& model, const py::object& item, const std::string& param, const std::string& method,
               int samples, double sigma, int steps, std::uint64_t seed) {
                const Param p = parseParam(param);
                const SaliencyMethod how = parseSaliencyMethod(method);
                const SaliencyOptions options = saliencyOptions(samples, sigma, steps, seed);
                const Item input = itemOf(item);
                std::vector<float> map;
                {
                    py::gil_scoped_release release;
                    const PreparedInput prepared = prepareItem(model, input);
                    map = model.predictor.saliencyPrepared(prepared.spectrum, p, how, options);
                }
                return toNumpy(std::move(map));
            },
            py::arg("spectrum"), py::arg("param") = "teff", py::arg("method") = "ig", py::kw_only(),
            py::arg("samples") = 32, py::arg("sigma") = 0.01, py::arg("steps") = 32, py::arg("seed") = 1, R"doc(
Which pixels drive a prediction: the attribution of one parameter's posterior mean to each pixel of
the model grid (Model.grid), as `remap saliency` writes it. float32 array, one value per grid pixel.

param: "teff", "logg" or "feh". method: "grad" (gradient), "gradxinput" (gradient x (flux - 1)),
"smoothgrad" (gradient averaged over `samples` noisy copies, noise `sigma` in normalized flux, seeded
by `seed`) or "ig" (integrated gradients from the continuum in `steps` steps; default).
Raises UsageError for an unknown param or method.)doc")
        .def(
            "neighbours",
            [](const Model& model, const Prediction& prediction, int k) {
                if (k < 0) throw py::value_error("k must be >= 0");
                py::list out;
                for (const auto& nb : model.predictor.nearestNeighbours(prediction, k)) {
                    py::dict d;
                    d["name"] = nb.name;
                    d["teff"] = nb.labels[0];
                    d["logg"] = nb.labels[1];
                    d["feh"] = nb.labels[2];
                    d["distance"] = nb.distance;
                    out.append(d);
                }
                return out;
            },
            py::arg("prediction"), py::arg("k") = 5, R"doc(
The k training spectra stored with the model nearest to a prediction's embedding (cosine distance,
0 = same direction, 2 = opposite), closest first: a list of {'name', 'teff', 'logg', 'feh', 'distance'}
(the keys of `remap predict --neighbours K --json`). [] when the model holds no reference set.)doc")
        .def("__repr__", [](const Model& model) {
            return "<remap_studio.Model '" + model.predictor.bundle().card().name + "' from " + model.path + " on " +
                   model.predictor.deviceName() + ">";
        });

    m.def("cuda_available", &cudaAvailable, "True when this build of LibTorch can use a CUDA device now.");
}

}  // namespace remap::python
