// `remap evaluate`: a model's accuracy on a labelled catalog (bias, scatter, RMSE, posterior coverage).
#include "Commands.h"

#include "base/Csv.h"
#include "base/Error.h"
#include "ml/ModelLocator.h"
#include "ml/PredictionWriter.h"
#include "ml/Predictor.h"
#include "ml/Sharding.h"
#include "train/Metrics.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>

namespace remap::cli {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct EvaluateOptions {
    std::string model;
    std::string catalog;
    std::string truth;
    std::string device = "auto";
    std::string out;
    int threads = 0;
    int batch = 64;
    bool json = false;
    bool quiet = false;
    std::string shard;  // "K/N": evaluate block K of N of the catalog (ml/Sharding.h)
};

// teff, logg, feh of a row (NaN where the column is missing or the cell is empty, "nan" or "-").
std::array<double, 3> labelsOf(const csv::Table& table, const csv::Table::Row& row)
{
    std::array<double, 3> labels{kNaN, kNaN, kNaN};
    for (Param p : kAllParams)
        if (const auto col = table.column(std::string(paramName(p))))
            labels[static_cast<std::size_t>(p)] = csv::number(table, row, *col);
    return labels;
}

std::string resolveAgainst(const std::string& csvPath, const std::string& file)
{
    const fs::path p(file);
    return (p.is_absolute() ? p : fs::path(csvPath).parent_path() / p).lexically_normal().string();
}

struct Star {
    std::string id;    // the catalog's id, else its file as written
    std::string file;  // as written in the catalog
    std::string path;  // resolved
    std::array<double, 3> reference{kNaN, kNaN, kNaN};
};

std::vector<Star> readCatalog(const std::string& path)
{
    const csv::Table table = csv::readTable(path);
    const auto fileCol = table.column("file");
    if (!fileCol) throw Error("the catalog's header has no 'file' column", path);
    const auto idCol = table.column("id");
    std::vector<Star> stars;
    for (const auto& row : table.rows) {
        Star s;
        s.file = row.cells[*fileCol];
        if (s.file.empty()) throw Error("line " + std::to_string(row.line) + " has an empty 'file' field", path);
        s.id = idCol && !row.cells[*idCol].empty() ? row.cells[*idCol] : s.file;
        s.path = resolveAgainst(path, s.file);
        s.reference = labelsOf(table, row);
        stars.push_back(std::move(s));
    }
    if (stars.empty()) throw Error("the catalog lists no spectra", path);
    return stars;
}

// Replaces every star's reference labels by the truth file's: joined by id when the truth file has
// an id column, else by file (both resolved against their own CSV's folder). Returns how many
// stars have no truth row.
std::size_t joinTruth(std::vector<Star>& stars, const std::string& path)
{
    const csv::Table table = csv::readTable(path);
    const auto idCol = table.column("id");
    const auto fileCol = table.column("file");
    if (!idCol && !fileCol) throw Error("the truth file's header has neither an 'id' nor a 'file' column", path);
    if (!table.column("teff") && !table.column("logg") && !table.column("feh"))
        throw Error("the truth file has none of the columns teff, logg, feh", path);
    std::map<std::string, std::array<double, 3>> truth;
    for (const auto& row : table.rows) {
        const std::string key = idCol ? row.cells[*idCol] : resolveAgainst(path, row.cells[*fileCol]);
        if (!truth.emplace(key, labelsOf(table, row)).second)
            throw Error("line " + std::to_string(row.line) + " repeats '" + key + "'", path);
    }
    std::size_t missing = 0;
    for (auto& s : stars) {
        const auto it = truth.find(idCol ? s.id : s.path);
        if (it == truth.end()) {
            s.reference = {kNaN, kNaN, kNaN};
            ++missing;
        } else {
            s.reference = it->second;
        }
    }
    return missing;
}

void runEvaluate(const EvaluateOptions& o, CliState& state)
{
    if (!o.out.empty()) checkOutputExtension(o.out, {".csv", ".fits", ".fit", ".h5", ".hdf5"});
    std::vector<Star> stars = readCatalog(o.catalog);
    const std::string out = applyShard(stars, o.shard, o.out);
    if (!o.truth.empty()) {
        const std::size_t missing = joinTruth(stars, o.truth);
        if (missing)
            std::cerr << "remap evaluate: " << missing << " of " << stars.size() << " stars have no row in " << o.truth
                      << " (left out of the metrics)\n";
    }

    PredictorOptions options;
    options.device = o.device;
    options.threads = o.threads;
    options.batchSize = o.batch;
    const std::string modelPath = locateModel(o.model);
    const Predictor predictor(modelPath, options);

    ConsoleProgress progress("evaluate", !o.quiet);
    std::vector<SpectrumInput> files;
    for (const auto& s : stars) files.push_back({s.path, s.file});
    const PredictedFiles result =
        predictFiles(predictor, files, o.threads, static_cast<std::size_t>(o.batch), progress, "remap evaluate");
    progress.finish();

    std::vector<train::StarPrediction> predicted;
    std::vector<ReferenceLabels> reference;
    for (std::size_t i = 0; i < result.predictions.size(); ++i) {
        const Star& s = stars[result.inputIndex[i]];
        predicted.push_back(train::toStarPrediction(result.predictions[i], s.reference, s.id));
        reference.push_back(s.reference);
    }
    train::ValidationMetrics metrics = train::computeMetrics(predicted);
    metrics.loss = kNaN;  // not computed here
    const bool anyReference = std::any_of(metrics.params.begin(), metrics.params.end(),
                                          [](const train::ParameterMetrics& m) { return m.n > 0; });
    if (!anyReference)
        std::cerr << "remap evaluate: no star has reference labels (give --truth, or teff/logg/feh columns)\n";

    const std::string modelName = predictor.bundle().card().name;
    if (!out.empty()) writePredictions(out, result.predictions, reference, modelName);
    if (o.json) {
        nlohmann::json failed = nlohmann::json::array();
        for (std::size_t k = 0; k < result.failed.size(); ++k) {
            const Star& s = stars[result.failed[k]];
            failed.push_back({{"id", s.id}, {"file", s.file}, {"error", result.reasons[k]}});
        }
        printJson({{"model", modelPath},
                   {"model_name", modelName},
                   {"catalog", o.catalog},
                   {"truth", o.truth.empty() ? nlohmann::json() : nlohmann::json(o.truth)},
                   {"stars", result.predictions.size()},
                   {"failed", failed},
                   {"metrics", train::metricsToJson(metrics)}});
    } else {
        std::printf("model %s (%s) on %s: %zu stars predicted, %zu failed\n", modelName.c_str(), modelPath.c_str(),
                    o.catalog.c_str(), result.predictions.size(), result.failed.size());
        std::printf("%s", train::formatMetricsTable(metrics).c_str());
        if (!out.empty()) std::printf("%s: %zu predictions written\n", out.c_str(), result.predictions.size());
    }
    if (!result.failed.empty()) {
        std::cerr << "remap evaluate: " << result.failed.size() << " of " << stars.size()
                  << " spectra failed (reasons above)\n";
        state.exitCode = kExitSomeFailed;
    }
    if (result.cancelled) throw Cancelled();
}

}  // namespace

