#include "PhoenixGrid.h"

#include "Elements.h"
#include "base/AtomicFile.h"
#include "base/Error.h"
#include "base/Parallel.h"
#include "io/FitsFile.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace remap::synth {
namespace fs = std::filesystem;

namespace {

constexpr double kTol = 1e-6;

bool inRange(double v, double lo, double hi)
{
    return v >= lo - kTol && v <= hi + kTol;
}

std::string fmt(const char* format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::vector<double> teffSequence()
{
    std::vector<double> t;
    for (int v = 2300; v <= 7000; v += 100) t.push_back(v);
    for (int v = 7200; v <= 12000; v += 200) t.push_back(v);
    return t;
}

// True when `path` is a finished flux file of this grid (right length and labels).
bool fluxFileComplete(const std::string& path, std::size_t length, const GridPoint& point)
{
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    try {
        FitsFile f = FitsFile::open(path);
        const auto shape = f.imageShape();
        if (shape.size() != 1 || static_cast<std::size_t>(shape[0]) != length) return false;
        const auto teff = f.keyDouble("PHXTEFF");
        const auto logg = f.keyDouble("PHXLOGG");
        const auto feh = f.keyDouble("PHXM_H");
        const auto alpha = f.keyDouble("PHXALPHA");
        const auto version = f.keyString("PHXVER");
        if (!version || *version != kSynthVersion) return false;  // made by another synthesizer version
        return teff && logg && feh && alpha && std::fabs(*teff - point.teff) < 1e-3 &&
               std::fabs(*logg - point.logg) < 1e-3 && std::fabs(*feh - point.feh) < 1e-3 &&
               std::fabs(*alpha - point.alpha) < 1e-3;
    } catch (const Error&) {
        return false;
    }
}

// True when an existing WAVE file holds exactly `wl`.
bool waveFileMatches(const std::string& path, const std::vector<double>& wl)
{
    FitsFile f = FitsFile::open(path);
    const auto values = f.readImage();
    if (values.size() != wl.size()) return false;
    for (std::size_t i = 0; i < wl.size(); ++i)
        if (std::fabs(values[i] - wl[i]) > 1e-9 * wl[i]) return false;
    return true;
}

}  // namespace

void GridSpec::validate() const
{
    auto range = [](const char* name, double lo, double hi, double vmin, double vmax) {
        if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
            throw UsageError(std::string("the ") + name + " range " + fmt("%g", lo) + ":" + fmt("%g", hi) +
                             " is empty or inverted");
        if (lo < vmin - kTol || hi > vmax + kTol)
            throw UsageError(std::string("the ") + name + " range " + fmt("%g", lo) + ":" + fmt("%g", hi) +
                             " leaves the synthesizer's valid range " + fmt("%g", vmin) + ":" + fmt("%g", vmax));
    };
    range("Teff", teffMin, teffMax, kTeffMin, kTeffMax);
    range("log g", loggMin, loggMax, kLoggMin, kLoggMax);
    range("[Fe/H]", fehMin, fehMax, kFehMin, kFehMax);
    if (!std::isfinite(windowMin) || !std::isfinite(windowMax) || !(windowMax > windowMin))
        throw UsageError("the wavelength window " + fmt("%g", windowMin) + ":" + fmt("%g", windowMax) + " is empty");
    if (windowMin < 2000 || windowMax > 100000) throw UsageError("the wavelength window must lie within 2000-100000 A");
    if (!(step > 0) || step > 10) throw UsageError("the wavelength step must be in (0, 10] A");
    if (threads < 0) throw UsageError("the thread count must not be negative");
}

std::vector<GridPoint> phoenixGridPoints(const GridSpec& spec)
{
    spec.validate();
    const std::vector<double> fehs = {-4.0, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0};
    std::vector<GridPoint> points;
    for (double feh : fehs) {
        if (!inRange(feh, spec.fehMin, spec.fehMax)) continue;
        std::vector<double> alphas = {0.0};
        if (spec.alphaVariants && feh >= -3.0 - kTol && feh <= kTol) alphas = {0.0, 0.2, 0.4};
        for (double alpha : alphas)
            for (double teff : teffSequence()) {
                if (!inRange(teff, spec.teffMin, spec.teffMax)) continue;
                if (alpha != 0.0 && (teff < 3500 || teff > 8000)) continue;
                for (int i = 0; i <= 12; ++i) {
                    const double logg = 0.5 * i;
                    if (!inRange(logg, spec.loggMin, spec.loggMax)) continue;
                    if (logg < minimumLogg(teff) - kTol || logg > kLoggMax + kTol) continue;
                    GridPoint p{teff, logg, feh, alpha, {}};
                    p.relativePath = phoenixFolderName(feh, alpha) + "/" + phoenixFileName(teff, logg, feh, alpha);
                    points.push_back(std::move(p));
                }
            }
    }
    return points;
}

std::string phoenixMetallicityTag(double feh)
{
    const double r = std::round(feh * 10.0) / 10.0;
    if (std::fabs(r) < 0.05) return "-0.0";
    std::string tag(r > 0 ? "+" : "-");
    tag += fmt("%.1f", std::fabs(r));
    return tag;
}

std::string phoenixFolderName(double feh, double alpha)
{
    std::string name("Z");
    name += phoenixMetallicityTag(feh);
    if (std::fabs(alpha) > 1e-9) {
        name += ".Alpha=";
        name += fmt("%+.2f", alpha);
    }
    return name;
}

std::string phoenixFileName(double teff, double logg, double feh, double alpha)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "lte%05d-%.2f", static_cast<int>(std::lround(teff)), logg);
    std::string name(buf);
    name += phoenixMetallicityTag(feh);
    if (std::fabs(alpha) > 1e-9) {
        name += ".Alpha=";
        name += fmt("%+.2f", alpha);
    }
    name += kPhoenixSuffix;
    return name;
}

