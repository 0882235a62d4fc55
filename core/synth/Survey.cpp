#include "Survey.h"

#include "base/AtomicFile.h"
#include "base/Error.h"
#include "base/Parallel.h"
#include "base/Random.h"
#include "io/FitsFile.h"
#include "io/RemapSpectrumWriter.h"
#include "io/SpectrumReader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace remap::synth {
namespace fs = std::filesystem;

namespace {

double clipped(SeededRandom& rng, double mean, double sigma, double lo, double hi)
{
    // Redraw (up to a bound) rather than pile up at the limits, then clip.
    for (int i = 0; i < 20; ++i) {
        const double v = rng.gaussian(mean, sigma);
        if (v >= lo && v <= hi) return v;
    }
    return std::clamp(mean, lo, hi);
}

double round2(double v)
{
    return std::round(v * 100.0) / 100.0;
}

// Main-sequence-like log g for a dwarf of temperature t, with scatter.
double dwarfLogg(SeededRandom& rng, double teff)
{
    return std::clamp(round2(4.44 + 2.5e-4 * (5777.0 - teff) + rng.gaussian(0.0, 0.08)), 4.0, 4.7);
}

void fillCommon(SeededRandom& rng, SurveyStar& s)
{
    StellarParameters& p = s.params;
    p.feh = round2(clipped(rng, -0.05, 0.25, -2.0, 0.5));
    p.alpha = std::clamp(round2(galacticAlpha(p.feh) + rng.gaussian(0.0, 0.03)), -0.1, 0.45);
    const bool giant = p.logg < 3.5;
    p.vsini = giant ? rng.uniform(1.0, 3.0) : (p.teff > 6200 ? rng.uniform(3.0, 10.0) : rng.uniform(1.0, 4.0));
    p.macroturbulence = giant ? rng.uniform(4.0, 6.0) : std::clamp(3.98 + (p.teff - 5770.0) / 650.0, 1.0, 6.0);
    s.snr = std::round(30.0 * std::pow(5.0, rng.uniform()) * 10.0) / 10.0;  // log-uniform 30-150
    s.rvKms = std::round(std::clamp(rng.gaussian(-5.0, 35.0), -150.0, 150.0) * 100.0) / 100.0;
    s.isGiant = giant;
}

std::string sampleName(SurveySample s)
{
    switch (s) {
        case SurveySample::Dwarf:
            return "dwarf";
        case SurveySample::Calibration:
            return "calibration";
        case SurveySample::GiantCandidate:
            return "giant-candidate";
    }
    return "";
}

std::string fmt(const char* format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

void writeText(const std::string& path, const std::string& text)
{
    writeAtomically(path, [&](const std::string& tmp) {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        out.close();
        if (!out) throw Error("could not write the file", path);
    });
}

struct CatalogColumn {
    std::string name;
    std::string unit;
    bool text = false;
};

// A catalog as CSV and as a FITS binary table (EXTNAME CATALOG) with the same columns.
void writeCatalog(const std::string& base, const std::vector<CatalogColumn>& columns,
                  const std::vector<std::vector<std::string>>& textCells,
                  const std::vector<std::vector<double>>& numbers)
{
    // textCells[c] holds the values of text column c (in the order text columns appear), numbers[c]
    // those of numeric column c.
    std::size_t rows = 0;
    if (!textCells.empty()) rows = textCells.front().size();
    if (!numbers.empty()) rows = numbers.front().size();
    std::string csv;
    for (std::size_t c = 0; c < columns.size(); ++c) csv += (c ? "," : "") + columns[c].name;
    csv += '\n';
    for (std::size_t r = 0; r < rows; ++r) {
        std::size_t t = 0, n = 0;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            if (c) csv += ',';
            if (columns[c].text)
                csv += textCells[t++][r];
            else
                csv += fmt("%.6g", numbers[n++][r]);
        }
        csv += '\n';
    }
    writeText(base + ".csv", csv);
    writeAtomically(base + ".fits", [&](const std::string& tmp) {
        FitsFile f = FitsFile::create(tmp);
        f.createEmptyPrimary();
        f.writeKey("ORIGIN", std::string("REMAP Studio demo survey"), "synthetic catalog");
        std::vector<FitsFile::ColumnSpec> specs;
        std::size_t t = 0;
        for (const auto& c : columns) {
            if (c.text) {
                std::size_t width = 1;
                for (const auto& v : textCells[t]) width = std::max(width, v.size());
                specs.push_back({c.name, std::to_string(width) + "A", c.unit});
                ++t;
            } else {
                specs.push_back({c.name, "D", c.unit});
            }
        }
        f.createTable("CATALOG", specs, static_cast<long>(rows));
        t = 0;
        std::size_t n = 0;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            if (columns[c].text)
                f.writeColumn(static_cast<int>(c) + 1, textCells[t++]);
            else
                f.writeColumn(static_cast<int>(c) + 1, numbers[n++]);
        }
        f.close();
    });
}

