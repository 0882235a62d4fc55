// `remap synth ...`: the embedded spectrum synthesizer, PHOENIX-format grids, the demo survey and
// Cramer-Rao bounds (docs/synthesizer.md).
#include "Commands.h"
#include "base/AtomicFile.h"
#include "base/Error.h"
#include "io/RemapSpectrumWriter.h"
#include "synth/Atmosphere.h"
#include "synth/InformationContent.h"
#include "synth/LineList.h"
#include "synth/Observe.h"
#include "synth/PhoenixGrid.h"
#include "synth/Survey.h"
#include "synth/Synthesizer.h"
#include "synth/TeachingGrid.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace remap::cli {
namespace {

using namespace remap::synth;
namespace fs = std::filesystem;

struct Range {
    double lo = 0, hi = 0;
};

std::string fmt(const char* format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// "a:b" or a single value "a" (= a:a). Throws UsageError naming the option.
Range parseRange(const std::string& text, const std::string& option)
{
    auto number = [&](const std::string& s) {
        try {
            std::size_t used = 0;
            const double v = std::stod(s, &used);
            if (used != s.size() || !std::isfinite(v)) throw std::invalid_argument(s);
            return v;
        } catch (const std::exception&) {
            throw UsageError(option + " expects MIN:MAX (or one value), got '" + text + "'");
        }
    };
    const auto colon = text.find(':');
    Range r;
    if (colon == std::string::npos) {
        r.lo = r.hi = number(text);
    } else {
        r.lo = number(text.substr(0, colon));
        r.hi = number(text.substr(colon + 1));
    }
    if (r.lo > r.hi) throw UsageError(option + " range '" + text + "' is inverted (MIN must not exceed MAX)");
    return r;
}

// Range check of one stellar parameter at the command line (bad usage, exit status 2).
void checkParameter(const char* name, double value, double lo, double hi)
{
    if (!std::isfinite(value) || value < lo || value > hi)
        throw UsageError(std::string(name) + " = " + fmt("%g", value) + " is outside the synthesizer's valid range " +
                         fmt("%g", lo) + ".." + fmt("%g", hi));
}

void checkParameters(const StellarParameters& p)
{
    checkParameter("--teff", p.teff, kTeffMin, kTeffMax);
    checkParameter("--logg", p.logg, kLoggMin, kLoggMax);
    checkParameter("--feh", p.feh, kFehMin, kFehMax);
    if (p.alpha) checkParameter("--alpha", *p.alpha, kAlphaMin, kAlphaMax);
    try {
        validateParameters(p);
    } catch (const Error& e) {
        throw UsageError(e.problem());
    }
}

void checkSnr(double snr)
{
    if (!std::isfinite(snr) || !(snr > 0)) throw UsageError("--snr must be a positive number, not " + fmt("%g", snr));
}

LineList loadLineList(const std::string& path)
{
    if (path.empty()) return defaultLineList();
    return readLineList(path);
}

const char* kParameterHelp =
    "Valid ranges: Teff 3800-8000 K, log g 0.5 (1.0 above 7500 K)..5, [Fe/H] -2.5..+0.5 (the ATLAS9 grid; outside "
    "them the command refuses).";

// ---------------------------------------------------------------------------------------------
struct GridOptions {
    std::string out;
    std::string teff = "3800:7000", logg = "0.5:5", feh = "-2:0.5", window = "4852:5850";
    double step = kHighResStep;
    bool alpha = false;
    int threads = 0;
    std::string lineList;
    bool quiet = false;
};

void runGrid(const GridOptions& o)
{
    GridSpec spec;
    const Range t = parseRange(o.teff, "--teff"), g = parseRange(o.logg, "--logg"), z = parseRange(o.feh, "--feh"),
                w = parseRange(o.window, "--window");
    spec.teffMin = t.lo;
    spec.teffMax = t.hi;
    spec.loggMin = g.lo;
    spec.loggMax = g.hi;
    spec.fehMin = z.lo;
    spec.fehMax = z.hi;
    spec.windowMin = w.lo;
    spec.windowMax = w.hi;
    spec.step = o.step;
    spec.alphaVariants = o.alpha;
    spec.threads = o.threads;
    spec.validate();
    const auto points = phoenixGridPoints(spec);
    if (points.empty()) throw UsageError("the requested ranges contain no PHOENIX grid point");
    const Synthesizer synthesizer(loadLineList(o.lineList));
    ConsoleProgress progress("synth grid", !o.quiet);
    const GridReport report = writePhoenixGrid(synthesizer, spec, o.out, progress);
    progress.finish();
    std::printf("grid: %zu spectra in %s (%zu written, %zu already complete) in %s; wavelengths in %s\n", report.total,
                o.out.c_str(), report.written, report.skipped, formatDuration(report.seconds).c_str(),
                report.waveFile.c_str());
}

// ---------------------------------------------------------------------------------------------
struct StarOptions {
    StellarParameters params;
    std::optional<double> alpha;
    std::string vmicro;  // km/s or a law name (ges, apogee)
    double snr = 100, rv = 0;
    bool observe = false, observedPhysics = false;
    std::uint64_t seed = 1;
    std::string window = "4852:5850";
    double resolution = 11000;
    std::string lineList;
    std::string atmosphere;  // a model atmosphere file instead of the interpolated ATLAS9 grid
    std::string out;
};

void runStar(StarOptions o)
{
    o.params.alpha = o.alpha;
    std::optional<MicroturbulenceLaw> law;
    if (!o.vmicro.empty()) {
        law = microturbulenceLawByName(o.vmicro);
        if (!law) {
            try {
                std::size_t used = 0;
                o.params.microturbulence = std::stod(o.vmicro, &used);
                if (used != o.vmicro.size()) throw std::invalid_argument(o.vmicro);
            } catch (const std::exception&) {
                throw UsageError("--vmicro expects km/s or a law (ges, apogee), not '" + o.vmicro + "'");
            }
        }
    }
    checkParameters(o.params);
    checkSnr(o.snr);
    if (std::fabs(o.rv) >= 3000) throw UsageError("--rv must lie within -3000..3000 km/s");
    const Range w = parseRange(o.window, "--window");
    if (!(w.hi > w.lo)) throw UsageError("--window " + o.window + " is empty: MAX must exceed MIN");
    if (w.lo < kSynthesisMin || w.hi > kSynthesisMax)
        throw UsageError("--window must lie within " + fmt("%.0f", kSynthesisMin) + ":" + fmt("%.0f", kSynthesisMax) +
                         " A (vacuum), where the line data are");
    const auto start = std::chrono::steady_clock::now();
    const LineList lines = loadLineList(o.lineList);
    PhysicsOptions options = o.observedPhysics ? observedPhysicsOptions(ObservedPhysics{}) : PhysicsOptions{};
    if (law) options.microturbulenceLaw = *law;
    const Synthesizer synthesizer(o.observedPhysics ? observedLineList(lines, ObservedPhysics{}) : lines, options);
    if (o.observe) {
        InstrumentModel instrument;
        instrument.resolvingPower = o.resolution;
        ObservationSettings settings;
        settings.snr = o.snr;
        settings.rvKms = o.rv;
        settings.seed = o.seed;
        Spectrum s = observeStar(synthesizer, o.params, instrument, settings);
        s.objectName = "REMAP synthetic star";
        s.metadata["PHYSICS"] = o.observedPhysics ? "observed" : "grid";
        writeRemapSpectrum(s, o.out);
        std::printf(
            "wrote %s: remap-1d, %zu pixels %.1f-%.1f A (air), R %.0f, S/N %.1f, RV %+.2f km/s, seed %llu (%s)\n",
            o.out.c_str(), s.size(), s.wavelength.front(), s.wavelength.back(), o.resolution, o.snr, o.rv,
            static_cast<unsigned long long>(o.seed),
            formatDuration(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()).c_str());
        return;
    }
    // High resolution on a uniform ln(lambda) grid (R = 500,000 sampling) with WAVE-LOG keywords.
    const auto grid = logWavelengthGrid(w.lo, w.hi, 2e-6);
    SynthesisResult result;
    SynthesisWorkspace ws;
    if (o.atmosphere.empty())
        synthesizer.synthesize(o.params, grid, result, ws);
    else
        synthesizer.synthesize(o.params, readModelAtmosphere(o.atmosphere), grid, result, ws);
    Spectrum s;
    s.wavelength = grid;
    s.flux = result.flux;
    s.medium = Medium::Vacuum;
    s.labels.alpha = result.alpha;
    s.metadata["LINELIST"] = synthesizer.lineList().source;
    writePhoenixFluxFile(o.out, s, o.params, result.microturbulence, true);
    std::printf(
        "wrote %s: PHOENIX layout with WAVE-LOG keywords (phoenix-medres), %zu pixels %.2f-%.2f A (vacuum), "
        "[alpha/M] %+.2f, xi %.2f km/s (%s)\n",
        o.out.c_str(), grid.size(), grid.front(), grid.back(), result.alpha, result.microturbulence,
        formatDuration(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()).c_str());
}

// ---------------------------------------------------------------------------------------------
struct SurveyOptions {
    std::string out;
    SurveySpec spec;
    bool quiet = false;
};

void printSurveyReport(const SurveyReport& r, const std::string& out)
{
    std::printf(
        "survey: %zu stars in %s (%zu written, %zu already complete) in %s; catalogs dwarfs, calibration, "
        "giants (.csv/.fits), truth in giants_truth.csv\n",
        r.stars, out.c_str(), r.written, r.skipped, formatDuration(r.seconds).c_str());
}

void runSurvey(const SurveyOptions& o)
{
    o.spec.validate();
    ConsoleProgress progress("synth survey", !o.quiet);
    const SurveyReport report = writeDemoSurvey(o.spec, o.out, progress);
    progress.finish();
    printSurveyReport(report, o.out);
}

void runDemo(const SurveyOptions& o, int threads)
{
    GridSpec grid;
    grid.threads = threads;
    SurveySpec survey = o.spec;
    survey.threads = threads;
    ConsoleProgress progress("synth demo", !o.quiet);
    const DemoReport report = writeDemo(o.out, grid, survey, progress);
    progress.finish();
    std::printf("grid: %zu spectra in %s/grid (%zu written, %zu already complete) in %s\n", report.grid.total,
                o.out.c_str(), report.grid.written, report.grid.skipped, formatDuration(report.grid.seconds).c_str());
    printSurveyReport(report.survey, o.out + "/survey");
    std::printf("demo finished in %s\n", formatDuration(report.seconds).c_str());
}

// ---------------------------------------------------------------------------------------------
struct CrlbOptions {
    StellarParameters params;
    std::optional<double> alpha;
    double snr = 100;
    double resolution = 11000;
    bool json = false;
};

void runCrlb(CrlbOptions o)
{
    o.params.alpha = o.alpha;
    checkParameters(o.params);
    checkSnr(o.snr);
    FisherSettings settings;
    settings.snr = o.snr;
    settings.instrument.resolvingPower = o.resolution;
    // The central differences need the +-step points inside the valid range.
    if (o.params.teff - settings.teffStep < kTeffMin || o.params.teff + settings.teffStep > kTeffMax ||
        o.params.logg - settings.loggStep < kLoggMin || o.params.logg + settings.loggStep > kLoggMax ||
        o.params.feh - settings.fehStep < kFehMin || o.params.feh + settings.fehStep > kFehMax)
        throw UsageError(
            "the parameters are too close to the edge of the valid range for the finite differences "
            "(Teff +-20 K, log g +-0.05, [Fe/H] +-0.05 must stay inside)");
    const Synthesizer synthesizer;
    const CramerRaoResult r = cramerRaoBound(synthesizer, o.params, settings);
    if (o.json) {
        printJson(nlohmann::json{{"teff", r.bound[0]}, {"logg", r.bound[1]}, {"feh", r.bound[2]}});
        return;
    }
    std::printf(
        "Cramer-Rao bound for Teff %.0f K, log g %.2f, [Fe/H] %+.2f at S/N %.0f per pixel, R %.0f,\n"
        "4096 pixels 5000-5700 A (air), continuum-normalized, photon noise:\n"
        "  sigma(Teff)   >= %.2f K\n  sigma(log g)  >= %.4f dex\n  sigma([Fe/H]) >= %.4f dex\n",
        o.params.teff, o.params.logg, o.params.feh, o.snr, o.resolution, r.bound[0], r.bound[1], r.bound[2]);
}

// ---------------------------------------------------------------------------------------------
struct TeachingGridOptions {
    std::string out;
    int threads = 0;
    bool quiet = false;
};

void runTeachingGrid(const TeachingGridOptions& o)
{
    const Synthesizer synthesizer;
    TeachingGrid grid(synthesizer);
    const bool resumed = grid.load(o.out);
    ConsoleProgress progress("synth teaching-grid", !o.quiet);
    try {
        grid.precomputeAll(progress, o.threads);
    } catch (const Cancelled&) {
        grid.save(o.out);  // keep what is done: a later run resumes
        throw;
    }
    progress.finish();
    grid.save(o.out);
    std::printf("teaching grid: %zu node spectra (%zu pixels each%s) in %s\n", grid.cachedNodes(),
                grid.wavelengths().size(), resumed ? ", resumed" : "", o.out.c_str());
}

// ---------------------------------------------------------------------------------------------
struct LinesOptions {
    std::string population = "default";  // default (atoms + molecules), atoms, molecules, extra
    std::string out;
};

void runLines(const LinesOptions& o)
{
    std::string text;
    if (o.population == "atoms")
        text = std::string(embeddedLineListText(EmbeddedList::Atoms));
    else if (o.population == "molecules")
        text = std::string(embeddedLineListText(EmbeddedList::Molecules));
    else if (o.population == "extra")
        text = std::string(embeddedLineListText(EmbeddedList::ObservedExtra));
    else
        text = std::string(embeddedLineListText(EmbeddedList::Atoms)) +
               std::string(embeddedLineListText(EmbeddedList::Molecules));
    if (o.out.empty()) {
        std::fputs(text.c_str(), stdout);
        return;
    }
    writeAtomically(o.out, [&](const std::string& tmp) {
        std::ofstream f(tmp, std::ios::binary);
        f << text;
        f.close();
        if (!f) throw Error("could not write the line list", o.out);
    });
    std::printf("wrote %s\n", o.out.c_str());
}

void addParameterOptions(CLI::App* cmd, StellarParameters& p, std::optional<double>& alpha)
{
    cmd->add_option("--teff", p.teff, "Effective temperature, K (3000-8000)")->required();
    cmd->add_option("--logg", p.logg, "Surface gravity log g, cgs (-0.5..6)")->required();
    cmd->add_option("--feh", p.feh, "Metallicity [Fe/H] = [M/H], dex (-4..+1)")->required();
    cmd->add_option("--alpha", alpha,
                    "[alpha/M] of O, Mg, Si, S, Ca, Ti (default: Galactic trend, 0 at [Fe/H] >= 0 rising to +0.3 "
                    "at [Fe/H] <= -1)");
}

}  // namespace

void addSynthCommands(CLI::App& app, CliState& state)
{
    (void)state;
    auto* synth = app.add_subcommand(
        "synth",
        "The embedded 1-D LTE synthesizer (ATLAS9 atmospheres, Saha + molecular equilibrium, H-/H/metal continuum,\n"
        "~26,000 atomic and ~200,000 molecular lines, Voigt profiles, H beta Stark wings, flux by exponential\n"
        "integrals): PHOENIX-format grids, single stars, a demo MARVELS-like survey and Cramer-Rao bounds.\n"
        "Physics, line lists and the synthetic-to-observed gap: docs/synthesizer.md.");
    synth->require_subcommand(1);

    // grid
    auto grid = std::make_shared<GridOptions>();
    auto* g = synth->add_subcommand(
        "grid",
        "Write a grid at PHOENIX spacing in the PHOENIX-ACES-AGSS-COND-2011 HiRes layout: one float32 flux file per\n"
        "model (F_lambda, erg/s/cm^2/cm, PHX* keywords) in Z-x.x/ folders and WAVE_PHOENIX-ACES-AGSS-COND-2011.fits\n"
        "(vacuum Angstrom) at the top, readable as 'phoenix-hires'. Teff steps 100 K (200 K above 7000 K), log g\n"
        "steps 0.5, [Fe/H] in -4,-3,-2,-1.5,-1,-0.5,0,+0.5,+1. Parallel, resumable (complete files are kept),\n"
        "Ctrl-C stops cleanly.");
    g->add_option("--out", grid->out, "Output folder (created if missing)")->required();
    g->add_option("--teff", grid->teff, "Teff range MIN:MAX in K")->capture_default_str();
    g->add_option("--logg", grid->logg, "log g range MIN:MAX")->capture_default_str();
    g->add_option("--feh", grid->feh, "[Fe/H] range MIN:MAX")->capture_default_str();
    g->add_flag("--alpha", grid->alpha,
                "Also write [alpha/M] = +0.20 and +0.40 models (for -3 <= [Fe/H] <= 0, folders Z-x.x.Alpha=+0.20)");
    g->add_option("--window", grid->window, "Vacuum wavelength window MIN:MAX in Angstrom")->capture_default_str();
    g->add_option("--step", grid->step, "Wavelength step in Angstrom (0.01 gives R >= 480,000)")->capture_default_str();
    g->add_option("--threads", grid->threads, "Worker threads (0 = all cores)")->capture_default_str();
    g->add_option("--linelist", grid->lineList, "Use this line list instead of the embedded one (format: docs)")
        ->check(CLI::ExistingFile);
    g->add_flag("--quiet", grid->quiet, "No progress bar");
    g->callback([grid] { runGrid(*grid); });

    // star
    auto star = std::make_shared<StarOptions>();
    auto* s = synth->add_subcommand(
        "star",
        "Synthesize one star. Without --observe: the high-resolution spectrum (vacuum, R = 500,000 ln-lambda\n"
        "sampling) in the PHOENIX layout with WAVE-LOG keywords, so the file is self-contained ('phoenix-medres').\n"
        "With --observe: a MARVELS-like observation (R 11,000, 4096 pixels 5000-5700 A air, blaze, photon + read\n"
        "noise, cosmic rays, dead pixels) in the remap-1d layout with the labels as reference labels.\n" +
            std::string(kParameterHelp));
    addParameterOptions(s, star->params, star->alpha);
    s->add_option("--vmicro", star->vmicro,
                  "Microturbulence: km/s, or a law: 'ges' (Gaia-ESO, the default) or 'apogee' (APOGEE DR12)");
    s->add_option("--vsini", star->params.vsini, "Projected rotation in km/s")->capture_default_str();
    s->add_option("--vmacro", star->params.macroturbulence, "Gaussian macroturbulence in km/s")->capture_default_str();
    auto* observe =
        s->add_flag("--observe", star->observe, "Observe with the MARVELS-like instrument (remap-1d output)");
    s->add_option("--snr", star->snr, "S/N per pixel at the continuum (with --observe)")
        ->capture_default_str()
        ->needs(observe);
    s->add_option("--rv", star->rv, "Radial velocity in km/s (with --observe)")->capture_default_str()->needs(observe);
    s->add_option("--seed", star->seed, "Seed of the observation's randomness (with --observe)")
        ->capture_default_str()
        ->needs(observe);
    s->add_option("--resolution", star->resolution, "Resolving power of the instrument (with --observe)")
        ->capture_default_str()
        ->needs(observe)
        ->check(CLI::Range(100.0, 1e6));
    s->add_flag("--observed-physics", star->observedPhysics,
                "Use the 'observed' physics (perturbed log gf and damping, extra weak lines, APOGEE "
                "microturbulence, continuum offset)");
    s->add_option("--window", star->window, "Vacuum window MIN:MAX in Angstrom (without --observe)")
        ->capture_default_str();
    s->add_option("--linelist", star->lineList, "Use this line list instead of the embedded one")
        ->check(CLI::ExistingFile);
    s->add_option("--atmosphere", star->atmosphere,
                  "Use this model atmosphere (MARCS .mod or ATLAS9 file) instead of the interpolated ATLAS9 grid "
                  "(without --observe; --teff/--logg/--feh still set the abundances and microturbulence)")
        ->check(CLI::ExistingFile)
        ->excludes(observe);
    s->add_option("-o,--output", star->out, "Output FITS file")->required();
    s->callback([star] { runStar(*star); });

    // survey
    auto survey = std::make_shared<SurveyOptions>();
    auto* v = synth->add_subcommand(
        "survey",
        "Write the reproducible demo survey (MARVELS-like): FGK dwarfs with reference labels (fine-tuning set),\n"
        "held-out calibration stars, and giant candidates (~30% true giants) whose labels go only to\n"
        "giants_truth.csv. Spectra in remap-1d under DIR/spectra/, observed with the 'observed' physics;\n"
        "catalogs dwarfs/calibration/giants as .csv and .fits. Parallel, resumable, Ctrl-C stops cleanly.");
    v->add_option("--out", survey->out, "Output folder")->required();
    v->add_option("--seed", survey->spec.seed, "Seed of the whole survey")->capture_default_str();
    v->add_option("--dwarfs", survey->spec.dwarfs, "Number of labelled dwarfs")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    v->add_option("--calibration", survey->spec.calibration, "Number of calibration stars")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    v->add_option("--giants", survey->spec.giants, "Number of giant candidates")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    v->add_option("--giant-fraction", survey->spec.giantFraction, "Fraction of candidates that are giants")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    v->add_option("--threads", survey->spec.threads, "Worker threads (0 = all cores)")->capture_default_str();
    v->add_flag("--quiet", survey->quiet, "No progress bar");
    v->callback([survey] { runSurvey(*survey); });

    // demo
    auto demo = std::make_shared<SurveyOptions>();
    auto demoThreads = std::make_shared<int>(0);
    auto* d = synth->add_subcommand(
        "demo",
        "Make the whole demo: the default FGK grid (Teff 3800-7000, log g 0.5-5, [Fe/H] -2..+0.5, 4852-5850 A;\n"
        "1,980 models) in DIR/grid and the survey (300 dwarfs, 30 calibration stars, 732 giant candidates) in\n"
        "DIR/survey. About 40 minutes on two cores (docs/synthesizer.md), 1 GB of disk; resumable.");
    d->add_option("--out", demo->out, "Output folder")->required();
    d->add_option("--seed", demo->spec.seed, "Seed of the survey")->capture_default_str();
    d->add_option("--threads", *demoThreads, "Worker threads (0 = all cores)")->capture_default_str();
    d->add_flag("--quiet", demo->quiet, "No progress bar");
    d->callback([demo, demoThreads] { runDemo(*demo, *demoThreads); });

    // crlb
    auto crlb = std::make_shared<CrlbOptions>();
    auto* c = synth->add_subcommand(
        "crlb",
        "Cramer-Rao lower bound on Teff, log g and [Fe/H] for a MARVELS-like spectrum (noiseless observation,\n"
        "continuum-normalized; Jacobian by central differences with steps 20 K, 0.05 dex, 0.05 dex; photon noise\n"
        "from the S/N): sigma_k >= sqrt((J^T C^-1 J)^-1)_kk. " +
            std::string(kParameterHelp));
    addParameterOptions(c, crlb->params, crlb->alpha);
    c->add_option("--snr", crlb->snr, "S/N per pixel at the continuum")->required();
    c->add_option("--resolution", crlb->resolution, "Resolving power")
        ->capture_default_str()
        ->check(CLI::Range(100.0, 1e6));
    c->add_flag("--json", crlb->json, "Print {\"teff\": ..., \"logg\": ..., \"feh\": ...} only");
    c->callback([crlb] { runCrlb(*crlb); });

    // teaching-grid
    auto teaching = std::make_shared<TeachingGridOptions>();
    auto* tg = synth->add_subcommand(
        "teaching-grid",
        "Precompute the spectra of the teaching mode's fast path (core/synth/TeachingGrid.h: 1,190 nodes, Teff\n"
        "3800-7000 K step 200, log g 0.5-5 step 0.5, [Fe/H] -2.5..+0.5 step 0.5) into a cache file. Resumable.");
    tg->add_option("-o,--output", teaching->out, "Cache file")->required();
    tg->add_option("--threads", teaching->threads, "Worker threads (0 = all cores)")->capture_default_str();
    tg->add_flag("--quiet", teaching->quiet, "No progress bar");
    tg->callback([teaching] { runTeachingGrid(*teaching); });

    // lines
    auto lines = std::make_shared<LinesOptions>();
    auto* l = synth->add_subcommand(
        "lines",
        "Print (or write) an embedded line list in the REMAP line-list format: 'default' (atoms + molecules, what\n"
        "the synthesizer uses), 'atoms', 'molecules' or 'extra' (the observed-physics extra lines). Start your own\n"
        "list from it.");
    l->add_option("--population", lines->population, "Which list")
        ->capture_default_str()
        ->check(CLI::IsMember({"default", "atoms", "molecules", "extra"}));
    l->add_option("-o,--output", lines->out, "Write to this file instead of standard output");
    l->callback([lines] { runLines(*lines); });
}

}  // namespace remap::cli