void writePhoenixWaveFile(const std::string& path, const std::vector<double>& wl)
{
    writeAtomically(path, [&](const std::string& tmp) {
        FitsFile f = FitsFile::create(tmp);
        f.createImage(wl, -64);
        f.writeKey("UNIT", std::string("Angstrom"), "wavelength unit");
        f.writeKey("BUNIT", std::string("Angstrom"), "vacuum wavelength");
        f.writeKey("ORIGIN", std::string(kSynthVersion), "REMAP Studio synthetic grid");
        f.writeKey("VACUUM", true, "wavelengths are in vacuum");
        f.close();
    });
}

void writePhoenixFluxFile(const std::string& path, const Spectrum& s, const StellarParameters& params,
                          double microturbulence, bool lnLambdaAxis)
{
    if (s.empty()) throw Error("cannot write an empty spectrum", path);
    double lnStep = 0;
    if (lnLambdaAxis) {
        lnStep = (std::log(s.wavelength.back()) - std::log(s.wavelength.front())) / static_cast<double>(s.size() - 1);
        for (std::size_t i = 1; i < s.size(); ++i) {
            const double d = std::log(s.wavelength[i]) - std::log(s.wavelength[i - 1]);
            if (std::fabs(d - lnStep) > 1e-6 * lnStep + 1e-12)
                throw Error("the spectrum is not on a uniform ln(lambda) grid, so it cannot carry WAVE-LOG keywords",
                            path);
        }
    }
    const double alpha = s.labels.alpha.value_or(params.alpha.value_or(0.0));
    writeAtomically(path, [&](const std::string& tmp) {
        FitsFile f = FitsFile::create(tmp);
        f.createImage(s.flux, -32);
        f.writeKey("BUNIT", std::string("erg/s/cm^2/cm"), "F_lambda surface flux");
        f.writeKey("PHXTEFF", params.teff, "[K] effective temperature");
        f.writeKey("PHXLOGG", params.logg, "[cm/s^2] log (surface gravity)");
        f.writeKey("PHXM_H", params.feh, "[M/H] metallicity (rel. solar)");
        f.writeKey("PHXALPHA", alpha, "[a/M] alpha element enhancement");
        f.writeKey("PHXDUST", false, "dust in atmosphere");
        f.writeKey("PHXXI_L", microturbulence, "[km/s] microturbulence velocity for lines");
        f.writeKey("PHXXI_M", microturbulence, "[km/s] microturbulence velocity for molecules");
        f.writeKey("PHXXI_N", microturbulence, "[km/s] microturbulence velocity for continuum");
        f.writeKey("PHXMXLEN", 0.0, "mixing length (not modelled)");
        f.writeKey("PHXBUILD", std::string("remap"), "synthesizer build");
        f.writeKey("PHXVER", std::string(kSynthVersion), "synthesizer version");
        f.writeKey("PHXEOS", std::string("Saha+molecules (B&C16), ATLAS9"), "equation of state, atmospheres");
        f.writeKey("PHXVSINI", params.vsini, "[km/s] rotation applied (REMAP)");
        f.writeKey("ORIGIN", std::string("REMAP Studio"), "synthetic spectrum, not a PHOENIX model");
        f.writeKey("WAVEMED", std::string("vacuum"), "wavelength medium");
        if (lnLambdaAxis) {
            f.writeKey("CTYPE1", std::string("WAVE-LOG"), "vacuum; CRVAL1 = ln(lambda / Angstrom)");
            f.writeKey("CUNIT1", std::string("Angstrom"), "");
            f.writeKey("CRPIX1", 1.0, "reference pixel");
            f.writeKey("CRVAL1", std::log(s.wavelength.front()), "ln(lambda/Angstrom) at CRPIX1");
            f.writeKey("CDELT1", lnStep, "ln(lambda) step");
        }
        f.writeHistory("Synthesized by REMAP Studio's embedded synthesizer (docs/synthesizer.md).");
        const auto list = s.metadata.find("LINELIST");
        f.writeHistory("Line list: " + (list != s.metadata.end() ? list->second : std::string("default")));
        // HDU1: element abundances A(X) as used, like PHOENIX's abundance table.
        StellarParameters p = params;
        const auto ab = stellarAbundances(p, alpha);
        const std::size_t ne = ab.size();
        f.createTable("ABUNDANCES", {{"ELEMENT", "2A", ""}, {"Z", "D", ""}, {"ABUNDANCE", "D", "log(N/N_H)+12"}},
                      static_cast<long>(ne));
        std::vector<std::string> names(ne);
        std::vector<double> zs(ne);
        for (std::size_t i = 0; i < ne; ++i) {
            names[i] = std::string(elementsBegin()[i].symbol);
            zs[i] = elementsBegin()[i].z;
        }
        f.writeColumn(1, names);
        f.writeColumn(2, zs);
        f.writeColumn(3, ab);
        f.close();
    });
}

