#include "Synthesizer.h"

#include "Elements.h"
#include "Voigt.h"
#include "base/Error.h"
#include "base/Random.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace remap::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrtPi = 1.7724538509055160273;
constexpr double kC = 2.99792458e10;          // cm/s
constexpr double kCkms = 2.99792458e5;        // km/s
constexpr double kBoltzmann = 1.380649e-16;   // erg/K
constexpr double kAmu = 1.66053907e-24;       // g
constexpr double kHcOverK = 1.438776877e8;    // Angstrom K
constexpr double kTwoHc2 = 1.191042972e-5;    // erg cm^2 / s
constexpr double kEvAngstrom = 12398.41984;   // photon energy (eV) times wavelength (A)
constexpr double kPiE2OverMc2 = 8.85282e-13;  // pi e^2 / (m_e c^2), cm
constexpr double kLog10e = 0.43429448190325182765;
constexpr double kTauRef = 0.1;  // optical depth of the characteristic layer
constexpr double kHydrogenIonization = 13.598;
constexpr double kSourceGradient = 1.48;  // scales the Milne-Eddington source-function slope

double smoothstep(double x)
{
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    return x * x * (3 - 2 * x);
}

std::size_t elementCount()
{
    return static_cast<std::size_t>(elementsEnd() - elementsBegin());
}

std::size_t elementIndex(int z)
{
    for (std::size_t i = 0; i < elementCount(); ++i)
        if (elementsBegin()[i].z == z) return i;
    return elementCount();
}

// Saha ratio N(II) Pe / N(I) in dyn/cm^2 (Gray 2005, eq. 1.20).
double sahaPhi(const ElementData& e, double temperature, double theta)
{
    const double u1 = partitionFunction(e, 1, temperature);
    const double u2 = partitionFunction(e, 2, temperature);
    return std::pow(10.0, std::log10(u2 / u1) + 2.5 * std::log10(temperature) - theta * e.ionization1 - 0.1762);
}

struct OpacityState {
    double temperature = 0, theta = 0, pe = 0, neutralH = 1, electronsPerH = 0;
};

// Bound-free H- cross section (Gray 2005 eq. 8.11), cm^2, wavelength in A.
double hMinusBoundFreeCrossSection(double lambda)
{
    if (lambda > 16300.0) return 0.0;
    const double l = std::max(lambda, 2250.0);
    const double a[7] = {1.99654, -1.18267e-5, 2.64243e-6, -4.40524e-10, 3.23992e-14, -1.39568e-18, 2.78701e-23};
    double s = a[6];
    for (int i = 5; i >= 0; --i) s = s * l + a[i];
    return std::max(s, 0.0) * 1e-18;
}

