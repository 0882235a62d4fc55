#include "Synthesizer.h"

#include "Continuum.h"
#include "Elements.h"
#include "Eos.h"
#include "HydrogenLines.h"
#include "Transfer.h"
#include "Voigt.h"
#include "base/Error.h"
#include "base/Random.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

namespace remap::synth {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrtPi = 1.7724538509055160273;
constexpr double kC = 2.99792458e10;         // cm/s
constexpr double kCkms = 2.99792458e5;       // km/s
constexpr double kBoltzmann = 1.380649e-16;  // erg/K
constexpr double kBoltzmannEv = 8.617333262e-5;
constexpr double kAmu = 1.66053907e-24;       // g
constexpr double kHcOverK = 1.438776877e8;    // A K
constexpr double kTwoHc2 = 1.191042972e-5;    // erg cm^2 / s
constexpr double kEvAngstrom = 12398.41984;   // eV A
constexpr double kPiE2OverMc2 = 8.85282e-13;  // pi e^2 / (m_e c^2), cm
constexpr double kLn10 = 2.302585092994046;
constexpr double kNodeStep = 5.0;  // A between continuum nodes
constexpr int kTopLayers = 68;     // log tau_Ross -6.875 .. +1.5

double smoothstep(double x)
{
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    return x * x * (3 - 2 * x);
}

// Smooth maximum of x and m (width w): keeps the microturbulence laws differentiable at their floor.
double smoothMax(double x, double m, double w = 0.1)
{
    return 0.5 * (x + m + std::sqrt((x - m) * (x - m) + w * w));
}

double planck(double lambdaAngstrom, double temperature)
{
    const double lcm = lambdaAngstrom * 1e-8;
    const double l5 = lcm * lcm * lcm * lcm * lcm;
    return kTwoHc2 / l5 / std::expm1(kHcOverK / (lambdaAngstrom * temperature));
}

std::string fmt(const char* format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

void checkGrid(const std::vector<double>& wl)
{
    if (wl.size() < 2) throw Error("the synthesis wavelength grid needs at least 2 points");
    for (std::size_t i = 0; i < wl.size(); ++i) {
        if (!std::isfinite(wl[i]) || wl[i] < kSynthesisMin || wl[i] > kSynthesisMax)
            throw Error("synthesis wavelength " + fmt("%.2f", wl[i]) + " A (vacuum) is outside " +
                        fmt("%.0f", kSynthesisMin) + "-" + fmt("%.0f", kSynthesisMax) +
                        " A, the range the line data cover (4850-5850 A in air)");
        if (i > 0 && !(wl[i] > wl[i - 1])) throw Error("the synthesis wavelength grid must be strictly increasing");
    }
}

// Fast index lookup on uniform (linear or logarithmic) grids, binary search otherwise.
struct PixelIndex {
    const std::vector<double>& wl;
    int kind = 0;  // 0 general, 1 linear, 2 log
    double origin = 0, invStep = 0;
    explicit PixelIndex(const std::vector<double>& w) : wl(w)
    {
        const std::size_t n = w.size();
        const double step = (w.back() - w.front()) / static_cast<double>(n - 1);
        const double lstep = (std::log(w.back()) - std::log(w.front())) / static_cast<double>(n - 1);
        bool linear = true, logarithmic = true;
        for (std::size_t i = 1; i < n && (linear || logarithmic); i += std::max<std::size_t>(1, n / 64)) {
            if (std::fabs(w[i] - w[0] - step * static_cast<double>(i)) > 1e-6 * step) linear = false;
            if (std::fabs(std::log(w[i] / w[0]) - lstep * static_cast<double>(i)) > 1e-6 * lstep) logarithmic = false;
        }
        if (linear) {
            kind = 1;
            origin = w.front();
            invStep = 1.0 / step;
        } else if (logarithmic) {
            kind = 2;
            origin = std::log(w.front());
            invStep = 1.0 / lstep;
        }
    }
    // First index with wl[i] >= x.
    std::size_t lower(double x) const
    {
        const std::size_t n = wl.size();
        if (x <= wl.front()) return 0;
        if (x > wl.back()) return n;
        std::size_t i;
        if (kind == 0) return static_cast<std::size_t>(std::lower_bound(wl.begin(), wl.end(), x) - wl.begin());
        const double u = kind == 1 ? (x - origin) * invStep : (std::log(x) - origin) * invStep;
        i = static_cast<std::size_t>(std::clamp(std::ceil(u), 0.0, static_cast<double>(n - 1)));
        while (i > 0 && wl[i - 1] >= x) --i;
        while (i < n && wl[i] < x) ++i;
        return i;
    }
};

// Convolves `data` in place with a kernel given as a function of the offset in Angstrom, evaluated
// in chunks so the kernel follows the local wavelength and sampling.
template <class HalfWidth, class Shape>
void convolveChunked(std::vector<double>& data, const std::vector<double>& wl, std::vector<double>& scratch,
                     std::vector<double>& kernel, HalfWidth halfWidthOf, Shape shape)
{
    const std::size_t n = data.size();
    scratch.assign(data.begin(), data.end());
    constexpr std::size_t kChunk = 2048;
    constexpr int kSub = 16;
    for (std::size_t c0 = 0; c0 < n; c0 += kChunk) {
        const std::size_t c1 = std::min(n, c0 + kChunk);
        const std::size_t mid = (c0 + c1) / 2;
        const double lambda = wl[mid];
        const std::size_t a = c0 > 0 ? c0 - 1 : c0;
        const std::size_t b = c1 < n ? c1 : c1 - 1;
        const double step = b > a ? (wl[b] - wl[a]) / static_cast<double>(b - a) : 1.0;
        const double hw = halfWidthOf(lambda);
        const int k = static_cast<int>(std::ceil(hw / step)) + 1;
        kernel.assign(static_cast<std::size_t>(2 * k + 1), 0.0);
        double total = 0;
        for (int j = -k; j <= k; ++j) {
            double v = 0;
            for (int s = 0; s < kSub; ++s) {
                const double dl = (j - 0.5 + (s + 0.5) / kSub) * step;
                v += shape(dl, lambda);
            }
            kernel[static_cast<std::size_t>(j + k)] = v;
            total += v;
        }
        if (!(total > 0)) continue;
        for (double& v : kernel) v /= total;
        const long long nn = static_cast<long long>(n);
        for (std::size_t i = c0; i < c1; ++i) {
            double sum = 0;
            const long long base = static_cast<long long>(i) - k;
            for (int j = 0; j <= 2 * k; ++j) {
                const long long idx = std::clamp(base + j, 0LL, nn - 1);
                sum += kernel[static_cast<std::size_t>(j)] * scratch[static_cast<std::size_t>(idx)];
            }
            data[i] = sum;
        }
    }
}

}  // namespace

double minimumLogg(double teff)
{
    return teff > 7500.0 ? 1.0 : kLoggMin;
}

void validateParameters(const StellarParameters& p)
{
    auto check = [](const char* name, double v, double lo, double hi, const char* unit) {
        if (!std::isfinite(v) || v < lo || v > hi)
            throw Error(std::string(name) + " = " + fmt("%g", v) + unit + " is outside the synthesizer's valid range " +
                        fmt("%g", lo) + ".." + fmt("%g", hi) + unit);
    };
    check("Teff", p.teff, kTeffMin, kTeffMax, " K");
    check("log g", p.logg, minimumLogg(p.teff), kLoggMax, "");
    check("[Fe/H]", p.feh, kFehMin, kFehMax, "");
    if (p.alpha) check("[alpha/M]", *p.alpha, kAlphaMin, kAlphaMax, "");
    if (p.microturbulence) check("microturbulence", *p.microturbulence, 0.0, 10.0, " km/s");
    check("v sin i", p.vsini, 0.0, 500.0, " km/s");
    check("macroturbulence", p.macroturbulence, 0.0, 50.0, " km/s");
    for (const auto& [z, offset] : p.abundanceOffsets) {
        if (z <= 2 || z > kElementCount)
            throw Error("abundance offset for element Z = " + std::to_string(z) +
                        ", which the synthesizer does not model (or is H/He)");
        check("abundance offset", offset, -3.0, 3.0, " dex");
    }
}

double galacticAlpha(double feh)
{
    return 0.3 * smoothstep(-feh);
}

double microturbulenceFor(MicroturbulenceLaw law, double teff, double logg, double feh)
{
    if (law == MicroturbulenceLaw::ApogeeDr12) return smoothMax(2.478 - 0.325 * logg, 0.3, 0.02);
    // Gaia-ESO WG11 relation (t0 = 5500 K, g0 = 4.0); the dwarf branch holds Teff at 5000 K below it (made
    // smooth), the branches are blended over 3.3 < log g < 3.7.
    const double dg = logg - 4.0;
    const double common = -0.14 * dg - 0.005 * dg * dg + 0.05 * feh + 0.01 * feh * feh;
    const double td = smoothMax(teff, 5000.0, 30.0) - 5500.0;
    const double dwarf = 1.05 + 2.51e-4 * td + 1.5e-7 * td * td + common;
    const double tg = teff - 5500.0;
    const double giant = 1.25 + 4.01e-4 * tg + 3.1e-7 * tg * tg + common;
    const double w = smoothstep((logg - 3.3) / 0.4);
    return smoothMax(w * dwarf + (1 - w) * giant, 0.3, 0.02);
}

std::optional<MicroturbulenceLaw> microturbulenceLawByName(std::string_view name)
{
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "ges" || lower == "gaia-eso") return MicroturbulenceLaw::GaiaEso;
    if (lower == "apogee" || lower == "apogee-dr12") return MicroturbulenceLaw::ApogeeDr12;
    return std::nullopt;
}

