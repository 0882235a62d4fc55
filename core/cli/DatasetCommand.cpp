#include "Commands.h"
#include "base/AtomicFile.h"
#include "base/Error.h"
#include "data/DatasetBuilder.h"
#include "data/TrainingSet.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace remap::cli {
namespace {

struct BuildOptions {
    std::string phoenix;
    std::string observed;
    std::string spec;
    std::string rvTemplate;
    std::string out;
    std::string teff, logg, feh;
    std::size_t interpolate = 0;
    std::uint64_t seed = 1;
    unsigned threads = 0;
    std::size_t batch = TrainingSetWriter::kDefaultChunkRows;
    bool noResume = false;
    bool noTimestamp = false;
    bool quiet = false;
    bool json = false;
    std::string commandLine;
};

PreprocessSpec loadSpec(const std::string& path)
{
    if (path.empty()) return PreprocessSpec{};
    std::ifstream in(path);
    if (!in) throw Error("could not open the preprocessing spec", path);
    nlohmann::json j;
    try {
        in >> j;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("the preprocessing spec is not valid JSON: ") + e.what(), path);
    }
    try {
        return PreprocessSpec::fromJson(j);
    } catch (const Error& e) {
        throw Error("the preprocessing spec is not valid: " + e.problem(), path);
    } catch (const std::exception& e) {
        throw Error(std::string("the preprocessing spec is not valid: ") + e.what(), path);
    }
}

nlohmann::json reportJson(const DatasetBuildReport& r)
{
    nlohmann::json j;
    j["output"] = r.output;
    j["rows"] = r.rows;
    j["prepared"] = r.preparedRows;
    j["interpolated"] = r.interpolatedRows;
    j["resumed_rows"] = r.resumedRows;
    j["inputs"] = r.inputs;
    j["found"] = r.found;
    j["failed"] = nlohmann::json::array();
    for (const auto& f : r.failures) j["failed"].push_back({{"source", f.source}, {"reason", f.reason}});
    j["notes"] = r.notes;
    return j;
}

void runBuild(const BuildOptions& o, CliState& state)
{
    if (o.phoenix.empty() == o.observed.empty())
        throw UsageError("give exactly one of --phoenix DIR or --observed CATALOG.csv");
    if (!o.observed.empty() && (o.interpolate > 0 || !o.teff.empty() || !o.logg.empty() || !o.feh.empty()))
        throw UsageError("--interpolate, --teff, --logg and --feh apply to PHOENIX grid builds only");
    if (o.batch == 0) throw UsageError("--batch must be at least 1");

    DatasetBuildOptions options;
    options.spec = loadSpec(o.spec);
    options.rvTemplate = o.rvTemplate;
    if (!o.teff.empty()) options.filter.teff = parseLabelRange(o.teff, "Teff");
    if (!o.logg.empty()) options.filter.logg = parseLabelRange(o.logg, "log g");
    if (!o.feh.empty()) options.filter.feh = parseLabelRange(o.feh, "[Fe/H]");
    options.interpolate = o.interpolate;
    options.seed = o.seed;
    options.threads = o.threads;
    options.batchRows = o.batch;
    options.resume = !o.noResume;
    options.timestamp = !o.noTimestamp;
    options.command = o.commandLine;
    options.programVersion = REMAP_VERSION;

    ConsoleProgress progress("dataset build", !o.quiet);
    DatasetBuildReport report;
    try {
        report = o.phoenix.empty() ? buildObservedTrainingSet(o.observed, o.out, options, progress)
                                   : buildPhoenixTrainingSet(o.phoenix, o.out, options, progress);
    } catch (const Cancelled&) {
        progress.finish();
        std::error_code ec;
        if (std::filesystem::exists(partialPathFor(o.out), ec))
            std::cerr << "remap dataset build: stopped; the finished rows are kept in " << partialPathFor(o.out)
                      << "\n  run the same command again to continue from them\n";
        throw;
    }
    progress.finish();
    for (const auto& note : report.notes) std::cerr << "remap dataset build: " << note << '\n';
    for (const auto& f : report.failures)
        std::cerr << "remap dataset build: skipped " << f.source << ": " << f.reason << '\n';
    if (o.json) {
        printJson(reportJson(report));
    } else {
        std::printf("%s: %zu spectra (%zu prepared, %zu interpolated)", report.output.c_str(), report.rows,
                    report.preparedRows, report.interpolatedRows);
        if (report.resumedRows) std::printf(", %zu kept from the interrupted build", report.resumedRows);
        std::printf("\n");
        if (!report.failures.empty())
            std::printf("%zu of %zu inputs failed and were skipped (reasons on stderr)\n", report.failures.size(),
                        report.found ? report.found : report.inputs);
    }
    if (!report.failures.empty()) state.exitCode = kExitSomeFailed;
}