// Continuous opacity per hydrogen nucleus (cm^2) at `lambda` (A): H- bound-free and free-free,
// neutral H bound-free (Paschen and higher) and free-free, Rayleigh scattering by H, Thomson
// scattering (Gray 2005, chapter 8), stimulated emission included for the absorptions.
double kappaPerH(double lambda, const OpacityState& s)
{
    const double theta = s.theta;
    const double chiLambda = kEvAngstrom / lambda;
    const double stimulated = 1.0 - std::pow(10.0, -chiLambda * theta);
    const double hMinusBf =
        4.158e-10 * hMinusBoundFreeCrossSection(lambda) * s.pe * std::pow(theta, 2.5) * std::pow(10.0, 0.754 * theta);
    const double ll = std::log10(std::clamp(lambda, 2604.0, 113918.0));
    const double lt = std::log10(std::clamp(theta, 0.5, 3.6));
    const double f0 = -2.2763 - 1.6850 * ll + 0.76661 * ll * ll - 0.053346 * ll * ll * ll;
    const double f1 = 15.2827 - 9.2846 * ll + 1.99381 * ll * ll - 0.142631 * ll * ll * ll;
    const double f2 =
        -197.789 + 190.266 * ll - 67.9775 * ll * ll + 10.6913 * ll * ll * ll - 0.625151 * ll * ll * ll * ll;
    const double hMinusFf = 1e-26 * s.pe * std::pow(10.0, f0 + f1 * lt + f2 * lt * lt);
    // Neutral hydrogen: first level whose edge lies redward of lambda.
    const double alpha0 = 1.0449e-26 * lambda * lambda * lambda;
    int n0 = 1;
    while (911.267 * n0 * n0 < lambda) ++n0;
    double sum = 0;
    for (int n = n0; n < n0 + 3; ++n) {
        const double chiN = kHydrogenIonization * (1.0 - 1.0 / (n * n));
        sum += std::pow(10.0, -theta * chiN) / (n * n * n);
    }
    const double chiTail = kHydrogenIonization * (1.0 - 1.0 / ((n0 + 3) * (n0 + 3)));
    const double tail = kLog10e / (2 * theta * kHydrogenIonization) *
                        (std::pow(10.0, -theta * chiTail) - std::pow(10.0, -theta * kHydrogenIonization));
    const double hFf = kLog10e / (2 * theta * kHydrogenIonization) * std::pow(10.0, -theta * kHydrogenIonization);
    const double hydrogen = alpha0 * (sum + tail + hFf);
    const double l2 = lambda * lambda;
    const double rayleigh = 5.799e-13 / (l2 * l2) + 1.422e-6 / (l2 * l2 * l2) + 2.784 / (l2 * l2 * l2 * l2);
    const double thomson = 6.652e-25 * s.electronsPerH;
    return s.neutralH * ((hMinusBf + hydrogen) * stimulated + hMinusFf + rayleigh) + thomson;
}

struct PhotosphereSolution {
    Photosphere ph;
    OpacityState opacity;
    std::vector<double> ionizedFraction;  // per element (single ionization)
};

PhotosphereSolution solve(double teff, double logg, const std::vector<double>& abundances)
{
    const std::size_t ne = elementCount();
    PhotosphereSolution sol;
    const double temperature = teff * std::pow(0.75 * (kTauRef + 2.0 / 3.0), 0.25);
    const double theta = 5040.0 / temperature;
    std::vector<double> phi(ne), eps(ne);
    double massPerH = 0, nucleiPerH = 0;
    for (std::size_t i = 0; i < ne; ++i) {
        const ElementData& e = elementsBegin()[i];
        eps[i] = std::pow(10.0, abundances[i] - 12.0);
        phi[i] = sahaPhi(e, temperature, theta);
        massPerH += eps[i] * e.mass * kAmu;
        nucleiPerH += eps[i];
    }
    const double gravity = std::pow(10.0, logg);
    OpacityState st;
    st.temperature = temperature;
    st.theta = theta;
    auto electrons = [&](double pe) {
        double sum = 0;
        for (std::size_t i = 0; i < ne; ++i)
            if (elementsBegin()[i].electronDonor) sum += eps[i] * phi[i] / (pe + phi[i]);
        return sum;
    };
    const std::size_t hIndex = elementIndex(1);
    // Pe_model(Pe) decreases with Pe: bisection on log Pe converges to machine precision and keeps
    // the solution a smooth function of the parameters.
    auto model = [&](double pe, OpacityState& s) {
        s.pe = pe;
        s.electronsPerH = electrons(pe);
        s.neutralH = pe / (pe + phi[hIndex]);
        const double kappaMass = kappaPerH(5000.0, s) / massPerH;
        const double pg = gravity * kTauRef / kappaMass;
        return pg * s.electronsPerH / (nucleiPerH + s.electronsPerH);
    };
    double lo = -8.0, hi = 8.0;
    for (int it = 0; it < 64; ++it) {
        const double mid = 0.5 * (lo + hi);
        const double pe = std::pow(10.0, mid);
        if (model(pe, st) > pe)
            lo = mid;
        else
            hi = mid;
    }
    const double pe = std::pow(10.0, 0.5 * (lo + hi));
    model(pe, st);
    const double kappaMass = kappaPerH(5000.0, st) / massPerH;
    sol.ph.temperature = temperature;
    sol.ph.theta = theta;
    sol.ph.pe = pe;
    sol.ph.pg = gravity * kTauRef / kappaMass;
    sol.ph.kappa5000 = kappaMass;
    sol.ph.ne = pe / (kBoltzmann * temperature);
    sol.ph.electronsPerH = st.electronsPerH;
    sol.ph.nH = sol.ph.pg / (kBoltzmann * temperature) / (nucleiPerH + st.electronsPerH);
    sol.opacity = st;
    sol.ionizedFraction.resize(ne);
    for (std::size_t i = 0; i < ne; ++i) sol.ionizedFraction[i] = phi[i] / (pe + phi[i]);
    return sol;
}

