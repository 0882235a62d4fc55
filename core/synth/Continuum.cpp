#include "Continuum.h"

#include "PhysicsData.h"
#include "base/Error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <string>

namespace remap::synth {
namespace {

constexpr double kHcOverK = 1.438776877e8;       // A K
constexpr double kEvAngstrom = 12398.41984;      // eV A
constexpr double kBoltzmann = 1.380649e-16;      // erg/K
constexpr double kBoltzmannEv = 8.617333262e-5;  // eV/K
constexpr double kC = 2.99792458e18;             // A/s
constexpr double kRydbergH = 13.598434;          // eV, H ionization
constexpr double kRydberg = 13.605693;           // eV
constexpr double kThomson = 6.6524587e-25;       // cm^2
constexpr double kMb = 1e-18;                    // cm^2

template <class F>
void forEachLine(std::string_view text, F f)
{
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t eol = std::min(text.find('\n', pos), text.size());
        f(text.substr(pos, eol - pos));
        pos = eol + 1;
    }
}

// Linear interpolation in a sorted table (clamped at the ends).
double interp(const std::vector<double>& x, const std::vector<double>& y, double v)
{
    if (v <= x.front()) return y.front();
    if (v >= x.back()) return y.back();
    const std::size_t i = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), v) - x.begin());
    const double w = (v - x[i - 1]) / (x[i] - x[i - 1]);
    return y[i - 1] + w * (y[i] - y[i - 1]);
}

// Bracketing index and weight of v in x (extrapolating linearly beyond the ends when `extrapolate`).
std::pair<std::size_t, double> bracket(const std::vector<double>& x, double v, bool extrapolate)
{
    std::size_t i = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), v) - x.begin());
    i = std::clamp<std::size_t>(i, 1, x.size() - 1);
    double w = (v - x[i - 1]) / (x[i] - x[i - 1]);
    if (!extrapolate) w = std::clamp(w, 0.0, 1.0);
    return {i - 1, w};
}

}  // namespace