void runSpec(const std::string& out)
{
    const std::string text = PreprocessSpec{}.toJson().dump(2) + "\n";
    writeAtomically(out, [&](const std::string& tmp) {
        std::ofstream f(tmp);
        f << text;
        f.close();
        if (!f) throw Error("could not write the spec", out);
    });
    std::printf("%s: default preprocessing spec written (edit it and pass it with --spec)\n", out.c_str());
}

std::string bar(std::size_t count, std::size_t maxCount, int width)
{
    const int n =
        maxCount ? static_cast<int>(std::lround(static_cast<double>(count) * width / static_cast<double>(maxCount)))
                 : 0;
    std::string s(static_cast<std::size_t>(n), '#');
    s.resize(static_cast<std::size_t>(width), ' ');
    return s;
}

void printSummary(const nlohmann::json& j)
{
    std::printf("%s\n", j["file"].get<std::string>().c_str());
    std::printf("  kind        %s (schema %d)\n", j["kind"].get<std::string>().c_str(), j["schema"].get<int>());
    std::printf("  spectra     %zu (%zu interpolated)\n", j["rows"].get<std::size_t>(),
                j["interpolated"].get<std::size_t>());
    std::printf("  pixels      %zu, %.3f - %.3f A\n", j["pixels"].get<std::size_t>(), j["wave_min"].get<double>(),
                j["wave_max"].get<double>());
    const char* names[] = {"teff", "logg", "feh", "alpha"};
    const char* titles[] = {"Teff", "log g", "[Fe/H]", "[alpha/M]"};
    const char* formats[] = {"%.0f", "%.2f", "%+.2f", "%+.2f"};
    for (int c = 0; c < 4; ++c) {
        const auto& col = j["labels"][names[c]];
        if (col["known"].get<std::size_t>() == 0) {
            std::printf("  %-11s unknown for all spectra\n", titles[c]);
            continue;
        }
        char lo[32], hi[32];
        std::snprintf(lo, sizeof lo, formats[c], col["min"].get<double>());
        std::snprintf(hi, sizeof hi, formats[c], col["max"].get<double>());
        std::printf("  %-11s %s .. %s", titles[c], lo, hi);
        if (col["unknown"].get<std::size_t>()) std::printf("  (%zu unknown)", col["unknown"].get<std::size_t>());
        std::printf("\n");
        const auto& counts = col["histogram"]["counts"];
        const auto& edges = col["histogram"]["edges"];
        std::size_t maxCount = 0;
        for (const auto& n : counts) maxCount = std::max(maxCount, n.get<std::size_t>());
        if (col["min"].get<double>() == col["max"].get<double>()) continue;
        for (std::size_t b = 0; b < counts.size(); ++b) {
            char a[32], z[32];
            std::snprintf(a, sizeof a, formats[c], edges[b].get<double>());
            std::snprintf(z, sizeof z, formats[c], edges[b + 1].get<double>());
            std::printf("    %8s - %-8s |%s| %zu\n", a, z, bar(counts[b].get<std::size_t>(), maxCount, 30).c_str(),
                        counts[b].get<std::size_t>());
        }
    }
    if (j.contains("snr"))
        std::printf("  S/N         %.1f / %.1f / %.1f (min / median / max)\n", j["snr"]["min"].get<double>(),
                    j["snr"]["median"].get<double>(), j["snr"]["max"].get<double>());
    std::printf("  spec       ");
    for (const auto& [key, value] : j["preprocess_spec"].items())
        if (!value.is_structured()) std::printf(" %s=%s", key.c_str(), value.dump().c_str());
    std::printf("\n");
    const auto& p = j["provenance"];
    if (p.contains("command") && !p["command"].get<std::string>().empty())
        std::printf("  command     %s\n", p["command"].get<std::string>().c_str());
    if (p.contains("version")) std::printf("  version     %s\n", p["version"].get<std::string>().c_str());
    if (p.contains("time")) std::printf("  built       %s\n", p["time"].get<std::string>().c_str());
    if (p.contains("filters")) std::printf("  filters     %s\n", p["filters"].dump().c_str());
    if (p.contains("interpolation")) std::printf("  interpolation %s\n", p["interpolation"].dump().c_str());
}