std::vector<double> stellarAbundances(const StellarParameters& p, double alpha)
{
    std::vector<double> ab(kElementCount);
    for (int z = 1; z <= kElementCount; ++z) {
        const ElementData& e = *elementByZ(z);
        double a = e.solarAbundance;
        if (a > -20 && z > 2) a += p.feh + (e.alpha ? alpha : 0.0);
        ab[static_cast<std::size_t>(z - 1)] = a;
    }
    for (const auto& [z, offset] : p.abundanceOffsets)
        if (z > 2 && z <= kElementCount && ab[static_cast<std::size_t>(z - 1)] > -20)
            ab[static_cast<std::size_t>(z - 1)] += offset;
    return ab;
}

Synthesizer::Synthesizer(LineList lines, PhysicsOptions options) : lines_(std::move(lines)), options_(options)
{
    if (!(options_.opacityThreshold > 0) || !(options_.maxLineHalfWidth > 0) || !(options_.vdwEnhancement > 0) ||
        options_.depthStride < 1 || options_.depthStride > 4 || !(options_.continuumOffset > -0.5))
        throw Error("invalid synthesizer physics options (thresholds and scales must be positive, depth stride 1-4)");
    std::stable_sort(lines_.lines.begin(), lines_.lines.end(),
                     [](const SpectralLine& a, const SpectralLine& b) { return a.wavelength < b.wavelength; });
    const auto& pf = PartitionFunctions::barklemCollet();
    constants_.reserve(lines_.lines.size());
    for (const auto& l : lines_.lines) {
        if (l.molecule() && !options_.molecules) continue;
        const ElementData* e = elementByZ(l.z);
        const ElementData* e2 = l.z2 > 0 ? elementByZ(l.z2) : nullptr;
        if (!e || (l.z2 > 0 && !e2))
            throw Error("line list entry for unknown species Z = " + std::to_string(l.z), lines_.source);
        int species = -1;
        for (std::size_t s = 0; s < species_.size(); ++s)
            if (species_[s].z == l.z && species_[s].z2 == l.z2 && species_[s].stage == l.ionStage)
                species = static_cast<int>(s);
        if (species < 0) {
            Species s;
            s.z = l.z;
            s.z2 = l.z2;
            s.stage = l.ionStage;
            s.mass = e->mass + (e2 ? e2->mass : 0.0);
            if (l.molecule()) {
                s.molecule = pf.moleculeIndex(speciesName(l));
                if (s.molecule < 0)
                    throw Error("no partition function or dissociation constant for the molecule " + speciesName(l),
                                lines_.source);
            }
            species_.push_back(s);
            species = static_cast<int>(species_.size()) - 1;
        }
        LineConstants c;
        c.center = l.wavelength;
        const double lcm = l.wavelength * 1e-8;
        // eta0 = (pi e^2/m_e c^2) lambda^2 gf n_lower stim / (sqrt(pi) dlambda_D kappa_c), dlambda_D = lambda v_D / c.
        c.logStrength = std::log(kPiE2OverMc2 * lcm * kC / kSqrtPi) + l.loggf * kLn10;
        c.excitation = l.excitation;
        c.gammaRad = l.logGammaRad != 0 ? std::pow(10.0, l.logGammaRad) : 2.223e15 / (l.wavelength * l.wavelength);
        const double chiLambda = kEvAngstrom / l.wavelength;
        if (l.logGammaStark != 0) {
            c.stark = std::pow(10.0, l.logGammaStark);
        } else if (!l.molecule()) {
            // Cowley (1971): gamma4 / n_e = 1e-8 (n*_upper)^5 at 1e4 K, n*^2 = 13.6 Z^2 / (I - E_upper).
            const double ion = e->ionization[static_cast<std::size_t>(l.ionStage - 1)];
            const double binding = std::max(ion - l.excitation - chiLambda, 0.5);
            const double nstar2 = 13.6057 * l.ionStage * l.ionStage / binding;
            c.stark = 1e-8 * std::pow(nstar2, 2.5);
        }
        if (l.logGammaVdw != 0) {
            c.vdw = std::pow(10.0, l.logGammaVdw);
            c.vdwExponent = l.vdwAlpha > 0 ? 0.5 * (1.0 - l.vdwAlpha) : 0.3;
        } else if (l.molecule()) {
            c.vdw = std::pow(10.0, -7.7);  // a typical molecular value; pressure broadening of molecules is minor
        } else {
            // Unsold (1955): gamma6 = 17 v^0.6 C6^0.4 N, C6 = 0.3e-30 [1/(I-E-chi)^2 - 1/(I-E)^2] (eV, cgs),
            // v = sqrt(8kT/(pi mu)) the mean relative speed of the atom and a hydrogen perturber.
            const double ion = e->ionization[static_cast<std::size_t>(l.ionStage - 1)];
            const double lower = std::max(ion - l.excitation, 0.6);
            const double upper = std::min(std::max(ion - l.excitation - chiLambda, 0.5), lower - 0.05);
            const double c6 = 0.3e-30 * (1.0 / (upper * upper) - 1.0 / (lower * lower));
            const double mu = 1.008 * e->mass / (1.008 + e->mass) * kAmu;
            c.unsold = 17.0 * std::pow(c6, 0.4) * std::pow(8.0 * kBoltzmann / (kPi * mu), 0.3);
        }
        c.species = species;
        constants_.push_back(c);
    }
}