ContinuumOpacity::ContinuumOpacity()
{
    forEachLine(physicsFile("continuum/hminus_bf_mclaughlin2017.dat"), [&](std::string_view l) {
        if (l.empty() || l[0] == '#') return;
        const auto v = parseNumbers(l);
        if (v.size() == 2) {
            hmEnergy_.push_back(v[0]);
            hmSigma_.push_back(v[1]);
        }
    });
    auto readLambdaTheta = [](std::string_view text, std::vector<double>& lambdas, std::vector<double>& thetas,
                              std::vector<double>& values) {
        forEachLine(text, [&](std::string_view l) {
            if (l.empty() || l[0] == '#') return;
            if (l[0] == ',' || l.rfind("theta", 0) == 0) {
                thetas = parseNumbers(l.substr(l[0] == ',' ? 0 : 5));
                return;
            }
            const auto v = parseNumbers(l);
            if (v.size() == thetas.size() + 1) {
                lambdas.push_back(v[0]);
                values.insert(values.end(), v.begin() + 1, v.end());
            }
        });
    };
    readLambdaTheta(physicsFile("continuum/hminus_ff_bell1987.dat"), ffLambda_, ffTheta_, ffValue_);
    readLambdaTheta(physicsFile("continuum/heminus_ff_john1994.dat"), heLambda_, heTheta_, heValue_);
    forEachLine(physicsFile("continuum/h2plus_bf_stancil1994.dat"), [&](std::string_view l) {
        if (l.empty() || l[0] == '#') return;
        if (l.rfind("(nxn)", 0) == 0) {
            h2pTemperature_ = parseNumbers(l.substr(5), true);
            return;
        }
        const auto v = parseNumbers(l, true);
        if (!h2pTemperature_.empty() && v.size() == h2pTemperature_.size() + 1) {
            h2pLambda_.push_back(10.0 * v[0]);  // nm -> A
            h2pValue_.insert(h2pValue_.end(), v.begin() + 1, v.end());
        }
    });
    {
        const std::string_view text = physicsFile("continuum/gauntff_vanhoof2014.dat.gz");
        std::vector<double> header;
        bool uncertainties = false;  // the second table of the file holds the uncertainties
        forEachLine(text, [&](std::string_view l) {
            if (l.find("Uncertainties") != std::string_view::npos) uncertainties = true;
            if (l.empty() || l[0] == '#' || uncertainties) return;
            auto v = parseNumbers(l.substr(0, l.find('#')));
            if (header.size() < 6 && !v.empty()) {
                header.insert(header.end(), v.begin(), v.end());
                return;
            }
            gaunt_.insert(gaunt_.end(), v.begin(), v.end());
        });
        // header: magic, n_gamma2, n_u, log gamma2 start, log u start, step
        if (header.size() < 6) throw Error("malformed van Hoof Gaunt factor table");
        gauntGamma_ = static_cast<int>(header[1]);
        gauntU_ = static_cast<int>(header[2]);
        gauntGamma0_ = header[3];
        gauntU0_ = header[4];
        gauntStep_ = header[5];
        if (gaunt_.size() != static_cast<std::size_t>(gauntGamma_ * gauntU_))
            throw Error("the van Hoof Gaunt factor table has " + std::to_string(gaunt_.size()) + " values");
    }
    {
        bool first = true;
        forEachLine(physicsFile("continuum/hI_bf_nahar2021_nodes.dat"), [&](std::string_view l) {
            if (l.empty() || l[0] == '#') return;
            const auto v = parseNumbers(l);
            if (first) {
                nodes_ = v;
                first = false;
                return;
            }
            hSigma_.emplace_back(v.begin() + 1, v.end());
        });
        if (hSigma_.size() != 6) throw Error("the H I bound-free table needs n = 3..8");
    }
    {
        bool first = true;
        forEachLine(physicsFile("continuum/metal_bf_topbase_nodes.dat.gz"), [&](std::string_view l) {
            if (l.empty() || l[0] == '#') return;
            if (l.rfind("element", 0) == 0) {
                const auto v = parseNumbers(l.substr(7));
                if (v.empty()) throw Error("malformed TOPbase node table header");
                metals_.push_back({static_cast<int>(v[0]), {}});
                return;
            }
            const auto v = parseNumbers(l);
            if (first) {
                if (v != nodes_) throw Error("the metal and H I bound-free tables use different nodes");
                first = false;
                return;
            }
            metals_.back().states.push_back({v[0], v[1], std::vector<double>(v.begin() + 2, v.end())});
        });
    }
    for (const auto& m : metals_)
        for (const auto& s : m.states)
            if (s.sigma.size() != nodes_.size()) throw Error("malformed TOPbase node table");
}

const ContinuumOpacity& ContinuumOpacity::standard()
{
    static const ContinuumOpacity c;
    return c;
}

double ContinuumOpacity::hMinusCrossSection(double lambda) const
{
    const double e = kEvAngstrom / lambda;
    if (e < hmEnergy_.front()) return 0.0;
    return interp(hmEnergy_, hmSigma_, e) * kMb;
}

double ContinuumOpacity::freeFreeGaunt(double logGamma2, double logU) const
{
    const double x = std::clamp((logGamma2 - gauntGamma0_) / gauntStep_, 0.0, gauntGamma_ - 1.000001);
    const double y = std::clamp((logU - gauntU0_) / gauntStep_, 0.0, gauntU_ - 1.000001);
    const int i = static_cast<int>(x), j = static_cast<int>(y);
    const double fx = x - i, fy = y - j;
    auto at = [&](int a, int b) { return gaunt_[static_cast<std::size_t>(b * gauntGamma_ + a)]; };
    return (1 - fx) * (1 - fy) * at(i, j) + fx * (1 - fy) * at(i + 1, j) + (1 - fx) * fy * at(i, j + 1) +
           fx * fy * at(i + 1, j + 1);
}

double ContinuumOpacity::tableAt(const std::vector<double>& rows, const std::vector<double>& columns,
                                 const std::vector<double>& values, double row, double column, bool extrapolate)
{
    // Bilinear; the ff tables are extrapolated linearly in theta above 10,080 K (theta < 0.5), where these
    // sources are minor.
    const auto [i, wr] = bracket(rows, row, extrapolate);
    const auto [j, wc] = bracket(columns, column, extrapolate);
    const std::size_t n = columns.size();
    auto v = [&](std::size_t a, std::size_t b) { return values[a * n + b]; };
    const double lo = v(i, j) + wc * (v(i, j + 1) - v(i, j));
    const double hi = v(i + 1, j) + wc * (v(i + 1, j + 1) - v(i + 1, j));
    return std::max(0.0, lo + wr * (hi - lo));
}

