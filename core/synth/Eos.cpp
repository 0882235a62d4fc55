#include "Eos.h"

#include "Elements.h"
#include "PhysicsData.h"
#include "base/Error.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>

namespace remap::synth {
namespace {

constexpr double kBoltzmann = 1.380649e-16;      // erg/K
constexpr double kBoltzmannEv = 8.617333262e-5;  // eV/K
constexpr double kAmu = 1.66053907e-24;          // g
constexpr double kSahaConstant = 2.4146868e15;   // (2 pi m_e k / h^2)^(3/2), cm^-3 K^-3/2
constexpr double kHMinusBinding = 0.754204;      // eV (McLaughlin et al. 2017)
constexpr double kLog10e = 0.43429448190325182765;
constexpr double kTableMinT = 500.0;  // nodes below are not used

const char* const kRoman[3] = {"I", "II", "III"};

// The molecules of the equilibrium network (both atoms in kNetwork).
const char* const kMolecules[] = {"H2", "CH",  "NH",  "OH",  "C2",  "CN",  "CO",  "N2",  "NO",
                                  "O2", "MgH", "AlH", "SiH", "CaH", "TiH", "FeH", "SiO", "TiO",
                                  "VO", "ZrO", "MgO", "AlO", "CaO", "SiC", "SiN"};
constexpr int kNetwork[] = {1, 6, 7, 8, 12, 13, 14, 20, 22, 23, 26, 40};

// Rows of a B&C table: name -> values at the temperature nodes; the node temperatures go to `temps`.
std::map<std::string, std::vector<double>, std::less<>> readTable(std::string_view text, std::vector<double>& temps,
                                                                  const std::string& what)
{
    std::map<std::string, std::vector<double>, std::less<>> rows;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t eol = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, eol - pos);
        pos = eol + 1;
        const auto tk = line.find("T [K]");
        if (line.rfind("#", 0) == 0) {
            if (tk != std::string_view::npos) temps = parseNumbers(line.substr(tk + 5));
            continue;
        }
        const auto first = line.find_first_not_of(' ');
        if (first == std::string_view::npos) continue;
        const auto end = line.find(' ', first);
        const std::string name(line.substr(first, end - first));
        rows[name] = parseNumbers(line.substr(end));
    }
    if (temps.size() < 10) throw Error("the Barklem & Collet table has no temperature header", what);
    for (const auto& [name, v] : rows)
        if (v.size() != temps.size())
            throw Error("the Barklem & Collet table row " + name + " has " + std::to_string(v.size()) + " values",
                        what);
    return rows;
}

// Cubic Hermite (Catmull-Rom slopes) through (x_i, y_i) at x inside the nodes.
double hermiteAt(const std::vector<double>& x, const std::vector<double>& y, double v)
{
    const std::size_t n = x.size();
    std::size_t i = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), v) - x.begin());
    i = std::clamp<std::size_t>(i, 1, n - 1) - 1;
    const double h = x[i + 1] - x[i];
    const double t = (v - x[i]) / h;
    auto slope = [&](std::size_t k) {
        if (k == 0) return (y[1] - y[0]) / (x[1] - x[0]);
        if (k == n - 1) return (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2]);
        return (y[k + 1] - y[k - 1]) / (x[k + 1] - x[k - 1]);
    };
    const double t2 = t * t, t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * y[i] + (t3 - 2 * t2 + t) * h * slope(i) + (-2 * t3 + 3 * t2) * y[i + 1] +
           (t3 - t2) * h * slope(i + 1);
}

// Dense Gaussian elimination with partial pivoting; returns false for a singular matrix.
bool solveLinear(std::vector<double>& a, std::vector<double>& b, int n)
{
    for (int c = 0; c < n; ++c) {
        int p = c;
        for (int r = c + 1; r < n; ++r)
            if (std::fabs(a[static_cast<std::size_t>(r * n + c)]) > std::fabs(a[static_cast<std::size_t>(p * n + c)]))
                p = r;
        if (!(std::fabs(a[static_cast<std::size_t>(p * n + c)]) > 0)) return false;
        if (p != c) {
            for (int k = 0; k < n; ++k)
                std::swap(a[static_cast<std::size_t>(c * n + k)], a[static_cast<std::size_t>(p * n + k)]);
            std::swap(b[static_cast<std::size_t>(c)], b[static_cast<std::size_t>(p)]);
        }
        const double d = a[static_cast<std::size_t>(c * n + c)];
        for (int r = c + 1; r < n; ++r) {
            const double f = a[static_cast<std::size_t>(r * n + c)] / d;
            if (f == 0) continue;
            for (int k = c; k < n; ++k)
                a[static_cast<std::size_t>(r * n + k)] -= f * a[static_cast<std::size_t>(c * n + k)];
            b[static_cast<std::size_t>(r)] -= f * b[static_cast<std::size_t>(c)];
        }
    }
    for (int r = n - 1; r >= 0; --r) {
        double s = b[static_cast<std::size_t>(r)];
        for (int k = r + 1; k < n; ++k) s -= a[static_cast<std::size_t>(r * n + k)] * b[static_cast<std::size_t>(k)];
        b[static_cast<std::size_t>(r)] = s / a[static_cast<std::size_t>(r * n + r)];
    }
    return true;
}

