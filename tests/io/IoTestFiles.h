#pragma once

// Small helpers for tests that write synthetic spectrum files with FitsFile.

#include "base/Spectrum.h"
#include "io/FitsFile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace remap::iotest {

inline std::string pathIn(const QTemporaryDir& dir, const std::string& name)
{
    return dir.filePath(QString::fromStdString(name)).toStdString();
}

// A star-like flux: sloped continuum with one absorption line; depends only on the pixel index.
inline std::vector<double> starFlux(std::size_t n, double level = 100.0)
{
    std::vector<double> flux(n);
    const double centre = static_cast<double>(n) / 2.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = static_cast<double>(i);
        flux[i] = level + 0.01 * x - 0.3 * level * std::exp(-(x - centre) * (x - centre) / 50.0);
    }
    return flux;
}

inline std::vector<double> constant(std::size_t n, double value)
{
    return std::vector<double>(n, value);
}

// writeKey overloads take bool for a string literal: always pass strings through this.
inline void keyString(FitsFile& file, const std::string& key, const std::string& value)
{
    file.writeKey(key, value);
}

// One raw 80-column card: KEY (8 columns) "= " 'value' with the value kept exactly as given.
inline std::string quotedCard(const std::string& key, const std::string& value)
{
    std::string card = key;
    card.resize(8, ' ');
    card += "= '" + value + "'";
    return card;
}

inline std::string medium(const Spectrum& s)
{
    return std::string(toString(s.medium));
}

inline std::string readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline void writeText(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary);
    out << text;
}

}  // namespace remap::iotest