void Synthesizer::synthesize(const StellarParameters& p, const std::vector<double>& wl, SynthesisResult& out,
                             SynthesisWorkspace& ws) const
{
    validateParameters(p);
    const ModelAtmosphere atmosphere = AtmosphereGrid::atlas9().interpolate(p.teff, p.logg, p.feh);
    synthesize(p, atmosphere, wl, out, ws);
}

void Synthesizer::synthesize(const StellarParameters& p, const ModelAtmosphere& atm, const std::vector<double>& wl,
                             SynthesisResult& out, SynthesisWorkspace& ws) const
{
    validateParameters(p);
    checkGrid(wl);
    const std::size_t n = wl.size();
    const double alpha = p.alpha ? *p.alpha : galacticAlpha(p.feh);
    const double xi =
        p.microturbulence ? *p.microturbulence : microturbulenceFor(options_.microturbulenceLaw, p.teff, p.logg, p.feh);
    const double xiCm2 = (xi * 1e5) * (xi * 1e5);
    const auto abundances = stellarAbundances(p, alpha);
    const EquationOfState eos(abundances);
    const auto& continuum = ContinuumOpacity::standard();
    const auto& expint = ExponentialIntegrals::instance();
    const auto& voigt = VoigtProfile::instance();

    // Depth layers: every stride-th point of the model down to log tau_Ross = +1.5.
    std::vector<std::size_t> layers;
    for (std::size_t k = 0; k < atm.size(); k += static_cast<std::size_t>(options_.depthStride))
        if (atm.logTauRoss[k] <= 1.5 + 1e-9) layers.push_back(k);
    if (layers.size() < 8) throw Error("the model atmosphere has too few layers above log tau_Ross = 1.5", atm.source);
    const std::size_t nd = layers.size();
    std::vector<EosState> state(nd);
    for (std::size_t d = nd; d-- > 0;) {
        const std::size_t k = layers[d];
        state[d] = eos.solve(atm.temperature[k], atm.gasPressure[k], atm.electronDensity[k]);
    }
    std::vector<double> tauRoss(nd), rhoKappa(nd), dlnTau(nd, 0.0);
    for (std::size_t d = 0; d < nd; ++d) {
        tauRoss[d] = std::pow(10.0, atm.logTauRoss[layers[d]]);
        rhoKappa[d] = state[d].massDensity * atm.kappaRoss[layers[d]];
        if (d > 0) dlnTau[d] = (atm.logTauRoss[layers[d]] - atm.logTauRoss[layers[d - 1]]) * kLn10;
    }

    // Continuum nodes every 5 A covering the grid: opacity (in units of rho kappa_Ross) and B_lambda per layer.
    const double node0 = std::floor(wl.front() / kNodeStep) * kNodeStep;
    const std::size_t nn = static_cast<std::size_t>(std::ceil((wl.back() - node0) / kNodeStep)) + 1;
    ws.nodeLambda.resize(nn);
    ws.nodeOpacity.resize(nd * nn);
    ws.nodeSource.resize(nd * nn);
    std::vector<double> nodeLogKappa(nd * nn), nodeLogStim(nd * nn);
    for (std::size_t j = 0; j < nn; ++j) ws.nodeLambda[j] = node0 + kNodeStep * static_cast<double>(j);
    for (std::size_t d = 0; d < nd; ++d)
        for (std::size_t j = 0; j < nn; ++j) {
            const double lam = ws.nodeLambda[j];
            const double kappa = continuum.parts(lam, state[d]).total();
            ws.nodeOpacity[d * nn + j] = kappa / rhoKappa[d];
            ws.nodeSource[d * nn + j] = planck(lam, state[d].temperature);
            nodeLogKappa[d * nn + j] = std::log(kappa);
            nodeLogStim[d * nn + j] = std::log(-std::expm1(-kHcOverK / (lam * state[d].temperature)));
        }

    // Per species and layer: ln(n / U) and the squared Doppler velocity.
    const std::size_t ns = species_.size();
    std::vector<double> logN(ns * nd), v2(ns * nd), halfLogV2(ns * nd);
    for (std::size_t s = 0; s < ns; ++s) {
        const Species& sp = species_[s];
        for (std::size_t d = 0; d < nd; ++d) {
            const EosState& st = state[d];
            double nOverU;
            if (sp.molecule >= 0)
                nOverU = st.molecules[static_cast<std::size_t>(sp.molecule)] /
                         st.moleculePartition[static_cast<std::size_t>(sp.molecule)];
            else
                nOverU = st.ion(sp.z, sp.stage) /
                         st.partition[static_cast<std::size_t>(sp.z - 1)][static_cast<std::size_t>(sp.stage - 1)];
            logN[s * nd + d] = std::log(std::max(nOverU, 1e-300));
            v2[s * nd + d] = 2.0 * kBoltzmann * st.temperature / (sp.mass * kAmu) + xiCm2;
            halfLogV2[s * nd + d] = 0.5 * std::log(v2[s * nd + d]);
        }
    }
    // Per layer: E theta factor (ln), damping factors.
    std::vector<double> energyFactor(nd), starkFactor(nd), unsoldFactor(nd), perturbers(nd), lnT4(nd);
    for (std::size_t d = 0; d < nd; ++d) {
        const EosState& st = state[d];
        const double t = st.temperature;
        energyFactor[d] = 1.0 / (kBoltzmannEv * t);
        starkFactor[d] = st.electrons * std::pow(t / 1e4, 1.0 / 6.0);
        perturbers[d] = st.neutral(1) + 0.41 * st.neutral(2) + 0.85 * st.h2;
        unsoldFactor[d] = options_.vdwEnhancement * std::pow(t, 0.3) * perturbers[d];
        lnT4[d] = std::log(t / 1e4);
    }
    // Upper bound of ln eta0 over the layers per species as a function of E (convex, piecewise linear): the
    // cheap pre-filter of the ~230,000 lines, most of which are negligible in any given star.
    constexpr int kEnergyNodes = 151;  // 0 .. 15 eV
    std::vector<double> envelope(ns * kEnergyNodes, -1e300);
    std::vector<double> minLogKappa(nd, 1e300);
    for (std::size_t d = 0; d < nd; ++d)
        for (std::size_t j = 0; j < nn; ++j) minLogKappa[d] = std::min(minLogKappa[d], nodeLogKappa[d * nn + j]);
    for (std::size_t s = 0; s < ns; ++s)
        for (int e = 0; e < kEnergyNodes; ++e) {
            const double energy = 0.1 * e;
            double best = -1e300;
            for (std::size_t d = 0; d < nd; ++d)
                best = std::max(best,
                                logN[s * nd + d] - energy * energyFactor[d] - halfLogV2[s * nd + d] - minLogKappa[d]);
            envelope[s * kEnergyNodes + static_cast<std::size_t>(e)] = best;
        }

    // Line opacity [layer][pixel] in units of rho kappa_Ross.
    ws.lineOpacity.assign(nd * n, 0.0f);
    const PixelIndex index(wl);
    const double eps = options_.opacityThreshold;
    const double logEps = std::log(eps);
    const double wMax = options_.maxLineHalfWidth;
    const double lo = wl.front() - wMax, hi = wl.back() + wMax;
    std::size_t evaluated = 0;
    const auto firstLine = std::lower_bound(constants_.begin(), constants_.end(), lo,
                                            [](const LineConstants& c, double x) { return c.center < x; });
    for (auto it = firstLine; it != constants_.end() && it->center <= hi; ++it) {
        const LineConstants& c = *it;
        const std::size_t s = static_cast<std::size_t>(c.species);
        {
            const double u = std::min(c.excitation * 10.0, kEnergyNodes - 1.000001);
            const int e = static_cast<int>(u);
            const double* env = &envelope[s * kEnergyNodes];
            const double bound = env[e] + (u - e) * (env[e + 1] - env[e]);
            if (c.logStrength + bound < logEps) continue;
        }
        const double nodeU = std::clamp((c.center - node0) / kNodeStep, 0.0, static_cast<double>(nn) - 1.000001);
        const std::size_t j = static_cast<std::size_t>(nodeU);
        const double w = nodeU - static_cast<double>(j);
        bool any = false;
        for (std::size_t d = 0; d < nd; ++d) {
            const std::size_t q = d * nn + j;
            const double logKappa = nodeLogKappa[q] + w * (nodeLogKappa[q + 1] - nodeLogKappa[q]);
            const double logStim = nodeLogStim[q] + w * (nodeLogStim[q + 1] - nodeLogStim[q]);
            const double vd2 = v2[s * nd + d];
            const double logEta = c.logStrength + logN[s * nd + d] - c.excitation * energyFactor[d] + logStim -
                                  halfLogV2[s * nd + d] - logKappa;
            if (logEta < logEps) continue;
            double eta0 = std::exp(logEta);
            eta0 *= smoothstep(eta0 / eps - 1.0);
            if (eta0 <= 0) continue;
            const double doppler = c.center * std::sqrt(vd2) / kC;  // A
            double gamma = c.gammaRad + c.stark * starkFactor[d];
            gamma += c.vdw > 0 ? c.vdw * std::exp(c.vdwExponent * lnT4[d]) * perturbers[d] : c.unsold * unsoldFactor[d];
            const double a = gamma * c.center * c.center * 1e-8 / (4.0 * kPi * kC * doppler);
            const double core = std::sqrt(std::max(logEta - logEps, 0.0));
            const double wing = std::sqrt(eta0 * a / (kSqrtPi * eps));
            const double halfWidth = std::min(doppler * std::max(core, wing), wMax);
            if (c.center + halfWidth < wl.front() || c.center - halfWidth > wl.back()) continue;
            const double xc = std::exp(logKappa) / rhoKappa[d];
            const double scale = eta0 * xc;
            const double invDoppler = 1.0 / doppler, invHalf = 1.0 / halfWidth;
            const std::size_t k0 = index.lower(c.center - halfWidth);
            const std::size_t k1 = index.lower(c.center + halfWidth);
            // The inner 3/4 of the window as is, the outer quarter tapered smoothly to zero.
            const std::size_t c0 = std::max(k0, index.lower(c.center - 0.75 * halfWidth));
            const std::size_t c1 = std::clamp(index.lower(c.center + 0.75 * halfWidth), c0, k1);
            float* o = &ws.lineOpacity[d * n];
            const double* lam = wl.data();
            auto tapered = [&](std::size_t from, std::size_t to) {
                for (std::size_t k = from; k < to; ++k) {
                    const double dl = lam[k] - c.center;
                    const double t = std::min((std::fabs(dl) * invHalf - 0.75) * 4.0, 1.0);
                    const double taper = 1.0 - t * t * (3.0 - 2.0 * t);
                    o[k] += static_cast<float>(scale * taper * voigt(a, dl * invDoppler));
                }
            };
            tapered(k0, c0);
            if (a < VoigtProfile::kSmallA) {
                for (std::size_t k = c0; k < c1; ++k)
                    o[k] += static_cast<float>(scale * voigt.small(a, (lam[k] - c.center) * invDoppler));
            } else {
                for (std::size_t k = c0; k < c1; ++k)
                    o[k] += static_cast<float>(scale * voigt(a, (lam[k] - c.center) * invDoppler));
            }
            tapered(c1, k1);
            any = true;
        }
        if (any) ++evaluated;
    }

    // H beta.
    const HydrogenBeta& hb = HydrogenBeta::instance();
    if (options_.hydrogenLines && wl.front() < hb.vacuumWavelength() + 400.0) {
        const double lam0 = hb.vacuumWavelength();
        const double nu0 = kC / (lam0 * 1e-8);
        const double gf = std::pow(10.0, hb.logGf());
        const std::size_t k1 = index.lower(lam0 + 400.0);
        for (std::size_t d = 0; d < nd; ++d) {
            const EosState& st = state[d];
            const double t = st.temperature;
            const double lower = st.neutral(1) / st.partition[0][0] * std::exp(-10.19881 / (kBoltzmannEv * t));
            const double stim = -std::expm1(-kHcOverK / (lam0 * t));
            const double strength = 0.0265400 * gf * lower * stim / rhoKappa[d];  // (pi e^2 / m_e c) in cm^2/s
            const auto layer = hb.layer(t, st.electrons, st.neutral(1));
            float* o = &ws.lineOpacity[d * n];
            for (std::size_t k = 0; k < k1; ++k) {
                const double dnu = kC / (wl[k] * 1e-8) - nu0;
                o[k] += static_cast<float>(strength * hb.profile(layer, dnu));
            }
        }
    }

    // Transfer: emergent flux with S = B (LTE, scattering as absorption) by exact integration against E2.
    ws.pixelNode.resize(n);
    for (std::size_t k = 0; k < n; ++k)
        ws.pixelNode[k] = std::clamp((wl[k] - node0) / kNodeStep, 0.0, static_cast<double>(nn) - 1.000001);
    std::vector<FluxIntegral> integral(n);
    ws.x.resize(n);
    for (std::size_t d = 0; d < nd; ++d) {
        const float* o = &ws.lineOpacity[d * n];
        const double* xo = &ws.nodeOpacity[d * nn];
        const double* so = &ws.nodeSource[d * nn];
        for (std::size_t k = 0; k < n; ++k) {
            const double u = ws.pixelNode[k];
            const std::size_t j = static_cast<std::size_t>(u);
            const double w = u - static_cast<double>(j);
            const double x = xo[j] + w * (xo[j + 1] - xo[j]) + static_cast<double>(o[k]);
            const double source = so[j] + w * (so[j + 1] - so[j]);
            if (d == 0) {
                integral[k].start(x * tauRoss[0], source, expint);
            } else {
                const double dtau = 0.5 * (ws.x[k] * tauRoss[d - 1] + x * tauRoss[d]) * dlnTau[d];
                integral[k].add(dtau, source, expint);
            }
            ws.x[k] = x;
        }
    }
    // The continuum alone at the nodes.
    std::vector<double> nodeFlux(nn);
    for (std::size_t j = 0; j < nn; ++j) {
        FluxIntegral f;
        double prev = 0;
        for (std::size_t d = 0; d < nd; ++d) {
            const double x = ws.nodeOpacity[d * nn + j];
            const double source = ws.nodeSource[d * nn + j];
            if (d == 0)
                f.start(x * tauRoss[0], source, expint);
            else
                f.add(0.5 * (prev * tauRoss[d - 1] + x * tauRoss[d]) * dlnTau[d], source, expint);
            prev = x;
        }
        nodeFlux[j] = f.finish();
    }

    out.flux.resize(n);
    out.continuum.resize(n);
    ws.flux.resize(n);
    const double offset = options_.continuumOffset;
    for (std::size_t k = 0; k < n; ++k) {
        const double u = ws.pixelNode[k];
        const std::size_t j = static_cast<std::size_t>(u);
        const double w = u - static_cast<double>(j);
        out.continuum[k] = nodeFlux[j] + w * (nodeFlux[j + 1] - nodeFlux[j]);
        const double r = integral[k].finish() / out.continuum[k];
        ws.flux[k] = offset != 0 ? (r + offset) / (1.0 + offset) : r;
    }

    // Rotation (Gray 2005 eq. 18.14, limb darkening 0.6) and Gaussian macroturbulence.
    if (p.vsini > 0) {
        const double v = p.vsini / kCkms;
        constexpr double limb = 0.6;
        convolveChunked(
            ws.flux, wl, ws.scratch, ws.kernel, [v](double lambda) { return lambda * v; },
            [v, limb](double dl, double lambda) {
                const double x = dl / (lambda * v);
                if (std::fabs(x) >= 1.0) return 0.0;
                const double q = 1.0 - x * x;
                return 2.0 * (1.0 - limb) * std::sqrt(q) + 0.5 * kPi * limb * q;
            });
    }
    if (p.macroturbulence > 0) {
        const double v = p.macroturbulence / kCkms;
        convolveChunked(
            ws.flux, wl, ws.scratch, ws.kernel, [v](double lambda) { return 4.0 * lambda * v; },
            [v](double dl, double lambda) {
                const double x = dl / (lambda * v);
                return std::exp(-x * x);
            });
    }
    for (std::size_t k = 0; k < n; ++k) out.flux[k] = ws.flux[k] * out.continuum[k];
    out.microturbulence = xi;
    out.alpha = alpha;
    out.linesEvaluated = evaluated;
    out.atmosphere = atm.source;
}

