#include "HydrogenLines.h"

#include "PhysicsData.h"
#include "base/Error.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace remap::synth {
namespace {

constexpr double kC = 2.99792458e10;
constexpr double kBoltzmann = 1.380649e-16;
constexpr double kHydrogenMass = 1.6735575e-24;

}  // namespace

HydrogenBeta::HydrogenBeta()
{
    const std::string_view text = physicsFile("continuum/hbeta_stehle1999.dat.gz");
    std::vector<double> x, ne, t;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t eol = std::min(text.find('\n', pos), text.size());
        const std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        if (line.empty()) continue;
        if (line[0] == '#') {
            auto first = [](std::string_view rest) {
                const auto v = parseNumbers(rest.substr(0, rest.find(';')));
                if (v.empty()) throw Error("malformed H beta table header", "physics data hbeta_stehle1999");
                return v.front();
            };
            if (const auto g = line.find("log_gf"); g != std::string_view::npos) logGf_ = first(line.substr(g + 6));
            if (const auto l = line.find("A) "); l != std::string_view::npos) lambda0_ = first(line.substr(l + 3));
            continue;
        }
        if (line.rfind("x ", 0) == 0)
            x = parseNumbers(line.substr(2));
        else if (line.rfind("ne ", 0) == 0)
            ne = parseNumbers(line.substr(3));
        else if (line.rfind("T ", 0) == 0)
            t = parseNumbers(line.substr(2));
        else {
            const auto v = parseNumbers(line);
            if (v.size() != x.size() + 2) throw Error("malformed H beta profile row", "physics data hbeta_stehle1999");
            profile_.insert(profile_.end(), v.begin() + 2, v.end());
        }
    }
    if (x.size() < 10 || ne.empty() || t.empty() || profile_.size() != x.size() * ne.size() * t.size() ||
        !(lambda0_ > 4800))
        throw Error("the H beta profile table is incomplete", "physics data hbeta_stehle1999");
    for (std::size_t i = 1; i < x.size(); ++i) logX_.push_back(std::log10(x[i]));
    for (double v : ne) logNe_.push_back(std::log10(v));
    for (double v : t) logT_.push_back(std::log10(v));
}

const HydrogenBeta& HydrogenBeta::instance()
{
    static const HydrogenBeta h;
    return h;
}

HydrogenBeta::Layer HydrogenBeta::layer(double temperature, double electrons, double neutralHydrogen) const
{
    Layer out;
    const std::size_t nx = logX_.size() + 1, nt = logT_.size();
    auto bracket = [](const std::vector<double>& axis, double v) {
        std::size_t i = static_cast<std::size_t>(std::upper_bound(axis.begin(), axis.end(), v) - axis.begin());
        i = std::clamp<std::size_t>(i, 1, axis.size() - 1);
        return std::make_pair(i - 1, std::clamp((v - axis[i - 1]) / (axis[i] - axis[i - 1]), 0.0, 1.0));
    };
    const auto [j, wn] = bracket(logNe_, std::log10(std::max(electrons, 1e6)));
    const auto [k, wt] = bracket(logT_, std::log10(temperature));
    // Corners with no computed profile (zeros at high n_e and low T) are replaced by their neighbours.
    auto at = [&](std::size_t a, std::size_t b, std::size_t i) { return profile_[(a * nt + b) * nx + i]; };
    out.logProfile.resize(nx);
    for (std::size_t i = 0; i < nx; ++i) {
        double c[4] = {at(j, k, i), at(j, k + 1, i), at(j + 1, k, i), at(j + 1, k + 1, i)};
        const double w[4] = {(1 - wn) * (1 - wt), (1 - wn) * wt, wn * (1 - wt), wn * wt};
        double sum = 0, weight = 0;
        for (int q = 0; q < 4; ++q)
            if (c[q] > 0) {
                sum += w[q] * std::log10(c[q]);
                weight += w[q];
            }
        out.logProfile[i] = weight > 0 ? sum / weight : -300.0;
    }
    out.profileAtZero = std::pow(10.0, out.logProfile[0]);
    out.f0 = 1.25e-9 * std::pow(electrons, 2.0 / 3.0);
    // Self-broadening: ABO FWHM = 2 (4/pi)^(alpha/2) Gamma((4 - alpha)/2) v0 sigma (vbar/v0)^(1 - alpha) n_H.
    const double alpha = 0.455, sigma = 2320.0 * 2.80028520539e-17;
    const double mu = 0.5 * kHydrogenMass;
    const double vbar = std::sqrt(8.0 * kBoltzmann * temperature / (3.14159265358979 * mu));
    const double v0 = 1e6;
    out.selfWidth = 2.0 * std::pow(4.0 / 3.14159265358979, alpha / 2.0) * std::tgamma((4.0 - alpha) / 2.0) * v0 *
                    sigma * std::pow(vbar / v0, 1.0 - alpha) * neutralHydrogen;
    const double nu0 = kC / (lambda0_ * 1e-8);
    out.doppler = nu0 * std::sqrt(2.0 * kBoltzmann * temperature / kHydrogenMass) / kC;
    return out;
}

double HydrogenBeta::profile(const Layer& l, double dnu) const
{
    const double ad = std::fabs(dnu);
    const double x = ad / l.f0;
    double stark;
    const double lx = x > 0 ? std::log10(x) : -300.0;
    if (lx <= logX_.front()) {
        const double first = std::pow(10.0, l.logProfile[1]);
        stark = l.profileAtZero + (first - l.profileAtZero) * x / std::pow(10.0, logX_.front());
    } else if (lx >= logX_.back()) {
        stark = std::pow(10.0, l.logProfile.back() - 2.5 * (lx - logX_.back()));
    } else {
        const std::size_t i =
            static_cast<std::size_t>(std::upper_bound(logX_.begin(), logX_.end(), lx) - logX_.begin());
        const double w = (lx - logX_[i - 1]) / (logX_[i] - logX_[i - 1]);
        stark = std::pow(10.0, l.logProfile[i] + w * (l.logProfile[i + 1] - l.logProfile[i]));
    }
    // Lorentzian wing of the self-broadening, switched on smoothly between 2 and 4 Doppler widths.
    const double g = l.selfWidth / (4.0 * 3.14159265358979);
    const double lorentz = g / (3.14159265358979 * (ad * ad + g * g));
    const double u = std::clamp((ad / l.doppler - 2.0) / 2.0, 0.0, 1.0);
    return stark + lorentz * u * u * (3.0 - 2.0 * u);
}

}  // namespace remap::synth
