// Preprocessing throughput on (a) PHOENIX HiRes-length synthetic spectra (1,569,128 pixels over
// 500-55000 A, vacuum) through the Preprocessor chain (crop, air, R = 11000, MARVELS grid, continuum)
// and through a full-range degradeResolution, and (b) 4096-pixel MARVELS-like observed spectra through
// the full chain with radial-velocity correction against a template. Single thread = per core.
//
// With --out DIR the inputs, the spec and the C++ outputs are written there (raw little-endian
// float64/float32 + JSON) so bench/python/prep_reference.py can run the same chain on identical data
// and compare (see bench/run_prep_bench.sh). Times are process CPU seconds (single thread).
#include "prep/Preprocessor.h"
#include "prep/Resolution.h"

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

using namespace remap;

namespace {

constexpr std::size_t kPhoenixPixels = 1'569'128;

// Process CPU time: throughput per core that the other load on a shared machine does not distort.
double cpuNow()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

long peakRssKb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

template <typename T>
void writeRaw(const std::filesystem::path& path, const std::vector<T>& v)
{
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
}

// Planck-like continuum with ~23,500 absorption lines (thermal-width Gaussians, R ~ 80000) on a
// log-uniform axis of PHOENIX HiRes length.
Spectrum phoenixLike(unsigned seed)
{
    Spectrum s;
    const std::size_t n = kPhoenixPixels;
    const double x0 = std::log(500.0), x1 = std::log(55000.0), h = (x1 - x0) / static_cast<double>(n - 1);
    s.wavelength.resize(n);
    s.flux.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double w = std::exp(x0 + h * static_cast<double>(i));
        s.wavelength[i] = w;
        const double um = w * 1e-4;
        s.flux[i] = 1.0 / (std::pow(um, 5) * (std::exp(1.4388 / (um * 0.58)) - 1.0));  // T = 5800 K
    }
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> pos(x0, x1), depth(0.05, 0.9);
    for (int k = 0; k < 23500; ++k) {
        const double c = pos(rng), d = depth(rng);
        const double sigma = 1.0 / (80000.0 * 2.3548200450309493);  // in ln(lambda)
        const auto centre = static_cast<std::ptrdiff_t>((c - x0) / h);
        const auto half = static_cast<std::ptrdiff_t>(5 * sigma / h) + 1;
        for (std::ptrdiff_t i = std::max<std::ptrdiff_t>(0, centre - half);
             i <= std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(n) - 1, centre + half); ++i) {
            const double u = (x0 + h * static_cast<double>(i) - c) / sigma;
            s.flux[static_cast<std::size_t>(i)] *= 1.0 - d * std::exp(-0.5 * u * u);
        }
    }
    s.ivar.assign(n, 0.0);
    s.mask.assign(n, 0);
    s.medium = Medium::Vacuum;
    return s;
}

struct Lines {
    std::vector<double> centre, depth, sigma;
};

Lines restLines(unsigned seed)
{
    Lines l;
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> pos(4850.0, 5850.0), depth(0.05, 0.8);
    for (int k = 0; k < 400; ++k) {
        l.centre.push_back(pos(rng));
        l.depth.push_back(depth(rng));
        l.sigma.push_back(l.centre.back() / (22000.0 * 2.3548200450309493));  // observed at R = 22000
    }
    return l;
}

double lineFactor(const Lines& l, double restW)
{
    double f = 1.0;
    for (std::size_t k = 0; k < l.centre.size(); ++k) {
        const double u = (restW - l.centre[k]) / l.sigma[k];
        if (std::abs(u) < 8) f *= 1.0 - l.depth[k] * std::exp(-0.5 * u * u);
    }
    return f;
}

// 4096 linear pixels over 4990-5710 A (air), R = 22000, random RV within +-150 km/s, S/N 50.
Spectrum marvelsLike(const Lines& l, std::mt19937_64& rng, double& rvTrue)
{
    std::uniform_real_distribution<double> rv(-150.0, 150.0), tilt(-0.2, 0.2);
    std::normal_distribution<double> noise(0.0, 1.0);
    rvTrue = rv(rng);
    const double a = tilt(rng), b = 0.5 * tilt(rng);
    const double d = std::sqrt((1.0 + rvTrue / 299792.458) / (1.0 - rvTrue / 299792.458));
    Spectrum s;
    for (std::size_t i = 0; i < 4096; ++i) {
        const double w = 4990.0 + 720.0 * static_cast<double>(i) / 4095.0;
        const double x = (w - 5350.0) / 360.0;
        const double c = 500.0 * (1.0 + a * x + b * x * x);
        const double f = c * lineFactor(l, w / d);
        const double sigma = c / 50.0;
        s.wavelength.push_back(w);
        s.flux.push_back(f + sigma * noise(rng));
        s.ivar.push_back(1.0 / (sigma * sigma));
        s.mask.push_back(0);
    }
    s.medium = Medium::Air;
    s.metadata[kResolvingPowerKey] = "22000";
    return s;
}

Spectrum templateSpectrum(const Lines& l)
{
    Spectrum s;
    for (double w = 4850.0; w <= 5850.0; w += 0.05) {
        s.wavelength.push_back(w);
        s.flux.push_back(lineFactor(l, w));
    }
    s.ivar.assign(s.size(), 0.0);
    s.mask.assign(s.size(), 0);
    s.medium = Medium::Air;
    s.metadata[kResolvingPowerKey] = "22000";
    return s;
}

}  // namespace