GridReport writePhoenixGrid(const Synthesizer& synthesizer, const GridSpec& spec, const std::string& outDir,
                            ProgressObserver& progress)
{
    spec.validate();
    const auto start = std::chrono::steady_clock::now();
    const auto points = phoenixGridPoints(spec);
    if (points.empty()) throw UsageError("the requested ranges contain no PHOENIX grid point");
    std::error_code ec;
    fs::create_directories(outDir, ec);
    if (!fs::is_directory(outDir, ec)) throw Error("cannot create the output folder", outDir);
    const auto wl = linearWavelengthGrid(spec.windowMin, spec.windowMax, spec.step);
    GridReport report;
    report.total = points.size();
    report.waveFile = (fs::path(outDir) / kPhoenixWaveName).string();
    if (fs::exists(report.waveFile, ec)) {
        if (!waveFileMatches(report.waveFile, wl))
            throw Error("the folder already holds a grid with a different wavelength axis; use another --out folder",
                        report.waveFile);
    } else {
        writePhoenixWaveFile(report.waveFile, wl);
    }
    for (const auto& p : points) fs::create_directories(fs::path(outDir) / fs::path(p.relativePath).parent_path(), ec);

    const int threads = resolveThreadCount(spec.threads);
    std::vector<SynthesisWorkspace> workspaces(static_cast<std::size_t>(threads));
    std::vector<SynthesisResult> results(static_cast<std::size_t>(threads));
    std::atomic<std::size_t> written{0}, skipped{0};
    parallelFor(points.size(), threads, progress, "synthesizing grid", [&](std::size_t i, int worker) {
        const GridPoint& point = points[i];
        const std::string path = (fs::path(outDir) / point.relativePath).string();
        if (fluxFileComplete(path, wl.size(), point)) {
            ++skipped;
            return;
        }
        StellarParameters params;
        params.teff = point.teff;
        params.logg = point.logg;
        params.feh = point.feh;
        params.alpha = point.alpha;
        auto& result = results[static_cast<std::size_t>(worker)];
        synthesizer.synthesize(params, wl, result, workspaces[static_cast<std::size_t>(worker)]);
        Spectrum s;
        s.wavelength = wl;
        s.flux = result.flux;
        s.medium = Medium::Vacuum;
        s.labels.alpha = point.alpha;
        s.metadata["LINELIST"] = synthesizer.lineList().source;
        writePhoenixFluxFile(path, s, params, result.microturbulence, false);
        ++written;
    });
    report.written = written;
    report.skipped = skipped;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace remap::synth