// Molecular band strength (line-centre-like opacity in continuum units at the band head), before
// the band shape. MgH: N(MgH)/N(H) ~ N(Mg I) P_H 10^(D0 theta) (D0 = 1.34 eV) over the H- opacity,
// normalized to a peak line opacity of 3 at Teff 4500 K, log g 4.6, solar metallicity. C2: phenomenological bell in
// theta (dissociated in hot stars, carbon locked in CO in cool ones) times the free-carbon
// abundance squared, 0.05 in the Sun.
double mgHRaw(const PhotosphereSolution& s, double logEpsMg)
{
    const std::size_t mg = elementIndex(12);
    const double neutral = 1.0 - s.ionizedFraction[mg];
    return std::pow(10.0, logEpsMg - 12.0) * neutral * s.ph.pg * std::pow(10.0, 1.34 * s.ph.theta) /
           kappaPerH(5150.0, s.opacity);
}

double mgHReference()
{
    static const double ref = [] {
        std::vector<double> ab(elementCount());
        for (std::size_t i = 0; i < ab.size(); ++i) ab[i] = elementsBegin()[i].solarAbundance;
        const auto s = solve(4500.0, 4.6, ab);
        return mgHRaw(s, ab[elementIndex(12)]);
    }();
    return ref;
}

// A molecular band as a forest of pseudo rotational lines (three branches of a band degraded to the
// violet): line j of branch b sits at head - (offset_b + spacing j + curvature j^2), with the
// rotational envelope x exp(1 - x), x = j / jPeak, a Gaussian (Doppler) profile and peak opacity
// strength * envelope. The positions (including a fixed jitter) are fixed, so the result is smooth in the stellar
// parameters.
struct BandModel {
    double headVac;    // A
    double spacing;    // A per j
    double curvature;  // A per j^2
    double jPeak;
    double length;  // A blueward of the head covered
    double mass;    // molecular mass, amu
};

void addBand(std::vector<double>& opacity, const std::vector<double>& wl, const BandModel& band, double strength,
             double temperature, double xiCm2, double threshold)
{
    if (strength < threshold) return;
    const double doppler = band.headVac * std::sqrt(2.0 * kBoltzmann * temperature / (band.mass * kAmu) + xiCm2) / kC;
    const double reach = 4.0 * doppler;
    const double offsets[3] = {0.0, 0.37 * band.spacing, 0.71 * band.spacing};
    for (int b = 0; b < 3; ++b) {
        for (int j = 1;; ++j) {
            // Fixed pseudo-random jitter (a hash of j and the branch) breaks the regular comb, as
            // overlapping vibrational bands and isotopologues do in real spectra.
            const double h = std::sin(12.9898 * j + 78.233 * b) * 43758.5453;
            const double jitter = 0.35 * band.spacing * (h - std::floor(h) - 0.5);
            const double d = offsets[b] + band.spacing * j + band.curvature * j * j + jitter;
            if (d > band.length) break;
            const double x = j / band.jPeak;
            // Fade the forest out smoothly over the last 20 % of the band's extent.
            const double fade = 1.0 - smoothstep((d - 0.8 * band.length) / (0.2 * band.length));
            const double peak = strength * x * std::exp(1.0 - x) * fade;
            if (peak < threshold) continue;
            const double centre = band.headVac - d;
            const auto first = std::lower_bound(wl.begin(), wl.end(), centre - reach);
            const auto last = std::upper_bound(wl.begin(), wl.end(), centre + reach);
            for (auto it = first; it != last; ++it) {
                const double u = (*it - centre) / doppler;
                opacity[static_cast<std::size_t>(it - wl.begin())] += peak * std::exp(-u * u);
            }
        }
    }
}

