// Reading speed of real-size archive files (issue 11): a 313,000-pixel HARPS s1d (the real solar
// spectrum in ../shared/physics/solar_spectra) and a 51-order IRAF multispec echelle (4096 pixels per
// order, Legendre dispersion, sigma band; written by tests/io/trap_fixtures.py's "bench" group) read
// with readSpectrum, the whole reader included (detection, axis decisions, bad pixels, merge of the 51
// orders). The Python way (bench/python/io_reference.py: astropy.io.fits + the wavelength formula,
// specutils where it has a reader) runs in alternating rounds on the same files; medians are reported.
//   bench_io [--harps FILE] [--multispec FILE] [--rounds N] [--no-python]
// Wall-clock seconds of one read each; the machine is shared, so compare medians and ratios.
#include "BenchSupport.h"
#include "io/SpectrumReader.h"

#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using namespace remap;
namespace fs = std::filesystem;

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

struct Timing {
    double wall = 0, cpu = 0;
};

Timing timeRead(const std::string& path, std::size_t& pixels, int& orders)
{
    const double w0 = bench::wallSeconds(), c0 = bench::cpuSeconds();
    const Spectrum s = readSpectrum(path);
    const Timing t{bench::wallSeconds() - w0, bench::cpuSeconds() - c0};
    pixels = s.size();
    orders = s.provenance.orders;
    return t;
}

// One round of the Python reference; its own timings (interpreter start-up excluded).
nlohmann::json pythonRound(const std::string& script, const std::string& harps, const std::string& multispec)
{
    const std::string cmd = "/usr/bin/python3 '" + script + "' '" + harps + "' '" + multispec + "'";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
    if (!pipe) return {};
    std::string out;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe.get())) out += buffer;
    try {
        return nlohmann::json::parse(out);
    } catch (const std::exception&) {
        return {};
    }
}

}  // namespace

int main(int argc, char** argv)
{
    const std::string source = REMAP_SOURCE_DIR;
    const std::string harps = bench::arg(
        argc, argv, "--harps", source + "/../shared/physics/solar_spectra/sun_HARPS_Ganymede_2007_3783-6913A.fits");
    std::string multispec = bench::arg(argc, argv, "--multispec", "");
    const int rounds = std::atoi(bench::arg(argc, argv, "--rounds", "11").c_str());
    const bool python = !bench::flag(argc, argv, "--no-python");
    std::string tmp;
    if (multispec.empty()) {
        tmp = (fs::temp_directory_path() / ("remap-bench-io-" + std::to_string(::getpid()))).string();
        const std::string cmd =
            "/usr/bin/python3 '" + source + "/tests/io/trap_fixtures.py' '" + tmp + "' bench >/dev/null";
        if (std::system(cmd.c_str()) != 0) {
            std::fprintf(stderr,
                         "bench_io: could not write the multispec fixture (needs /usr/bin/python3 with astropy)\n");
            return 1;
        }
        multispec = tmp + "/bench_multispec_51.fits";
    }
    const std::string script = source + "/bench/python/io_reference.py";
    std::vector<double> cHarps, cMulti, cHarpsCpu, cMultiCpu, pHarps, pMulti, sHarps, pHarpsCpu, pMultiCpu;
    std::size_t harpsPixels = 0, multiPixels = 0;
    int orders = 0, ignored = 0;
    try {
        timeRead(harps, harpsPixels, ignored);  // warm the page cache
        timeRead(multispec, multiPixels, orders);
        for (int r = 0; r < rounds; ++r) {
            const Timing h = timeRead(harps, harpsPixels, ignored);
            const Timing m = timeRead(multispec, multiPixels, orders);
            cHarps.push_back(h.wall);
            cHarpsCpu.push_back(h.cpu);
            cMulti.push_back(m.wall);
            cMultiCpu.push_back(m.cpu);
            if (!python) continue;
            const auto p = pythonRound(script, harps, multispec);
            if (p.contains("harps_astropy")) pHarps.push_back(p["harps_astropy"].get<double>());
            if (p.contains("harps_astropy_cpu")) pHarpsCpu.push_back(p["harps_astropy_cpu"].get<double>());
            if (p.contains("multispec_astropy")) pMulti.push_back(p["multispec_astropy"].get<double>());
            if (p.contains("multispec_astropy_cpu")) pMultiCpu.push_back(p["multispec_astropy_cpu"].get<double>());
            if (p.contains("harps_specutils")) sHarps.push_back(p["harps_specutils"].get<double>());
            if (p.contains("harps_specutils_error") && r == 0)
                std::printf("specutils wcs1d-fits on the HARPS s1d: %s\n",
                            p["harps_specutils_error"].get<std::string>().c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_io: %s\n", e.what());
        return 1;
    }
    std::printf("rounds %d (alternating C++ and Python); medians, wall clock [process CPU]\n", rounds);
    std::printf("HARPS s1d      %zu pixels: REMAP readSpectrum %.1f ms [%.1f ms]", harpsPixels, 1e3 * median(cHarps),
                1e3 * median(cHarpsCpu));
    if (!pHarps.empty())
        std::printf("; astropy getdata + WCS %.1f ms [%.1f ms] (wall ratio Python/REMAP %.2f)", 1e3 * median(pHarps),
                    1e3 * median(pHarpsCpu), median(pHarps) / median(cHarps));
    if (!sHarps.empty())
        std::printf("; specutils wcs1d-fits %.1f ms (ratio %.2f)", 1e3 * median(sHarps),
                    median(sHarps) / median(cHarps));
    std::printf("\n");
    std::printf("IRAF multispec %d orders -> %zu merged pixels: REMAP readSpectrum %.1f ms [%.1f ms]", orders,
                multiPixels, 1e3 * median(cMulti), 1e3 * median(cMultiCpu));
    if (!pMulti.empty())
        std::printf(
            "; astropy getdata + WAT2 parse + Legendre wavelengths, no merge %.1f ms [%.1f ms] (wall ratio %.2f)",
            1e3 * median(pMulti), 1e3 * median(pMultiCpu), median(pMulti) / median(cMulti));
    std::printf("\n");
    std::printf("targets (wall clock): HARPS s1d < 50 ms: %s; 51-order multispec < 100 ms: %s\n",
                median(cHarps) < 0.050 ? "met" : "NOT met", median(cMulti) < 0.100 ? "met" : "NOT met");
    if (!tmp.empty()) fs::remove_all(tmp);
    return 0;
}