ContinuumParts ContinuumOpacity::parts(double lambda, const EosState& s) const
{
    ContinuumParts p;
    const double t = s.temperature;
    const double theta = 5040.0 / t;
    const double x = kHcOverK / (lambda * t);  // h nu / kT
    const double stimulated = -std::expm1(-x);
    const double pe = s.electrons * kBoltzmann * t;
    const double nHI = s.neutral(1), nHII = s.ion(1, 2), nHeI = s.neutral(2);
    const double uH = s.partition[0][0];
    const double kTeV = kBoltzmannEv * t;
    const double e = kEvAngstrom / lambda;

    p.hMinusBf = hMinusCrossSection(lambda) * s.hMinus * stimulated;
    p.hMinusFf = 1e-26 * tableAt(ffLambda_, ffTheta_, ffValue_, lambda, theta, true) * pe * nHI;
    p.heMinusFf = 1e-26 * tableAt(heLambda_, heTheta_, heValue_, lambda, theta, true) * pe * nHeI;

    // H I bound-free: tabulated levels n = 3..8, hydrogenic (Kramers, g = 1) n = 9..40. Levels 1 and 2 have
    // their edges at 912 and 3646 A.
    const auto [k, w] = bracket(nodes_, lambda, false);
    const double nu = kC / lambda;
    double hbf = 0;
    for (int n = 3; n <= 8; ++n) {
        const auto& sig = hSigma_[static_cast<std::size_t>(n - 3)];
        const double sigma = (sig[k] + w * (sig[k + 1] - sig[k])) * kMb;
        hbf += sigma * std::exp(-kRydbergH * (1.0 - 1.0 / (n * n)) / kTeV);
    }
    for (int n = 9; n <= 40; ++n) {
        const double sigma = 5.6298e29 / (static_cast<double>(n) * n * n * nu * nu * nu);
        hbf += sigma * std::exp(-kRydbergH * (1.0 - 1.0 / (n * n)) / kTeV);
    }
    p.hydrogenBf = hbf * nHI / uH * stimulated;

    // H I free-free (Rybicki & Lightman 5.18b with the thermally averaged Gaunt factor of van Hoof et al.).
    const double gaunt = freeFreeGaunt(std::log10(kRydberg / kTeV), std::log10(x));
    p.hydrogenFf = 3.6919e8 * gaunt * s.electrons * nHII * stimulated / (nu * nu * nu * std::sqrt(t));

    p.h2PlusBf = tableAt(h2pLambda_, h2pTemperature_, h2pValue_, lambda, t, false) * kMb * s.h2Plus * stimulated;

    double metal = 0;
    for (const auto& m : metals_) {
        const double n0 = s.neutral(m.z);
        if (!(n0 > 0)) continue;
        const double u = s.partition[static_cast<std::size_t>(m.z - 1)][0];
        double sum = 0;
        for (const auto& st : m.states) {
            const double sigma = st.sigma[k] + w * (st.sigma[k + 1] - st.sigma[k]);
            if (sigma > 0) sum += sigma * st.g * std::exp(-st.excitation / kTeV);
        }
        metal += sum * kMb * n0 / u;
    }
    p.metalBf = metal * stimulated;

    const double xr = e / (2.0 * kRydberg);
    const double x2 = xr * xr, x4 = x2 * x2, x6 = x4 * x2, x8 = x4 * x4;
    const double l2 = lambda * lambda, l4 = l2 * l2;
    p.rayleigh = kThomson * (20.24 * x4 + 239.2 * x6 + 2256.0 * x8) * nHI +
                 kThomson * (1.913 * x4 + 4.52 * x6 + 7.90 * x8) * nHeI +
                 (8.14e-13 / l4 + 1.28e-6 / (l4 * l2) + 1.61 / (l4 * l4)) * s.h2;
    p.thomson = kThomson * s.electrons;
    return p;
}

}  // namespace remap::synth
