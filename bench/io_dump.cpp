// Prints what readSpectrum gives for a file as JSON (format, unit, medium, wavelength, flux, mask), for
// bench/compare_specutils.py.  io_dump FILE [--order N] [--columns A,B[,C]] [--wave-unit U]
#include "BenchSupport.h"
#include "io/SpectrumReader.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: io_dump FILE [--order N] [--columns A,B[,C]] [--wave-unit U]\n");
        return 2;
    }
    remap::ReadOptions o;
    o.order = std::atoi(remap::bench::arg(argc, argv, "--order", "0").c_str());
    o.waveUnit = remap::bench::arg(argc, argv, "--wave-unit", "");
    std::stringstream columns(remap::bench::arg(argc, argv, "--columns", ""));
    for (std::string c; std::getline(columns, c, ',');) o.columns.push_back(c);
    nlohmann::json j;
    try {
        const remap::Spectrum s = remap::readSpectrum(argv[1], o);
        j["format"] = s.provenance.format;
        j["wave_unit"] = s.provenance.waveUnit;
        j["medium"] = std::string(remap::toString(s.medium));
        j["orders"] = s.provenance.orders;
        j["wavelength"] = s.wavelength;
        j["flux"] = s.flux;
        j["mask"] = s.mask;
        j["warnings"] = s.warnings;
    } catch (const std::exception& e) {
        j["error"] = e.what();
    }
    std::printf("%s\n", j.dump().c_str());
    return 0;
}
