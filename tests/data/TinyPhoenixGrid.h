#pragma once

// A tiny PHOENIX-ACES-AGSS-COND-2011 HiRes tree for tests and the dataset benchmark: the real
// layout (WAVE file in the top folder, Z-x.x/ folders, lte...-HiRes.fits flux files with PHX*
// keywords) holding short star-like spectra whose lines depend smoothly on the labels.

#include "io/FitsFile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace remap::test {

struct PhoenixModel {
    double teff;
    double logg;
    double feh;
    double alpha = 0.0;
};

// "Z-0.0", "Z-0.5", "Z+0.5": PHOENIX writes zero metallicity as -0.0.
inline std::string phoenixMetallicityText(double feh)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%c%.1f", feh > 0 ? '+' : '-', std::abs(feh));
    return buf;
}

inline std::string phoenixFileName(const PhoenixModel& m)
{
    char buf[128];
    std::snprintf(buf, sizeof buf, "lte%05d-%.2f%s.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits",
                  static_cast<int>(std::lround(m.teff)), m.logg, phoenixMetallicityText(m.feh).c_str());
    return buf;
}

inline std::string phoenixRelativePath(const PhoenixModel& m)
{
    // Built by appending: GCC 12 warns falsely (-Wrestrict) about "literal" + std::string here.
    std::string path = "Z";
    path += phoenixMetallicityText(m.feh);
    path += '/';
    path += phoenixFileName(m);
    return path;
}

// Vacuum wavelengths covering the default model grid (5000-5700 A air) with margin.
inline std::vector<double> tinyPhoenixWavelengths(double step = 0.05)
{
    std::vector<double> w;
    for (double x = 4940.0; x <= 5770.0; x += step) w.push_back(x);
    return w;
}

// A sloped continuum (steeper for cooler stars) with 40 Gaussian lines whose depths grow with
// [Fe/H] and fall with Teff, and widths that grow with log g: every label leaves a trace.
inline std::vector<double> tinyPhoenixFlux(const PhoenixModel& m, const std::vector<double>& wave)
{
    std::vector<double> f(wave.size());
    for (std::size_t i = 0; i < wave.size(); ++i) {
        const double x = wave[i];
        double v = 3e14 * std::pow(x / 5300.0, -(m.teff / 1500.0));
        for (int k = 0; k < 40; ++k) {
            const double centre = 5010.0 + 17.3 * k;
            const double depth =
                std::clamp(0.45 + 0.25 * m.feh - 0.00012 * (m.teff - 5000.0) + 0.02 * (k % 5), 0.05, 0.95);
            const double sigma = 0.12 + 0.02 * m.logg + 0.01 * (k % 3);
            v *= 1.0 - depth * std::exp(-0.5 * std::pow((x - centre) / sigma, 2));
        }
        f[i] = v;
    }
    return f;
}

inline void writeTinyPhoenixWaveFile(const std::string& dir, const std::vector<double>& wave)
{
    FitsFile f = FitsFile::create(dir + "/WAVE_PHOENIX-ACES-AGSS-COND-2011.fits");
    f.createImage(wave, -64);
    f.writeKey("UNIT", std::string("Angstrom"), "vacuum wavelengths");
    f.close();
}

// Writes one model below `dir` (creating its Z folder) and returns the full path.
inline std::string writeTinyPhoenixModel(const std::string& dir, const PhoenixModel& m, const std::vector<double>& wave)
{
    const std::filesystem::path path = std::filesystem::path(dir) / phoenixRelativePath(m);
    std::filesystem::create_directories(path.parent_path());
    FitsFile f = FitsFile::create(path.string());
    f.createImage(tinyPhoenixFlux(m, wave), -32);
    f.writeKey("PHXTEFF", m.teff, "[K] effective temperature");
    f.writeKey("PHXLOGG", m.logg, "[cm/s^2] log (surface gravity)");
    f.writeKey("PHXM_H", m.feh, "[M/H] metallicity");
    f.writeKey("PHXALPHA", m.alpha, "[a/M] alpha element enhancement");
    f.writeKey("BUNIT", std::string("erg/s/cm^2/cm"));
    f.close();
    return path.string();
}

// The whole tree: the WAVE file plus every model of `models`.
inline std::vector<std::string> writeTinyPhoenixGrid(const std::string& dir, const std::vector<PhoenixModel>& models)
{
    std::filesystem::create_directories(dir);
    const auto wave = tinyPhoenixWavelengths();
    writeTinyPhoenixWaveFile(dir, wave);
    std::vector<std::string> paths;
    for (const auto& m : models) paths.push_back(writeTinyPhoenixModel(dir, m, wave));
    return paths;
}

}  // namespace remap::test