std::string fmt(const char* format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace

PartitionFunctions::PartitionFunctions()
{
    std::vector<double> tAtomic, tMol, tK;
    const auto atomic = readTable(physicsFile("eos/bc2016_atomic_partition.dat.gz"), tAtomic,
                                  "physics data eos/bc2016_atomic_partition.dat.gz");
    const auto mol = readTable(physicsFile("eos/bc2016_molecular_partition.dat"), tMol,
                               "physics data eos/bc2016_molecular_partition.dat");
    const auto logK = readTable(physicsFile("eos/bc2016_equilibrium_constants.dat"), tK,
                                "physics data eos/bc2016_equilibrium_constants.dat");
    if (tAtomic != tMol || tAtomic != tK) throw Error("the Barklem & Collet tables use different temperature grids");
    std::size_t first = 0;
    while (first < tAtomic.size() && tAtomic[first] < kTableMinT) ++first;
    for (std::size_t i = first; i < tAtomic.size(); ++i) lnT_.push_back(std::log(tAtomic[i]));
    auto slice = [&](const std::vector<double>& v, bool log) {
        Table t;
        for (std::size_t i = first; i < v.size(); ++i) t.y.push_back(log ? std::log(std::max(v[i], 1e-300)) : v[i]);
        return t;
    };
    atomic_.resize(static_cast<std::size_t>(kElementCount * 3));
    for (int z = 1; z <= kElementCount; ++z)
        for (int s = 0; s < 3; ++s) {
            const std::string name = elementByZ(z)->symbol + "_" + kRoman[s];
            if (const auto it = atomic.find(name); it != atomic.end())
                atomic_[static_cast<std::size_t>((z - 1) * 3 + s)] = slice(it->second, true);
        }
    for (const auto& [name, values] : mol) {
        const auto k = logK.find(name);
        if (k == logK.end()) continue;
        Molecule m;
        m.name = name;
        std::string f = name;
        if (!f.empty() && f.back() == '+') {
            m.charge = 1;
            f.pop_back();
        }
        // Formula: one or two element symbols, "X2" for homonuclear.
        std::vector<int> zs;
        for (std::size_t i = 0; i < f.size();) {
            std::size_t len = (i + 1 < f.size() && std::islower(static_cast<unsigned char>(f[i + 1]))) ? 2 : 1;
            const ElementData* e = elementBySymbol(f.substr(i, len));
            i += len;
            if (!e) {
                zs.clear();
                break;
            }
            if (i < f.size() && f[i] == '2') {
                zs.push_back(e->z);
                ++i;
            }
            zs.push_back(e->z);
        }
        if (zs.size() != 2) continue;
        m.atoms = {std::min(zs[0], zs[1]), std::max(zs[0], zs[1])};
        m.partition = slice(values, true);
        m.logK = slice(k->second, false);
        // SI (Pa) -> cgs (dyn cm^-2): K_p has the dimension of one pressure for a diatomic.
        for (double& y : m.logK.y) y += 1.0;
        if (name == "C2") {
            // D0 6.371 eV (B&C) -> 6.24 eV (Visser et al. 2019): K grows by exp((6.371 - 6.24) / kT).
            for (std::size_t i = 0; i < m.logK.y.size(); ++i)
                m.logK.y[i] += kLog10e * (6.371 - 6.24) / (kBoltzmannEv * std::exp(lnT_[i]));
        }
        molecules_.push_back(std::move(m));
    }
}

const PartitionFunctions& PartitionFunctions::barklemCollet()
{
    static const PartitionFunctions p;
    return p;
}

double PartitionFunctions::evaluate(const Table& t, double temperature, bool inverseT) const
{
    const double x = std::log(std::max(temperature, kTableMinT));
    const std::size_t n = lnT_.size();
    if (x <= lnT_.back()) return hermiteAt(lnT_, t.y, x);
    if (inverseT) {
        const double u0 = std::exp(-lnT_[n - 2]), u1 = std::exp(-lnT_[n - 1]);
        return t.y[n - 1] + (t.y[n - 1] - t.y[n - 2]) / (u1 - u0) * (1.0 / temperature - u1);
    }
    return t.y[n - 1] + (t.y[n - 1] - t.y[n - 2]) / (lnT_[n - 1] - lnT_[n - 2]) * (x - lnT_[n - 1]);
}

double PartitionFunctions::atomic(int z, int stage, double temperature) const
{
    if (z < 1 || z > kElementCount || stage < 1 || stage > 3) return 1.0;
    const Table& t = atomic_[static_cast<std::size_t>((z - 1) * 3 + stage - 1)];
    if (t.y.empty()) return 1.0;
    return std::exp(evaluate(t, temperature, false));
}

int PartitionFunctions::moleculeIndex(std::string_view formula) const
{
    for (std::size_t i = 0; i < molecules_.size(); ++i)
        if (molecules_[i].name == formula) return static_cast<int>(i);
    return -1;
}

double PartitionFunctions::moleculePartition(int index, double temperature) const
{
    return std::exp(evaluate(molecules_[static_cast<std::size_t>(index)].partition, temperature, false));
}

double PartitionFunctions::logDissociationConstant(int index, double temperature) const
{
    return evaluate(molecules_[static_cast<std::size_t>(index)].logK, temperature, true);
}

EquationOfState::EquationOfState(const std::vector<double>& logEps) : eps_(kElementCount, 0.0)
{
    if (logEps.size() != static_cast<std::size_t>(kElementCount))
        throw Error("the equation of state needs abundances for all 92 elements");
    for (int z = 1; z <= kElementCount; ++z) {
        const double a = logEps[static_cast<std::size_t>(z - 1)];
        eps_[static_cast<std::size_t>(z - 1)] = a > -20 ? std::pow(10.0, a - 12.0) : 0.0;
        massPerH_ += eps_[static_cast<std::size_t>(z - 1)] * elementByZ(z)->mass * kAmu;
    }
    eps_[0] = 1.0;
    for (int z : kNetwork)
        if (eps_[static_cast<std::size_t>(z - 1)] > 0) network_.push_back(z);
    const auto& pf = PartitionFunctions::barklemCollet();
    for (const char* name : kMolecules) {
        const int m = pf.moleculeIndex(name);
        if (m < 0) throw Error(std::string("molecule ") + name + " is missing from the Barklem & Collet tables");
        const auto atoms = pf.moleculeAtoms(m);
        const bool inNetwork = std::find(network_.begin(), network_.end(), atoms[0]) != network_.end() &&
                               std::find(network_.begin(), network_.end(), atoms[1]) != network_.end();
        if (inNetwork) molecules_.push_back(m);
    }
    h2Plus_ = pf.moleculeIndex("H2+");
}

namespace {

// Per-layer constants of the equilibrium.
struct LayerConstants {
    double kT = 0, nTotal = 0;
    std::array<double, kElementCount> s1{}, s2{};  // Saha ratios n(X+) n_e / n(X) (cm^-3)
    double hMinus = 0;                             // n(H) n_e / n(H-)
    std::vector<double> kn;                        // n_A n_B / n_AB (cm^-3) per network molecule
    double knH2Plus = 0;
};

}  // namespace

EosState EquationOfState::solve(double temperature, double gasPressure, double electronGuess) const
{
    if (!(temperature > 500 && temperature < 1e6) || !(gasPressure > 0) || !std::isfinite(gasPressure))
        throw Error("equation of state called with T = " + fmt("%g", temperature) +
                    " K, P = " + fmt("%g", gasPressure));
    const auto& pf = PartitionFunctions::barklemCollet();
    EosState out;
    out.temperature = temperature;
    LayerConstants c;
    c.kT = kBoltzmann * temperature;
    c.nTotal = gasPressure / c.kT;
    const double kTeV = kBoltzmannEv * temperature;
    const double saha = kSahaConstant * temperature * std::sqrt(temperature);
    for (int z = 1; z <= kElementCount; ++z) {
        const ElementData& e = *elementByZ(z);
        auto& u = out.partition[static_cast<std::size_t>(z - 1)];
        for (int s = 0; s < 3; ++s) u[static_cast<std::size_t>(s)] = pf.atomic(z, s + 1, temperature);
        double& s1 = c.s1[static_cast<std::size_t>(z - 1)];
        double& s2 = c.s2[static_cast<std::size_t>(z - 1)];
        s1 = e.ionization[0] > 0 ? 2.0 * saha * u[1] / u[0] * std::exp(-e.ionization[0] / kTeV) : 0.0;
        s2 = e.ionization[1] > 0 && z > 1 ? 2.0 * saha * u[2] / u[1] * std::exp(-e.ionization[1] / kTeV) : 0.0;
    }
    c.hMinus = 2.0 * saha * out.partition[0][0] / 1.0 * std::exp(-kHMinusBinding / kTeV);
    c.kn.resize(molecules_.size());
    for (std::size_t m = 0; m < molecules_.size(); ++m)
        c.kn[m] = std::pow(10.0, pf.logDissociationConstant(molecules_[m], temperature)) / c.kT;
    c.knH2Plus = std::pow(10.0, pf.logDissociationConstant(h2Plus_, temperature)) / c.kT;

    const int nNet = static_cast<int>(network_.size());
    const int nVar = nNet + 2;
    double epsOthers = 0;  // sum of eps over elements outside the network
    std::vector<char> inNet(kElementCount, 0);
    for (int z : network_) inNet[static_cast<std::size_t>(z - 1)] = 1;
    for (int z = 1; z <= kElementCount; ++z)
        if (!inNet[static_cast<std::size_t>(z - 1)]) epsOthers += eps_[static_cast<std::size_t>(z - 1)];
    std::vector<int> netIndex(kElementCount + 1, -1);
    for (int j = 0; j < nNet; ++j) netIndex[static_cast<std::size_t>(network_[static_cast<std::size_t>(j)])] = j;

    // Residuals (relative) of: conservation of each network element, particles, charge.
    auto residuals = [&](const std::vector<double>& y, std::vector<double>& r) {
        const double nH = std::exp(y[0]), ne = std::exp(y[1]);
        std::vector<double> n0(static_cast<std::size_t>(nNet));
        for (int j = 0; j < nNet; ++j) n0[static_cast<std::size_t>(j)] = std::exp(y[static_cast<std::size_t>(2 + j)]);
        std::vector<double> held(static_cast<std::size_t>(nNet), 0.0);
        double particles = ne, charge = 0;
        for (int j = 0; j < nNet; ++j) {
            const std::size_t zi = static_cast<std::size_t>(network_[static_cast<std::size_t>(j)] - 1);
            const double a = c.s1[zi] / ne, b = a * c.s2[zi] / ne;
            held[static_cast<std::size_t>(j)] += n0[static_cast<std::size_t>(j)] * (1 + a + b);
            particles += n0[static_cast<std::size_t>(j)] * (1 + a + b);
            charge += n0[static_cast<std::size_t>(j)] * (a + 2 * b);
        }
        for (std::size_t m = 0; m < molecules_.size(); ++m) {
            const auto atoms = pf.moleculeAtoms(molecules_[m]);
            const int ja = netIndex[static_cast<std::size_t>(atoms[0])],
                      jb = netIndex[static_cast<std::size_t>(atoms[1])];
            const double nm = n0[static_cast<std::size_t>(ja)] * n0[static_cast<std::size_t>(jb)] / c.kn[m];
            held[static_cast<std::size_t>(ja)] += nm;
            held[static_cast<std::size_t>(jb)] += nm;
            particles += nm;
        }
        const double nHI = n0[0];
        const double hMinus = nHI * ne / c.hMinus;
        const double h2Plus = nHI * (nHI * c.s1[0] / ne) / c.knH2Plus;
        held[0] += hMinus + 2 * h2Plus;
        particles += hMinus + h2Plus;
        charge += h2Plus - hMinus;
        for (int z = 1; z <= kElementCount; ++z) {
            const std::size_t zi = static_cast<std::size_t>(z - 1);
            if (inNet[zi] || eps_[zi] == 0) continue;
            const double a = c.s1[zi] / ne, b = a * c.s2[zi] / ne;
            charge += eps_[zi] * nH * (a + 2 * b) / (1 + a + b);
        }
        particles += epsOthers * nH;
        for (int j = 0; j < nNet; ++j)
            r[static_cast<std::size_t>(j)] =
                held[static_cast<std::size_t>(j)] /
                    (eps_[static_cast<std::size_t>(network_[static_cast<std::size_t>(j)] - 1)] * nH) -
                1.0;
        r[static_cast<std::size_t>(nNet)] = particles / c.nTotal - 1.0;
        r[static_cast<std::size_t>(nNet + 1)] = charge / ne - 1.0;
    };

    std::vector<double> y(static_cast<std::size_t>(nVar));
    double ne = std::clamp(electronGuess > 0 ? electronGuess : 1e-4 * c.nTotal, 1e-12 * c.nTotal, 0.5 * c.nTotal);
    double sumEps = 0;
    for (double e : eps_) sumEps += e;
    const double nH = (c.nTotal - ne) / sumEps;
    y[0] = std::log(nH);
    y[1] = std::log(ne);
    for (int j = 0; j < nNet; ++j) {
        const std::size_t zi = static_cast<std::size_t>(network_[static_cast<std::size_t>(j)] - 1);
        const double a = c.s1[zi] / ne, b = a * c.s2[zi] / ne;
        y[static_cast<std::size_t>(2 + j)] = std::log(eps_[zi] * nH / (1 + a + b));
    }
    std::vector<double> r(static_cast<std::size_t>(nVar)), rp(static_cast<std::size_t>(nVar)),
        jac(static_cast<std::size_t>(nVar * nVar)), yp;
    bool converged = false;
    for (int iter = 0; iter < 200 && !converged; ++iter) {
        residuals(y, r);
        double worst = 0;
        for (double v : r) worst = std::max(worst, std::fabs(v));
        if (worst < 1e-13) {
            converged = true;
            break;
        }
        for (int k = 0; k < nVar; ++k) {
            yp = y;
            const double h = 1e-7;
            yp[static_cast<std::size_t>(k)] += h;
            residuals(yp, rp);
            for (int i = 0; i < nVar; ++i)
                jac[static_cast<std::size_t>(i * nVar + k)] =
                    (rp[static_cast<std::size_t>(i)] - r[static_cast<std::size_t>(i)]) / h;
        }
        std::vector<double> step = r;
        for (double& v : step) v = -v;
        if (!solveLinear(jac, step, nVar)) break;
        double biggest = 0;
        for (double v : step) biggest = std::max(biggest, std::fabs(v));
        const double scale = biggest > 1.0 ? 1.0 / biggest : 1.0;
        for (int k = 0; k < nVar; ++k) y[static_cast<std::size_t>(k)] += scale * step[static_cast<std::size_t>(k)];
        if (biggest < 1e-11) converged = true;
    }
    if (!converged)
        throw Error("the chemical equilibrium did not converge at T = " + fmt("%.0f", temperature) +
                    " K, P_gas = " + fmt("%.3g", gasPressure) + " dyn/cm^2");

    const double nHfinal = std::exp(y[0]), neFinal = std::exp(y[1]);
    out.electrons = neFinal;
    out.hydrogenNuclei = nHfinal;
    out.massDensity = nHfinal * massPerH_;
    for (int z = 1; z <= kElementCount; ++z) {
        const std::size_t zi = static_cast<std::size_t>(z - 1);
        const double a = c.s1[zi] / neFinal, b = a * c.s2[zi] / neFinal;
        const int j = netIndex[static_cast<std::size_t>(z)];
        const double n0 = j >= 0 ? std::exp(y[static_cast<std::size_t>(2 + j)]) : eps_[zi] * nHfinal / (1 + a + b);
        out.atoms[zi] = {n0, n0 * a, n0 * b};
    }
    out.molecules.assign(static_cast<std::size_t>(pf.moleculeCount()), 0.0);
    out.moleculePartition.assign(static_cast<std::size_t>(pf.moleculeCount()), 1.0);
    for (std::size_t m = 0; m < molecules_.size(); ++m) {
        const auto atoms = pf.moleculeAtoms(molecules_[m]);
        out.molecules[static_cast<std::size_t>(molecules_[m])] =
            out.neutral(atoms[0]) * out.neutral(atoms[1]) / c.kn[m];
        out.moleculePartition[static_cast<std::size_t>(molecules_[m])] =
            pf.moleculePartition(molecules_[m], temperature);
    }
    out.hMinus = out.neutral(1) * neFinal / c.hMinus;
    out.h2Plus = out.neutral(1) * out.ion(1, 2) / c.knH2Plus;
    const int h2 = pf.moleculeIndex("H2");
    out.h2 = out.molecules[static_cast<std::size_t>(h2)];
    return out;
}

std::vector<EosState> EquationOfState::solveColumn(const std::vector<double>& temperature,
                                                   const std::vector<double>& gasPressure,
                                                   const std::vector<double>& electronGuess) const
{
    std::vector<EosState> out(temperature.size());
    for (std::size_t k = temperature.size(); k-- > 0;) out[k] = solve(temperature[k], gasPressure[k], electronGuess[k]);
    return out;
}

}  // namespace remap::synth