bool spectrumComplete(const std::string& path, int pixels)
{
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    try {
        const Spectrum s = readSpectrum(path);
        return static_cast<int>(s.size()) == pixels;
    } catch (const Error&) {
        return false;
    }
}

}  // namespace

void SurveySpec::validate() const
{
    if (dwarfs < 0 || calibration < 0 || giants < 0) throw UsageError("survey star counts must not be negative");
    if (dwarfs > 100000 || calibration > 100000 || giants > 100000)
        throw UsageError("survey star counts are limited to 100000 per sample");
    if (dwarfs + calibration + giants == 0) throw UsageError("the survey would contain no star");
    if (!(giantFraction >= 0 && giantFraction <= 1)) throw UsageError("the giant fraction must lie in 0..1");
    if (threads < 0) throw UsageError("the thread count must not be negative");
    instrument.validate();
}

std::vector<SurveyStar> drawSurveyStars(const SurveySpec& spec)
{
    spec.validate();
    SeededRandom rng(spec.seed);
    std::vector<SurveyStar> stars;
    char id[32];
    auto dwarf = [&](SurveySample sample, int index, const char* prefix, int digits) {
        SurveyStar s;
        s.sample = sample;
        std::snprintf(id, sizeof id, "%s%0*d", prefix, digits, index);
        s.id = id;
        s.params.teff = std::round(clipped(rng, 5600.0, 450.0, 4500.0, 6500.0));
        s.params.logg = dwarfLogg(rng, s.params.teff);
        fillCommon(rng, s);
        return s;
    };
    for (int i = 1; i <= spec.dwarfs; ++i) stars.push_back(dwarf(SurveySample::Dwarf, i, "D", 4));
    for (int i = 1; i <= spec.calibration; ++i) stars.push_back(dwarf(SurveySample::Calibration, i, "C", 3));
    for (int i = 1; i <= spec.giants; ++i) {
        SurveyStar s;
        s.sample = SurveySample::GiantCandidate;
        std::snprintf(id, sizeof id, "G%04d", i);
        s.id = id;
        const double u = rng.uniform();
        if (u < spec.giantFraction) {
            s.params.teff = std::round(clipped(rng, 4850.0, 250.0, 4500.0, 5500.0));
            s.params.logg = round2(rng.uniform(2.0, 3.5 - 1e-9));
        } else {
            s.params.teff = std::round(clipped(rng, 5500.0, 500.0, 4500.0, 6500.0));
            if (rng.uniform() < 0.6)
                s.params.logg = dwarfLogg(rng, s.params.teff);
            else
                s.params.logg = round2(rng.uniform(3.5, 4.1));  // subgiants
        }
        fillCommon(rng, s);
        stars.push_back(std::move(s));
    }
    for (std::size_t i = 0; i < stars.size(); ++i) {
        stars[i].file = "spectra/" + stars[i].id + ".fits";
        stars[i].seed = deriveSeed(spec.seed, i);
    }
    return stars;
}