void addEvaluateCommand(CLI::App& app, CliState& state)
{
    auto o = std::make_shared<EvaluateOptions>();
    auto* evaluate = app.add_subcommand(
        "evaluate",
        "How well a model does on stars with known labels: per parameter the number of stars, bias, standard\n"
        "deviation, robust sigma (1.4826 MAD), RMSE of the posterior mean and the fraction of reference values\n"
        "inside [p16, p84] (68 % coverage). Spectra that cannot be read are reported and skipped: exit status 3.");
    evaluate->add_option("--model", o->model, "Model bundle (default: $REMAP_MODEL, then the shipped model)");
    evaluate
        ->add_option("--catalog", o->catalog,
                     "CSV with a 'file' column (paths relative to the CSV), optional 'id' and teff, logg, feh "
                     "reference labels")
        ->required()
        ->check(CLI::ExistingFile);
    evaluate
        ->add_option("--truth", o->truth,
                     "CSV with 'id' (or 'file') and teff, logg, feh: the reference labels, joined to the catalog by "
                     "id (else by file); replaces the catalog's own labels")
        ->check(CLI::ExistingFile);
    evaluate->add_option("--device", o->device, "auto (CUDA when available), cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    evaluate
        ->add_option("--threads", o->threads, "Threads for reading and preprocessing, and for the network (0 = all)")
        ->check(CLI::NonNegativeNumber);
    evaluate->add_option("--batch", o->batch, "Spectra per network pass (default 64)")->check(CLI::PositiveNumber);
    evaluate->add_option("-o,--output", o->out,
                         "Also write the predictions with the reference labels to OUT.csv, OUT.fits or OUT.h5");
    evaluate->add_flag("--json", o->json,
                       "Print {model, model_name, catalog, truth, stars, failed: [{id, file, error}], metrics: "
                       "{teff|logg|feh: {n, bias, std, mad, rmse, coverage68}, loss}}");
    evaluate->add_flag("-q,--quiet", o->quiet, "No progress bar");
    evaluate->add_option("--shard", o->shard,
                         "K/N: evaluate only block K of N of the catalog, writing OUT.shard-K-of-N.EXT; "
                         "`remap merge OUT` joins the shards");
    evaluate->callback([o, &state] { runEvaluate(*o, state); });
}

}  // namespace remap::cli