void runInfo(const std::string& file, bool json, std::size_t bins)
{
    const TrainingSetReader reader(file);
    const nlohmann::json summary = summarizeTrainingSet(reader, bins);
    if (json)
        printJson(summary);
    else
        printSummary(summary);
}

}  // namespace

void addDatasetCommands(CLI::App& app, CliState& state)
{
    auto* dataset =
        app.add_subcommand("dataset", "HDF5 training sets: build (PHOENIX grid or observed spectra), spec, info.");
    dataset->require_subcommand(1);

    // remap dataset build
    auto build = std::make_shared<BuildOptions>();
    auto* b = dataset->add_subcommand(
        "build", "Prepare a PHOENIX grid or observed spectra with one spec into an HDF5 training set.");
    b->footer(
        "PHOENIX: walks DIR for lte*-HiRes.fits files and keeps those inside the label ranges (default FGK);\n"
        "--interpolate N adds N spectra blended trilinearly between grid models at labels drawn inside grid cells.\n"
        "Observed: a CSV with a 'file' column (paths relative to the CSV) and optional teff, logg, feh, alpha.\n"
        "Writes OUT.partial and renames it to OUT when done; an interrupted build (Ctrl-C, or a killed process)\n"
        "continues from its finished rows when the same command runs again.\n"
        "Exit status 0 success, 3 some inputs failed (listed on stderr and skipped), 1 error, 130 cancelled.");
    auto* phoenix = b->add_option("--phoenix", build->phoenix, "PHOENIX HiRes grid folder (searched recursively)")
                        ->check(CLI::ExistingDirectory);
    auto* observed =
        b->add_option("--observed", build->observed, "Catalog CSV of observed spectra")->check(CLI::ExistingFile);
    phoenix->excludes(observed);
    b->add_option("--spec", build->spec, "Preprocessing spec JSON (default: the built-in spec; see 'dataset spec')")
        ->check(CLI::ExistingFile);
    b->add_option("--rv-template", build->rvTemplate,
                  "Spectrum used as cross-correlation template for the RV correction of observed spectra "
                  "(default: no RV correction)")
        ->check(CLI::ExistingFile);
    b->add_option("-o,--out", build->out, "Output HDF5 file")->required();
    b->add_option("--teff", build->teff, "Teff range MIN:MAX in K (default 3500:7000)");
    b->add_option("--logg", build->logg, "log g range MIN:MAX (default 0:5.5)");
    b->add_option("--feh", build->feh, "[Fe/H] range MIN:MAX (default -2.5:0.5)");
    b->add_option("--interpolate", build->interpolate,
                  "Add N spectra interpolated trilinearly between grid models at labels drawn inside grid cells");
    b->add_option("--seed", build->seed, "Seed of the interpolation draws (default 1)");
    b->add_option("--threads", build->threads, "Preparing threads (default: all cores)");
    b->add_option("--batch", build->batch, "Rows per HDF5 chunk, write and flush (default 64)");
    b->add_flag("--no-resume", build->noResume, "Start over even if OUT.partial could be continued");
    b->add_flag("--no-timestamp", build->noTimestamp, "Leave the build time out of the provenance attribute");
    b->add_flag("-q,--quiet", build->quiet, "No progress bar");
    b->add_flag("--json", build->json, "Print the build report as JSON");
    b->callback([build, &state, b] {
        std::string line = "remap dataset build";
        for (const auto* opt : b->get_options()) {
            if (opt->count() == 0 || opt->get_name() == "--help") continue;
            line += " " + opt->get_name();
            if (opt->get_type_size() != 0)
                for (const auto& r : opt->results()) line += " " + r;
        }
        build->commandLine = line;
        runBuild(*build, state);
    });

    // remap dataset spec
    auto specOut = std::make_shared<std::string>();
    auto* s =
        dataset->add_subcommand("spec", "Write the default preprocessing spec as JSON, to edit and pass to --spec.");
    s->add_option("-o,--out", *specOut, "Output JSON file")->required();
    s->callback([specOut] { runSpec(*specOut); });

    // remap dataset info
    struct InfoOptions {
        std::string file;
        bool json = false;
        std::size_t bins = 10;
    };
    auto info = std::make_shared<InfoOptions>();
    auto* i = dataset->add_subcommand(
        "info", "Describe a training set: count, label ranges and histograms, S/N, spec, kind and provenance.");
    i->add_option("file", info->file, "Training set (.h5)")->required();
    i->add_flag("--json", info->json, "Print one JSON object");
    i->add_option("--bins", info->bins, "Histogram bins (default 10)")->check(CLI::Range(1, 100));
    i->callback([info] { runInfo(info->file, info->json, info->bins); });
}

}  // namespace remap::cli