// MgH A-X (0,0) near 5211 A (air) and C2 Swan (0,0) with its head at 5165 A (air).
constexpr BandModel kMgH{5212.45, 0.85, 0.004, 22.0, 220.0, 25.3};
constexpr BandModel kC2{5166.6, 0.45, 0.006, 30.0, 120.0, 24.0};

// Convolves `data` in place with a kernel given as a function of the offset in Angstrom, evaluated
// in chunks so the kernel follows the local wavelength and sampling. `halfWidthOf(lambda)` gives
// the kernel's half-width; `shape(dl, lambda)` its (unnormalized) value.
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

void checkGrid(const std::vector<double>& wl)
{
    if (wl.size() < 2) throw Error("the synthesis wavelength grid needs at least 2 points");
    for (std::size_t i = 0; i < wl.size(); ++i) {
        if (!std::isfinite(wl[i]) || wl[i] < 1000.0 || wl[i] > 200000.0)
            throw Error("synthesis wavelength " + std::to_string(wl[i]) + " A is outside 1000-200000 A");
        if (i > 0 && !(wl[i] > wl[i - 1])) throw Error("the synthesis wavelength grid must be strictly increasing");
    }
}

std::string formatRange(const char* name, double value, double lo, double hi, const char* unit)
{
    char buf[200];
    std::snprintf(buf, sizeof buf, "%s = %g%s is outside the synthesizer's valid range %g..%g%s", name, value, unit, lo,
                  hi, unit);
    return buf;
}

}  // namespace

void validateParameters(const StellarParameters& p)
{
    auto check = [](const char* name, double v, double lo, double hi, const char* unit) {
        if (!std::isfinite(v) || v < lo || v > hi) throw Error(formatRange(name, v, lo, hi, unit));
    };
    check("Teff", p.teff, kTeffMin, kTeffMax, " K");
    check("log g", p.logg, kLoggMin, kLoggMax, "");
    check("[Fe/H]", p.feh, kFehMin, kFehMax, "");
    if (p.alpha) check("[alpha/M]", *p.alpha, kAlphaMin, kAlphaMax, "");
    if (p.microturbulence) check("microturbulence", *p.microturbulence, 0.0, 10.0, " km/s");
    check("v sin i", p.vsini, 0.0, 500.0, " km/s");
    check("macroturbulence", p.macroturbulence, 0.0, 50.0, " km/s");
    for (const auto& [z, offset] : p.abundanceOffsets) {
        if (!elementByZ(z) || z <= 2)
            throw Error("abundance offset for element Z = " + std::to_string(z) +
                        ", which the synthesizer does not model (or is H/He)");
        check("abundance offset", offset, -3.0, 3.0, " dex");
    }
}

double galacticAlpha(double feh)
{
    return 0.3 * smoothstep(-feh);
}

double microturbulenceFor(MicroturbulenceLaw law, double teff, double logg)
{
    if (law == MicroturbulenceLaw::Grid) return 1.0 + smoothstep(4.0 - logg);
    const double dt = teff - 5500.0;
    return std::clamp(1.1 + 1e-4 * dt + 4e-7 * dt * dt - 0.33 * (logg - 4.0), 0.5, 3.0);
}

std::vector<double> stellarAbundances(const StellarParameters& p, double alpha)
{
    std::vector<double> ab(elementCount());
    for (std::size_t i = 0; i < ab.size(); ++i) {
        const ElementData& e = elementsBegin()[i];
        ab[i] = e.solarAbundance;
        if (e.z > 2) ab[i] += p.feh + (e.alpha ? alpha : 0.0);
    }
    for (const auto& [z, offset] : p.abundanceOffsets) {
        const std::size_t i = elementIndex(z);
        if (i < ab.size() && z > 2) ab[i] += offset;
    }
    return ab;
}

Photosphere solvePhotosphere(double teff, double logg, const std::vector<double>& abundances)
{
    if (abundances.size() != elementCount()) throw Error("abundance vector has the wrong length");
    return solve(teff, logg, abundances).ph;
}

