// `remap predict` and `remap saliency`: the deep-REMAP network on spectrum files.
#include "Commands.h"
#include "base/AtomicFile.h"
#include "base/Error.h"
#include "data/DatasetBuilder.h"
#include "io/SpectrumReader.h"
#include "ml/ModelLocator.h"
#include "ml/PredictionWriter.h"
#include "ml/Predictor.h"
#include "ml/Sharding.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>

namespace remap::cli {
namespace {

namespace fs = std::filesystem;

std::string resolveModel(const std::string& given)
{
    return locateModel(given);
}

struct PredictOptions {
    std::vector<std::string> files;
    std::string catalog;
    std::string model;
    std::string device = "auto";
    std::string out;
    int threads = 0;
    int batch = 64;
    int neighbours = 0;
    bool json = false;
    bool histograms = false;
    bool quiet = false;
    std::string shard;  // "K/N": predict block K of N of the inputs into OUT's shard file (ml/Sharding.h)
    std::string precision = "auto";
};

struct Input {
    std::string path;
    std::string name;  // as the user or the catalog wrote it
    ReferenceLabels reference{NAN, NAN, NAN};
};

std::string plusMinus(const ParameterPosterior& p, const char* format)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, p.median, p.median - p.p16, p.p84 - p.median);
    return buf;
}

void printTable(const std::vector<Prediction>& predictions)
{
    std::printf("%-32s %-18s %-16s %-17s %s\n", "file", "Teff [K]", "log g", "[Fe/H]", "flags");
    for (const auto& p : predictions) {
        std::string flags;
        for (const auto& f : p.flags) flags += (flags.empty() ? "" : ", ") + f;
        std::printf("%-32s %-18s %-16s %-17s %s\n", p.source.c_str(), plusMinus(p.teff, "%.0f -%.0f +%.0f").c_str(),
                    plusMinus(p.logg, "%.2f -%.2f +%.2f").c_str(), plusMinus(p.feh, "%+.2f -%.2f +%.2f").c_str(),
                    flags.c_str());
    }
}

void runPredict(const PredictOptions& o, CliState& state)
{
    std::vector<Input> inputs;
    for (const auto& f : o.files) inputs.push_back({f, f});
    bool haveReference = false;
    if (!o.catalog.empty()) {
        for (const auto& in : readObservedCatalog(o.catalog)) {
            Input input{in.path, in.source};
            for (std::size_t p = 0; p < 3; ++p) input.reference[p] = in.labels[p];
            haveReference = haveReference || std::any_of(input.reference.begin(), input.reference.end(),
                                                         [](double v) { return std::isfinite(v); });
            inputs.push_back(std::move(input));
        }
    }
    if (inputs.empty()) throw UsageError("nothing to predict: give spectrum files and/or --catalog LIST.csv");
    if (!o.out.empty()) checkOutputExtension(o.out, {".csv", ".fits", ".fit", ".h5", ".hdf5"});
    const std::string out = applyShard(inputs, o.shard, o.out);
    if (o.batch < 1) throw UsageError("--batch must be at least 1");

    PredictorOptions options;
    options.device = o.device;
    options.threads = o.threads;
    options.batchSize = o.batch;
    options.precision = o.precision;
    const Predictor predictor(resolveModel(o.model), options);

    ConsoleProgress progress("predict", !o.quiet);
    std::vector<SpectrumInput> files;
    for (const auto& in : inputs) files.push_back({in.path, in.name});
    PredictedFiles result =
        predictFiles(predictor, files, o.threads, static_cast<std::size_t>(o.batch), progress, "remap predict");
    std::vector<Prediction> predictions = std::move(result.predictions);
    std::vector<ReferenceLabels> reference;
    for (std::size_t index : result.inputIndex) reference.push_back(inputs[index].reference);
    const std::size_t failed = result.failed.size();
    const bool cancelled = result.cancelled;
    progress.finish();

    const std::string modelName = predictor.bundle().card().name;
    if (!out.empty()) {
        writePredictions(out, predictions, haveReference ? reference : std::vector<ReferenceLabels>{}, modelName);
        if (!o.json)
            std::printf("%s: %zu predictions written (model %s, %s)\n", out.c_str(), predictions.size(),
                        modelName.c_str(), predictor.deviceName().c_str());
    }
    if (o.json) {
        nlohmann::json all = nlohmann::json::array();
        for (std::size_t i = 0; i < predictions.size(); ++i) {
            auto j = predictionToJson(predictions[i], o.histograms);
            if (haveReference) {
                for (Param p : kAllParams) {
                    const double v = reference[i][static_cast<std::size_t>(p)];
                    j["reference"][std::string(paramName(p))] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
                }
            }
            if (o.neighbours > 0) {
                j["neighbours"] = nlohmann::json::array();
                for (const auto& nb : predictor.nearestNeighbours(predictions[i], o.neighbours))
                    j["neighbours"].push_back({{"name", nb.name},
                                               {"teff", nb.labels[0]},
                                               {"logg", nb.labels[1]},
                                               {"feh", nb.labels[2]},
                                               {"distance", nb.distance}});
            }
            all.push_back(std::move(j));
        }
        printJson(all);
    } else if (out.empty()) {
        printTable(predictions);
        if (o.neighbours > 0)
            for (const auto& p : predictions) {
                std::printf("nearest training spectra to %s:\n", p.source.c_str());
                for (const auto& nb : predictor.nearestNeighbours(p, o.neighbours))
                    std::printf("  %-40s Teff %.0f  log g %.2f  [Fe/H] %+.2f  (distance %.3f)\n", nb.name.c_str(),
                                nb.labels[0], nb.labels[1], nb.labels[2], nb.distance);
            }
    }
    if (failed) {
        std::cerr << "remap predict: " << failed << " of " << inputs.size() << " spectra failed (reasons above)\n";
        state.exitCode = kExitSomeFailed;
    }
    if (cancelled) throw Cancelled();
}

