// `remap calibrate`: fits the posterior temperature of each head on held-out labelled stars, so the
// 68 % intervals of a model mean 68 % (docs/network.md "Posterior calibration").
#include "Commands.h"
#include "base/Error.h"
#include "data/DatasetBuilder.h"
#include "io/SpectrumReader.h"
#include "ml/ModelLocator.h"
#include "ml/Predictor.h"
#include "ml/TemperatureFit.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <iostream>
#include <memory>

namespace remap::cli {
namespace {

struct CalibrateOptions {
    std::string model;
    std::string catalog;
    std::string out;
    std::string method = "coverage";
    int threads = 0;
    bool json = false;
    bool quiet = false;
};

void runCalibrate(const CalibrateOptions& o, CliState& state)
{
    ModelBundle bundle = ModelBundle::load(locateModel(o.model));
    ModelCard card = bundle.card();
    const ModelCard original = card;
    card.temperature = {1.0, 1.0, 1.0};  // fit against the raw network posterior
    bundle.setCard(card);

    std::vector<Spectrum> spectra;
    std::vector<DatasetInput> inputs;
    for (auto& input : readObservedCatalog(o.catalog)) {
        if (std::isnan(input.labels[kLabelTeff]) || std::isnan(input.labels[kLabelLogg]) ||
            std::isnan(input.labels[kLabelFeh]))
            continue;
        try {
            spectra.push_back(readSpectrum(input.path));
            inputs.push_back(std::move(input));
        } catch (const Error& e) {
            std::cerr << "remap calibrate: skipped " << input.path << ": " << e.what() << '\n';
            state.exitCode = kExitSomeFailed;
        }
    }
    if (spectra.empty()) throw Error("no labelled, readable spectra in the catalog", o.catalog);

    PredictorOptions options;
    options.device = "cpu";
    options.threads = o.threads;
    const Predictor predictor(std::move(bundle), options);
    ConsoleProgress progress("calibrate", !o.quiet);
    const auto predictions = predictor.predictBatch(spectra, &progress);
    progress.finish();

    nlohmann::json report = {
        {"model", o.model}, {"catalog", o.catalog}, {"stars", spectra.size()}, {"method", o.method}};
    for (Param p : kAllParams) {
        const auto& bins = card.bins[p];
        std::vector<std::vector<double>> probabilities;
        std::vector<int> referenceBins;
        std::vector<double> references;
        for (std::size_t i = 0; i < predictions.size(); ++i) {
            const double ref = inputs[i].labels[static_cast<std::size_t>(p)];
            if (!bins.contains(ref)) continue;
            probabilities.push_back(predictions[i][static_cast<int>(p)].probabilities);
            referenceBins.push_back(bins.indexOf(ref));
            references.push_back(ref);
        }
        const bool byCoverage = o.method == "coverage";
        const TemperatureFit fit = byCoverage ? fitTemperatureForCoverage(probabilities, bins.centres(), references)
                                              : fitTemperature(probabilities, referenceBins);
        card.temperature[static_cast<std::size_t>(p)] = fit.temperature;
        nlohmann::json entry = {{"temperature", fit.temperature},
                                {"previous_temperature", original.temperature[static_cast<std::size_t>(p)]},
                                {"stars", fit.stars}};
        if (byCoverage) {
            entry["coverage68_before"] = fit.coverageBefore;
            entry["coverage68_after"] = fit.coverageAfter;
        } else {
            entry["nll_before"] = fit.nllBefore;
            entry["nll_after"] = fit.nllAfter;
        }
        report[std::string(paramName(p))] = entry;
    }
    card.metrics["temperature_fit"] = report;
    ModelBundle out = predictor.bundle().clone();
    out.setCard(card);
    out.save(o.out);
    if (o.json) {
        printJson(report);
    } else {
        for (Param p : kAllParams) {
            const auto& r = report[std::string(paramName(p))];
            const bool cov = r.contains("coverage68_before");
            std::printf("%-8s T = %.3f  (%s %.3f -> %.3f on %d stars)\n", std::string(paramName(p)).c_str(),
                        r["temperature"].get<double>(), cov ? "68% coverage" : "NLL",
                        r[cov ? "coverage68_before" : "nll_before"].get<double>(),
                        r[cov ? "coverage68_after" : "nll_after"].get<double>(), r["stars"].get<int>());
        }
        std::printf("wrote %s\n", o.out.c_str());
    }
}

}  // namespace

void addCalibrateCommand(CLI::App& app, CliState& state)
{
    auto o = std::make_shared<CalibrateOptions>();
    auto* cmd = app.add_subcommand(
        "calibrate",
        "Fit the posterior temperature of each head (softmax(logits / T)) on held-out labelled stars, so\n"
        "that the 68 % intervals cover 68 % of the truth, and write the calibrated bundle. Use stars that\n"
        "are neither training nor evaluation stars. The fit is stored in the card (metrics.temperature_fit).");
    cmd->add_option("--model", o->model, "Model bundle (default: $REMAP_MODEL, then the shipped model)");
    cmd->add_option("--catalog", o->catalog, "CSV with a 'file' column and teff, logg, feh reference labels")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("-o,--out", o->out, "Calibrated bundle to write (atomically)")->required();
    cmd->add_option(
           "--method", o->method,
           "coverage: T such that [p16, p84] holds 68.3 % of the references (default); nll: maximum likelihood")
        ->check(CLI::IsMember({"coverage", "nll"}));
    cmd->add_option("--threads", o->threads, "Threads (0 = all)")->check(CLI::NonNegativeNumber);
    cmd->add_flag("--json", o->json, "Print the fit as JSON");
    cmd->add_flag("-q,--quiet", o->quiet, "No progress bar");
    cmd->callback([o, &state] { runCalibrate(*o, state); });
}

}  // namespace remap::cli