double planckFlux(double wavelengthAngstrom, double temperature)
{
    const double lcm = wavelengthAngstrom * 1e-8;
    const double l5 = lcm * lcm * lcm * lcm * lcm;
    return kPi * kTwoHc2 / l5 / std::expm1(kHcOverK / (wavelengthAngstrom * temperature));
}

Synthesizer::Synthesizer(LineList lines, PhysicsOptions options) : lines_(std::move(lines)), options_(options)
{
    if (!(options_.opacityThreshold > 0) || !(options_.maxLineHalfWidth > 0) || !(options_.lineStrengthScale > 0) ||
        !(options_.vdwEnhancement > 0))
        throw Error("invalid synthesizer physics options (thresholds and scales must be positive)");
    std::stable_sort(lines_.lines.begin(), lines_.lines.end(),
                     [](const SpectralLine& a, const SpectralLine& b) { return a.wavelength < b.wavelength; });
    constants_.reserve(lines_.lines.size());
    for (const auto& l : lines_.lines) {
        const ElementData* e = elementByZ(l.z);
        if (!e) throw Error("line list entry for unknown element Z = " + std::to_string(l.z), lines_.source);
        const std::size_t ei = elementIndex(l.z);
        int species = -1;
        for (std::size_t s = 0; s < species_.size(); ++s)
            if (species_[s].first == static_cast<int>(ei) && species_[s].second == l.ionStage)
                species = static_cast<int>(s);
        if (species < 0) {
            species_.emplace_back(static_cast<int>(ei), l.ionStage);
            species = static_cast<int>(species_.size()) - 1;
        }
        LineConstants c;
        c.center = l.wavelength;
        c.lambdaCm2 = l.wavelength * 1e-8 * l.wavelength * 1e-8;
        c.gf = std::pow(10.0, l.loggf);
        c.excitation = l.excitation;
        c.chiLambda = kEvAngstrom / l.wavelength;
        c.thermalFactor = 2.0 * kBoltzmann / (e->mass * kAmu);
        c.gammaRad = l.logGammaRad != 0 ? std::pow(10.0, l.logGammaRad) : 0.2223e16 / (l.wavelength * l.wavelength);
        c.logGammaStark = l.logGammaStark;
        c.logGammaVdw = l.logGammaVdw;
        // Unsold (1955): gamma6 = 17 v^0.6 C6^0.4 N_H, C6 = 0.3e-30 [1/(I-chi-chi_l)^2 - 1/(I-chi)^2],
        // v = sqrt(8kT / (pi mu)) the mean relative speed of the atom and a hydrogen perturber.
        const double ion = l.ionStage == 1 ? e->ionization1 : e->ionization2;
        const double lower = std::max(ion - l.excitation, 0.6);
        const double upper = std::min(std::max(ion - l.excitation - c.chiLambda, 0.5), lower - 0.05);
        const double c6 = 0.3e-30 * (1.0 / (upper * upper) - 1.0 / (lower * lower));
        const double mu = 1.008 * e->mass / (1.008 + e->mass) * kAmu;
        c.unsoldC = 17.0 * std::pow(c6, 0.4) * std::pow(8.0 * kBoltzmann / (kPi * mu), 0.3);
        c.species = species;
        constants_.push_back(c);
    }
}