SurveyReport writeDemoSurvey(const SurveySpec& spec, const std::string& outDir, ProgressObserver& progress)
{
    spec.validate();
    const auto start = std::chrono::steady_clock::now();
    const auto stars = drawSurveyStars(spec);
    std::error_code ec;
    fs::create_directories(fs::path(outDir) / "spectra", ec);
    if (!fs::is_directory(fs::path(outDir) / "spectra", ec))
        throw Error("cannot create the survey folder", (fs::path(outDir) / "spectra").string());
    const Synthesizer synthesizer = makeObservedSynthesizer(spec.physics);
    std::atomic<std::size_t> written{0}, skipped{0};
    parallelFor(stars.size(), resolveThreadCount(spec.threads), progress, "observing survey stars",
                [&](std::size_t i, int) {
                    const SurveyStar& star = stars[i];
                    const std::string path = (fs::path(outDir) / star.file).string();
                    if (spectrumComplete(path, spec.instrument.pixels)) {
                        ++skipped;
                        return;
                    }
                    ObservationSettings obs;
                    obs.snr = star.snr;
                    obs.rvKms = star.rvKms;
                    obs.seed = star.seed;
                    Spectrum s = observeStar(synthesizer, star.params, spec.instrument, obs);
                    s.objectName = "REMAP-" + star.id;
                    s.metadata["SAMPLE"] = sampleName(star.sample);
                    if (star.sample == SurveySample::GiantCandidate) {
                        // Truth stays out of the spectrum: only giants_truth.csv has it.
                        s.labels = {};
                        for (const auto& key : {"VMICRO", "VSINI", "RV"}) s.metadata.erase(key);
                    }
                    writeRemapSpectrum(s, path);
                    ++written;
                });

    // Catalogs.
    const std::vector<CatalogColumn> labelled = {{"id", "", true},      {"file", "", true},     {"snr", "", false},
                                                 {"rv", "km/s", false}, {"teff", "K", false},   {"logg", "dex", false},
                                                 {"feh", "dex", false}, {"alpha", "dex", false}};
    for (SurveySample sample : {SurveySample::Dwarf, SurveySample::Calibration}) {
        std::vector<std::vector<std::string>> text(2);
        std::vector<std::vector<double>> num(6);
        for (const auto& s : stars) {
            if (s.sample != sample) continue;
            text[0].push_back(s.id);
            text[1].push_back(s.file);
            num[0].push_back(s.snr);
            num[1].push_back(s.rvKms);
            num[2].push_back(s.params.teff);
            num[3].push_back(s.params.logg);
            num[4].push_back(s.params.feh);
            num[5].push_back(*s.params.alpha);
        }
        if (text[0].empty()) continue;
        writeCatalog((fs::path(outDir) / (sample == SurveySample::Dwarf ? "dwarfs" : "calibration")).string(), labelled,
                     text, num);
    }
    std::vector<std::vector<std::string>> gText(2);
    std::vector<std::vector<double>> gNum(1);
    std::string truth = "id,file,teff,logg,feh,alpha,is_giant,rv,vsini,vmacro\n";
    for (const auto& s : stars) {
        if (s.sample != SurveySample::GiantCandidate) continue;
        gText[0].push_back(s.id);
        gText[1].push_back(s.file);
        gNum[0].push_back(s.snr);
        truth += s.id + "," + s.file + "," + fmt("%.0f", s.params.teff) + "," + fmt("%.2f", s.params.logg) + "," +
                 fmt("%.2f", s.params.feh) + "," + fmt("%.2f", *s.params.alpha) + "," + (s.isGiant ? "1" : "0") + "," +
                 fmt("%.2f", s.rvKms) + "," + fmt("%.2f", s.params.vsini) + "," +
                 fmt("%.2f", s.params.macroturbulence) + "\n";
    }
    if (!gText[0].empty()) {
        writeCatalog((fs::path(outDir) / "giants").string(), {{"id", "", true}, {"file", "", true}, {"snr", "", false}},
                     gText, gNum);
        writeText((fs::path(outDir) / "giants_truth.csv").string(), truth);
    }
    SurveyReport report;
    report.stars = stars.size();
    report.written = written;
    report.skipped = skipped;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

DemoReport writeDemo(const std::string& outDir, const GridSpec& grid, const SurveySpec& survey,
                     ProgressObserver& progress)
{
    grid.validate();
    survey.validate();
    const auto start = std::chrono::steady_clock::now();
    DemoReport report;
    const Synthesizer synthesizer;
    report.grid = writePhoenixGrid(synthesizer, grid, (fs::path(outDir) / "grid").string(), progress);
    report.survey = writeDemoSurvey(survey, (fs::path(outDir) / "survey").string(), progress);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace remap::synth