Spectrum Synthesizer::synthesizeSpectrum(const StellarParameters& p, const std::vector<double>& wl) const
{
    SynthesisResult r;
    SynthesisWorkspace ws;
    synthesize(p, wl, r, ws);
    Spectrum s;
    s.wavelength = wl;
    s.flux = std::move(r.flux);
    s.medium = Medium::Vacuum;
    s.fluxUnit = "erg/s/cm^2/cm";
    s.provenance.format = "remap-synth";
    s.labels.teff = p.teff;
    s.labels.logg = p.logg;
    s.labels.feh = p.feh;
    s.labels.alpha = r.alpha;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", r.microturbulence);
    s.metadata["VMICRO"] = buf;
    std::snprintf(buf, sizeof buf, "%.3f", p.vsini);
    s.metadata["VSINI"] = buf;
    s.metadata["LINELIST"] = lines_.source;
    s.finalize();
    return s;
}

std::vector<double> linearWavelengthGrid(double minA, double maxA, double step)
{
    if (!std::isfinite(minA) || !std::isfinite(maxA) || !(maxA > minA))
        throw Error("empty wavelength window: the upper limit must exceed the lower one");
    if (!(step > 0) || !std::isfinite(step)) throw Error("the wavelength step must be positive");
    const double count = std::floor((maxA - minA) / step + 1e-9) + 1;
    if (count > 5e7) throw Error("the wavelength window holds more than 50 million points");
    std::vector<double> g(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = minA + static_cast<double>(i) * step;
    return g;
}

std::vector<double> logWavelengthGrid(double minA, double maxA, double lnStep)
{
    if (!std::isfinite(minA) || !std::isfinite(maxA) || !(maxA > minA) || !(minA > 0))
        throw Error("empty wavelength window: the upper limit must exceed the lower one");
    if (!(lnStep > 0) || !std::isfinite(lnStep)) throw Error("the ln(lambda) step must be positive");
    const double lnMin = std::log(minA);
    const double count = std::floor((std::log(maxA) - lnMin) / lnStep + 1e-9) + 1;
    if (count > 5e7) throw Error("the wavelength window holds more than 50 million points");
    std::vector<double> g(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = std::exp(lnMin + static_cast<double>(i) * lnStep);
    return g;
}

LineList observedLineList(const LineList& base, const ObservedPhysics& physics)
{
    LineList list = base;
    if (physics.extraLines) list = mergeLineLists({&base, &embeddedLineList(EmbeddedList::ObservedExtra)});
    SeededRandom rng(physics.seed);
    for (auto& l : list.lines) {
        l.loggf += physics.loggfSigma * rng.gaussian();
        const double dv = physics.vdwSigma * rng.gaussian();
        if (l.logGammaVdw != 0) l.logGammaVdw = std::min(l.logGammaVdw + dv, -1e-3);
    }
    list.source += " (observed physics, seed " + std::to_string(physics.seed) + ")";
    return list;
}

PhysicsOptions observedPhysicsOptions(const ObservedPhysics& physics)
{
    PhysicsOptions o;
    o.microturbulenceLaw = MicroturbulenceLaw::ApogeeDr12;
    o.vdwEnhancement = physics.vdwEnhancement;
    o.continuumOffset = physics.continuumOffset;
    return o;
}

Synthesizer makeObservedSynthesizer(const ObservedPhysics& physics, const LineList& base)
{
    return Synthesizer(observedLineList(base, physics), observedPhysicsOptions(physics));
}

}  // namespace remap::synth