void Synthesizer::synthesize(const StellarParameters& p, const std::vector<double>& wl, SynthesisResult& out,
                             SynthesisWorkspace& ws) const
{
    validateParameters(p);
    checkGrid(wl);
    const std::size_t n = wl.size();
    const double alpha = p.alpha ? *p.alpha : galacticAlpha(p.feh);
    const double xi =
        p.microturbulence ? *p.microturbulence : microturbulenceFor(options_.microturbulenceLaw, p.teff, p.logg);
    const double xiCm2 = (xi * 1e5) * (xi * 1e5);

    // Abundances and the characteristic layer.
    ws.abundances = stellarAbundances(p, alpha);
    const PhotosphereSolution sol = solve(p.teff, p.logg, ws.abundances);
    const Photosphere& ph = sol.ph;
    const double temperature = ph.temperature;
    const double theta = ph.theta;

    // Number density of each species over N_H, divided by its partition function (log10).
    ws.speciesLogN.resize(species_.size());
    for (std::size_t s = 0; s < species_.size(); ++s) {
        const auto [ei, stage] = species_[s];
        const ElementData& e = elementsBegin()[ei];
        const double ionized = sol.ionizedFraction[static_cast<std::size_t>(ei)];
        const double fraction = stage == 1 ? 1.0 - ionized : ionized;
        ws.speciesLogN[s] = ws.abundances[static_cast<std::size_t>(ei)] - 12.0 +
                            std::log10(std::max(fraction, 1e-300)) -
                            std::log10(partitionFunction(e, stage, temperature));
    }

    // Per-line strength, widths and evaluation window.
    ws.opacity.assign(n, 0.0);
    ws.lines.resize(constants_.size());
    const double eps = options_.opacityThreshold;
    const double wMax = options_.maxLineHalfWidth;
    const double tempFactor6 = std::pow(temperature, 0.3);
    const double tStark = std::pow(temperature / 1e4, 1.0 / 6.0);
    const double tVdw = std::pow(temperature / 1e4, 0.3);
    const double lo = wl.front() - wMax, hi = wl.back() + wMax;
    std::size_t evaluated = 0;
    // The continuum opacity varies slowly: evaluate it every 5 A and interpolate linearly.
    double kappaNodeL = -1e30, kappaNodeR = -1e30, kappaL = 0, kappaR = 0;
    for (std::size_t i = 0; i < constants_.size(); ++i) {
        const LineConstants& c = constants_[i];
        auto& st = ws.lines[i];
        st.eta0 = 0;
        if (c.center < lo || c.center > hi) continue;
        if (c.center > kappaNodeR) {
            kappaNodeL = std::floor(c.center / 5.0) * 5.0;
            kappaNodeR = kappaNodeL + 5.0;
            kappaL = kappaPerH(kappaNodeL, sol.opacity);
            kappaR = kappaPerH(kappaNodeR, sol.opacity);
        }
        const double kappa = kappaL + (kappaR - kappaL) * (c.center - kappaNodeL) / 5.0;
        const double dopplerA = c.center * std::sqrt(c.thermalFactor * temperature + xiCm2) / kC;
        const double dopplerCm = dopplerA * 1e-8;
        const double population =
            std::pow(10.0, ws.speciesLogN[static_cast<std::size_t>(c.species)] - theta * c.excitation);
        const double stimulated = 1.0 - std::pow(10.0, -theta * c.chiLambda);
        double eta0 = options_.lineStrengthScale * kPiE2OverMc2 * c.lambdaCm2 * c.gf * population * stimulated /
                      (kSqrtPi * dopplerCm) / kappa;
        // Smooth switch-off of negligible lines so the spectrum stays a smooth function of the parameters.
        eta0 *= smoothstep(eta0 / eps - 1.0);
        if (eta0 <= 0) continue;
        double gamma = c.gammaRad;
        if (c.logGammaStark != 0) gamma += std::pow(10.0, c.logGammaStark) * ph.ne * tStark;
        if (c.logGammaVdw != 0)
            gamma += std::pow(10.0, c.logGammaVdw) * ph.nH * tVdw;
        else
            gamma += options_.vdwEnhancement * c.unsoldC * tempFactor6 * ph.nH;
        const double a = gamma * c.lambdaCm2 / (4.0 * kPi * kC * dopplerCm);
        const double core = std::sqrt(std::max(std::log(eta0 / eps), 0.0));
        const double wing = std::sqrt(eta0 * a / (kSqrtPi * eps));
        const double halfWidth = std::min(1.25 * dopplerA * std::max(core, wing), wMax);
        st.center = c.center;
        st.eta0 = eta0;
        st.doppler = dopplerA;
        st.invDoppler = 1.0 / dopplerA;
        st.damping = a;
        st.halfWidth = halfWidth;
        st.invHalfWidth = 1.0 / halfWidth;
        if (c.center + halfWidth < wl.front() || c.center - halfWidth > wl.back()) continue;
        // Accumulate eta(lambda) = eta0 H(a, v) taper(|dl| / W) over the window.
        const std::size_t p0 =
            static_cast<std::size_t>(std::lower_bound(wl.begin(), wl.end(), c.center - halfWidth) - wl.begin());
        const std::size_t p1 =
            static_cast<std::size_t>(std::upper_bound(wl.begin(), wl.end(), c.center + halfWidth) - wl.begin());
        double* eta = ws.opacity.data();
        const double* w = wl.data();
        for (std::size_t k = p0; k < p1; ++k) {
            const double dl = w[k] - c.center;
            const double x = std::fabs(dl) * st.invHalfWidth;
            double taper = 1.0;
            if (x > 0.75) {
                const double u = (x - 0.75) * 4.0;
                taper = u >= 1.0 ? 0.0 : 1.0 - u * u * (3.0 - 2.0 * u);
            }
            eta[k] += eta0 * taper * voigtH(a, dl * st.invDoppler);
        }
        ++evaluated;
    }

    // Molecular bands of cool stars.
    if (options_.molecularBands) {
        const double mgStrength = 3.0 * mgHRaw(sol, ws.abundances[elementIndex(12)]) / mgHReference();
        addBand(ws.opacity, wl, kMgH, mgStrength, temperature, xiCm2, eps);
        const double carbon = std::pow(10.0, ws.abundances[elementIndex(6)] - 8.43);
        const double c2 = 0.05 * carbon * carbon * std::exp(-((theta - 1.0) / 0.2) * ((theta - 1.0) / 0.2));
        addBand(ws.opacity, wl, kC2, c2, temperature, xiCm2, eps);
    }

    // Milne-Eddington transfer: r = 1 - D eta / (1 + eta), with the saturation depth D set by the
    // source-function gradient (2/3) beta / (1 + (2/3) beta), beta ~ d ln B / d ln T at T_ref.
    out.flux.resize(n);
    out.continuum.resize(n);
    const bool exponential = options_.transfer == TransferLaw::Exponential;
    for (std::size_t k = 0; k < n; ++k) {
        const double x = kHcOverK / (wl[k] * temperature);
        const double beta = kSourceGradient * x / (-std::expm1(-x));
        const double d = (2.0 / 3.0) * beta / (1.0 + (2.0 / 3.0) * beta);
        const double eta = ws.opacity[k];
        // Now the normalized flux.
        ws.opacity[k] = 1.0 - d * (exponential ? -std::expm1(-eta) : eta / (1.0 + eta));
    }

    // Rotation (Gray 2005 eq. 18.14, limb darkening 0.6) and Gaussian macroturbulence.
    if (p.vsini > 0) {
        const double v = p.vsini / kCkms;
        constexpr double limb = 0.6;
        convolveChunked(
            ws.opacity, wl, ws.scratch, ws.kernel, [v](double lambda) { return lambda * v; },
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
            ws.opacity, wl, ws.scratch, ws.kernel, [v](double lambda) { return 4.0 * lambda * v; },
            [v](double dl, double lambda) {
                const double x = dl / (lambda * v);
                return std::exp(-x * x);
            });
    }

    for (std::size_t k = 0; k < n; ++k) {
        out.continuum[k] = planckFlux(wl[k], p.teff);
        out.flux[k] = out.continuum[k] * ws.opacity[k];
    }
    out.photosphere = ph;
    out.microturbulence = xi;
    out.alpha = alpha;
    out.linesEvaluated = evaluated;
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
    for (auto& l : list.lines) l.loggf += physics.loggfSigma * rng.gaussian();
    list.source += " (observed physics, seed " + std::to_string(physics.seed) + ")";
    return list;
}

PhysicsOptions observedPhysicsOptions(const ObservedPhysics& physics)
{
    PhysicsOptions o;
    o.microturbulenceLaw = MicroturbulenceLaw::Observed;
    o.vdwEnhancement = physics.vdwEnhancement;
    return o;
}

Synthesizer makeObservedSynthesizer(const ObservedPhysics& physics, const LineList& base)
{
    return Synthesizer(observedLineList(base, physics), observedPhysicsOptions(physics));
}

}  // namespace remap::synth