struct SaliencyCommandOptions {
    std::string file;
    std::string model;
    std::string device = "auto";
    std::string method = "ig";
    std::string param = "teff";
    std::string out;
    SaliencyOptions saliency;
};

void runSaliency(const SaliencyCommandOptions& o)
{
    checkOutputExtension(o.out, {".csv"});
    const Param param = parseParam(o.param);
    const SaliencyMethod method = parseSaliencyMethod(o.method);
    PredictorOptions options;
    options.device = o.device;
    const Predictor predictor(resolveModel(o.model), options);
    const auto prepared = predictor.prepare(readSpectrum(o.file));
    const auto map = predictor.saliencyPrepared(prepared, param, method, o.saliency);
    const auto& grid = predictor.grid();
    writeAtomically(o.out, [&](const std::string& tmp) {
        std::ofstream out(tmp);
        out << "wavelength,flux,mask,saliency\n";
        char line[128];
        for (std::size_t i = 0; i < map.size(); ++i) {
            std::snprintf(line, sizeof line, "%.4f,%.6g,%d,%.6g\n", grid[i], static_cast<double>(prepared.flux[i]),
                          prepared.mask[i] ? 1 : 0, static_cast<double>(map[i]));
            out << line;
        }
        out.close();
        if (!out) throw Error("could not write the saliency map", o.out);
    });
    std::vector<std::size_t> order(map.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto top = std::min<std::size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                      [&](std::size_t a, std::size_t b) { return std::abs(map[a]) > std::abs(map[b]); });
    std::printf("%s: %s saliency of %s for %s (%zu pixels); strongest at", o.out.c_str(),
                std::string(saliencyMethodName(method)).c_str(), std::string(paramName(param)).c_str(), o.file.c_str(),
                map.size());
    for (std::size_t k = 0; k < top; ++k) std::printf(" %.2f", grid[order[k]]);
    std::printf(" A\n");
}

}  // namespace