int main(int argc, char** argv)
{
    std::string outDir;
    int nMarvels = 200, phoenixRepeats = 20;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--out" && i + 1 < argc)
            outDir = argv[++i];
        else if (a == "--marvels" && i + 1 < argc)
            nMarvels = std::stoi(argv[++i]);
        else if (a == "--phoenix-repeats" && i + 1 < argc)
            phoenixRepeats = std::stoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: bench_prep [--out DIR] [--marvels N] [--phoenix-repeats K]\n");
            return 2;
        }
    }
    nlohmann::json results;
    const std::filesystem::path dir(outDir);
    if (!outDir.empty()) std::filesystem::create_directories(dir);

    // (a) PHOENIX-length spectra, no RV (synthetic, rest frame).
    const Spectrum phoenix = phoenixLike(1);
    PreprocessSpec spec;
    spec.correctRv = false;
    const Preprocessor synthPrep(spec);
    PreparedSpectrum synthOut;
    double t0 = cpuNow();
    for (int r = 0; r < phoenixRepeats; ++r) synthOut = synthPrep.prepare(phoenix);
    const double tPhoenix = (cpuNow() - t0) / phoenixRepeats;
    t0 = cpuNow();
    const int fullRepeats = 3;
    Spectrum full;
    for (int r = 0; r < fullRepeats; ++r) full = degradeResolution(phoenix, 11000.0);
    const double tFull = (cpuNow() - t0) / fullRepeats;
    std::printf("PHOENIX-length (%zu px) chain -> MARVELS grid: %.2f ms/spectrum = %.1f spectra/s per core\n",
                phoenix.size(), 1e3 * tPhoenix, 1.0 / tPhoenix);
    std::printf("PHOENIX-length full-range degradeResolution(R=11000): %.1f ms/spectrum = %.2f spectra/s per core\n",
                1e3 * tFull, 1.0 / tFull);
    results["phoenix_chain_s"] = tPhoenix;
    results["phoenix_full_degrade_s"] = tFull;

    // (b) MARVELS-like observed spectra with RV correction.
    const Lines lines = restLines(2);
    PreprocessSpec obsSpec;  // defaults: RV on, +-500 km/s
    const Spectrum tpl = templateSpectrum(lines);
    t0 = cpuNow();
    const Preprocessor obsPrep(obsSpec, tpl);
    const double tSetup = (cpuNow() - t0);
    std::mt19937_64 rng(3);
    std::vector<Spectrum> inputs;
    std::vector<double> rvTrue(static_cast<std::size_t>(nMarvels));
    for (auto& v : rvTrue) inputs.push_back(marvelsLike(lines, rng, v));
    std::vector<PreparedSpectrum> outs(inputs.size());
    t0 = cpuNow();
    for (std::size_t i = 0; i < inputs.size(); ++i) outs[i] = obsPrep.prepare(inputs[i]);
    const double tMarvels = (cpuNow() - t0) / static_cast<double>(inputs.size());
    double rvWorst = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) rvWorst = std::max(rvWorst, std::abs(outs[i].rvKms - rvTrue[i]));
    std::printf(
        "MARVELS-like (4096 px, RV + R 22000->11000 + grid + continuum): %.3f ms/spectrum = %.0f spectra/s "
        "per core (template setup %.1f ms; worst RV error %.3f km/s)\n",
        1e3 * tMarvels, 1.0 / tMarvels, 1e3 * tSetup, rvWorst);
    std::printf("peak RSS: %.1f MiB\n", static_cast<double>(peakRssKb()) / 1024.0);
    results["marvels_chain_s"] = tMarvels;
    results["marvels_count"] = nMarvels;
    results["template_setup_s"] = tSetup;
    results["rv_worst_error_kms"] = rvWorst;
    results["peak_rss_kib"] = peakRssKb();

    if (!outDir.empty()) {
        writeRaw(dir / "phoenix_wave.f64", phoenix.wavelength);
        writeRaw(dir / "phoenix_flux.f64", phoenix.flux);
        writeRaw(dir / "cpp_phoenix_out.f32", synthOut.flux);
        writeRaw(dir / "cpp_phoenix_full_degrade.f32", std::vector<float>(full.flux.begin(), full.flux.end()));
        std::vector<double> w, f, iv, rvs;
        std::vector<float> of, oi;
        std::vector<std::uint8_t> om;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            if (i == 0) w = inputs[i].wavelength;
            f.insert(f.end(), inputs[i].flux.begin(), inputs[i].flux.end());
            iv.insert(iv.end(), inputs[i].ivar.begin(), inputs[i].ivar.end());
            of.insert(of.end(), outs[i].flux.begin(), outs[i].flux.end());
            oi.insert(oi.end(), outs[i].ivar.begin(), outs[i].ivar.end());
            om.insert(om.end(), outs[i].mask.begin(), outs[i].mask.end());
            rvs.push_back(outs[i].rvKms);
        }
        writeRaw(dir / "marvels_wave.f64", w);
        writeRaw(dir / "marvels_flux.f64", f);
        writeRaw(dir / "marvels_ivar.f64", iv);
        writeRaw(dir / "marvels_rv_true.f64", rvTrue);
        writeRaw(dir / "template_wave.f64", tpl.wavelength);
        writeRaw(dir / "template_flux.f64", tpl.flux);
        writeRaw(dir / "cpp_marvels_out.f32", of);
        writeRaw(dir / "cpp_marvels_ivar.f32", oi);
        writeRaw(dir / "cpp_marvels_mask.u8", om);
        writeRaw(dir / "cpp_marvels_rv.f64", rvs);
        nlohmann::json manifest{{"phoenix_pixels", phoenix.size()}, {"phoenix_medium", "vacuum"},
                                {"marvels_count", nMarvels},        {"marvels_pixels", 4096},
                                {"marvels_medium", "air"},          {"input_resolving_power", 22000.0},
                                {"spec", obsSpec.toJson()},         {"cpp", results}};
        std::ofstream(dir / "manifest.json") << manifest.dump(2) << "\n";
    }
    return 0;
}