void addPredictCommands(CLI::App& app, CliState& state)
{
    auto p = std::make_shared<PredictOptions>();
    auto* predict = app.add_subcommand(
        "predict",
        "Teff, log g and [Fe/H] with posteriors for spectrum files, using a deep-REMAP model bundle.\n"
        "Every spectrum runs through the model's own preprocessing (grid, resolution, RV, continuum).\n"
        "Prints a table, or writes -o OUT.csv|OUT.fits|OUT.h5 (posterior summaries; FITS and HDF5 also hold\n"
        "the full posteriors and embeddings), or prints --json. Spectra that cannot be read or prepared are\n"
        "reported on stderr and skipped: exit status 3. Ctrl-C stops cleanly and writes what is finished.");
    predict->add_option("files", p->files, "Spectrum files (any format `remap info` reads)")->check(CLI::ExistingFile);
    predict
        ->add_option("--catalog", p->catalog,
                     "CSV with a 'file' column (paths relative to the CSV) and optional teff, logg, feh "
                     "reference labels, written beside the predictions as *_ref")
        ->check(CLI::ExistingFile);
    predict->add_option("--model", p->model, "Model bundle (default: $REMAP_MODEL, then the shipped model)");
    predict->add_option("--device", p->device, "auto (CUDA when available), cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    predict->add_option("--threads", p->threads, "Threads for reading and preprocessing, and for the network (0 = all)")
        ->check(CLI::NonNegativeNumber);
    predict->add_option("--batch", p->batch, "Spectra per network pass (default 64)")->check(CLI::PositiveNumber);
    predict->add_option("-o,--output", p->out, "Write the predictions to OUT.csv, OUT.fits or OUT.h5");
    predict->add_option("--neighbours", p->neighbours, "Also list the K nearest training spectra in embedding space")
        ->check(CLI::NonNegativeNumber);
    predict->add_flag("--json", p->json,
                      "Print a JSON array: per spectrum file, teff/logg/feh {mean, median, mode, p16, p84, hdi68, "
                      "hdi95, multimodal, edge_pile_up}, flags, snr, rv_kms, masked_fraction");
    predict->add_flag("--histograms", p->histograms, "With --json: include the full posterior histograms");
    predict->add_flag("-q,--quiet", p->quiet, "No progress bar");
    predict->add_option("--shard", p->shard,
                        "K/N: predict only block K of N of the inputs, into OUT.shard-K-of-N.EXT (a job-array "
                        "task); `remap merge OUT` joins the shards");
    predict
        ->add_option("--precision", p->precision, "auto (= fp32), fp32 or bf16 (faster, posterior means ~0.5 bin off)")
        ->check(CLI::IsMember({"auto", "fp32", "bf16"}));
    predict->callback([p, &state] { runPredict(*p, state); });

    auto s = std::make_shared<SaliencyCommandOptions>();
    auto* saliency = app.add_subcommand(
        "saliency",
        "Which pixels drive a prediction: the attribution of one parameter's posterior mean to each pixel of\n"
        "the model grid, written as CSV (wavelength, prepared flux, mask, saliency).");
    saliency->add_option("file", s->file, "Spectrum file")->required()->check(CLI::ExistingFile);
    saliency->add_option("--model", s->model, "Model bundle (default: $REMAP_MODEL, then the shipped model)");
    saliency->add_option("--device", s->device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    saliency
        ->add_option("--method", s->method,
                     "grad (gradient), gradxinput (gradient x (flux - 1)), smoothgrad (noise-averaged "
                     "gradient) or ig (integrated gradients from the continuum; default)")
        ->check(CLI::IsMember({"grad", "gradxinput", "smoothgrad", "ig"}));
    saliency->add_option("--param", s->param, "teff (default), logg or feh")
        ->check(CLI::IsMember({"teff", "logg", "feh"}));
    saliency->add_option("--samples", s->saliency.smoothGradSamples, "smoothgrad: noisy copies (default 32)")
        ->check(CLI::PositiveNumber);
    saliency->add_option("--sigma", s->saliency.smoothGradSigma, "smoothgrad: noise in normalized flux (default 0.01)")
        ->check(CLI::NonNegativeNumber);
    saliency->add_option("--steps", s->saliency.integratedGradientSteps, "ig: integration steps (default 32)")
        ->check(CLI::PositiveNumber);
    saliency->add_option("-o,--output", s->out, "Output CSV")->required();
    saliency->callback([s] { runSaliency(*s); });
}

}  // namespace remap::cli
