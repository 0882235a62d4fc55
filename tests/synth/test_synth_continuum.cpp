// Continuous opacity, line profiles and the transfer integrals against independent references: the H-
// cross-section of Wishart (1979) and the textbook fits of Gray (2005, eqs. 8.11-8.13), the hydrogenic H I
// bound-free sum (Gray eq. 8.8), MARCS's own 5000 A optical-depth scale of its solar model, the exact Voigt
// function (Humlicek's algorithm) and exact exponential integrals.
#include "TestSupport.h"

#include "synth/Atmosphere.h"
#include "synth/Continuum.h"
#include "synth/Elements.h"
#include "synth/Eos.h"
#include "synth/HydrogenLines.h"
#include "synth/PhysicsData.h"
#include "synth/Transfer.h"
#include "synth/Voigt.h"

#include <QtTest>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

using namespace remap;
using namespace remap::synth;

namespace {

constexpr double kBoltzmann = 1.380649e-16;
constexpr double kPi = 3.14159265358979323846;

// A layer with only neutral hydrogen (and `hMinus`, electrons) in it.
EosState hydrogenLayer(double temperature, double nH, double ne, double hMinus)
{
    EosState s;
    s.temperature = temperature;
    s.electrons = ne;
    s.hMinus = hMinus;
    s.atoms[0] = {nH, 0.0, 0.0};
    for (auto& u : s.partition) u = {1.0, 1.0, 1.0};
    s.partition[0] = {2.0, 1.0, 1.0};
    s.massDensity = nH * 1.67e-24;
    return s;
}

// Gray (2005) eq. 8.11: the Wishart (1979) H- bound-free cross-section polynomial, 1e-18 cm^2.
double grayHMinusBf(double lambda)
{
    const double a[7] = {1.99654, -1.18267e-5, 2.64243e-6, -4.40524e-10, 3.23992e-14, -1.39568e-18, 2.78701e-23};
    double s = a[6];
    for (int i = 5; i >= 0; --i) s = s * lambda + a[i];
    return s;
}

}  // namespace

class TestSynthContinuum : public QObject {
    Q_OBJECT

private slots:
    void hMinusBoundFreeCrossSection()
    {
        // McLaughlin et al. (2017, used) against Wishart (1979, tabulated) in 4000-7000 A: two independent
        // calculations agreeing to a few per cent.
        std::istringstream table{std::string(physicsFile("continuum/hminus_bf_wishart1979.dat"))};
        std::string line;
        int compared = 0;
        const double t = 6000.0;
        while (std::getline(table, line)) {
            if (line.empty() || line[0] == '#') continue;
            for (char& c : line)
                if (c == ',') c = ' ';
            std::istringstream s(line);
            double lambda = 0, sigma = 0;
            if (!(s >> lambda >> sigma) || lambda < 4000 || lambda > 7000) continue;
            const EosState layer = hydrogenLayer(t, 1.0, 1.0, 1.0);
            const double stim = -std::expm1(-1.438776877e8 / (lambda * t));
            const double ours = ContinuumOpacity::standard().parts(lambda, layer).hMinusBf / stim;
            REMAP_COMPARE_REL(qPrintable(QString("H- bf cross-section at %1 A").arg(lambda)), ours, sigma, 0.04);
            ++compared;
        }
        QVERIFY(compared >= 3);
    }

    void hMinusOpacityPerHydrogenAtom()
    {
        // Gray (2005) eqs. 8.12 and 8.13: kappa(H- bf) = 4.158e-10 alpha_bf Pe theta^2.5 10^(0.754 theta) and
        // kappa(H- ff) = 1e-26 Pe 10^(f0 + f1 log theta + f2 log^2 theta) per neutral H atom; our H- population
        // comes from the equation of state (Saha with the McLaughlin binding energy).
        std::vector<double> ab(92);
        for (int z = 1; z <= 92; ++z) ab[static_cast<std::size_t>(z - 1)] = elementByZ(z)->solarAbundance;
        const EquationOfState eos(ab);
        for (double theta : {0.8, 1.0, 1.2}) {
            const double t = 5040.0 / theta;
            const EosState s = eos.solve(t, 1e5, 10.0 / (kBoltzmann * t));
            const double pe = s.electrons * kBoltzmann * t;
            const double nH = s.neutral(1);
            const double lambda = 5000.0;
            const auto p = ContinuumOpacity::standard().parts(lambda, s);
            const double stim = -std::expm1(-1.438776877e8 / (lambda * t));
            const double grayBf =
                4.158e-10 * grayHMinusBf(lambda) * 1e-18 * pe * std::pow(theta, 2.5) * std::pow(10.0, 0.754 * theta);
            REMAP_COMPARE_REL(qPrintable(QString("H- bf per H atom, theta %1").arg(theta)), p.hMinusBf / (stim * nH),
                              grayBf, 0.04);
            const double ll = std::log10(lambda), lt = std::log10(theta);
            const double f0 = -2.2763 - 1.6850 * ll + 0.76661 * ll * ll - 0.053346 * ll * ll * ll;
            const double f1 = 15.2827 - 9.2846 * ll + 1.99381 * ll * ll - 0.142631 * ll * ll * ll;
            const double f2 =
                -197.789 + 190.266 * ll - 67.9775 * ll * ll + 10.6913 * ll * ll * ll - 0.625151 * ll * ll * ll * ll;
            const double grayFf = 1e-26 * pe * std::pow(10.0, f0 + f1 * lt + f2 * lt * lt);
            REMAP_COMPARE_REL(qPrintable(QString("H- ff per H atom, theta %1").arg(theta)), p.hMinusFf / nH, grayFf,
                              0.05);
        }
    }

    void hydrogenBoundFree()
    {
        // Gray eq. 8.8 with g_bf = 1: kappa = alpha0 sum_{n>=3} n^-3 10^(-theta chi_n) per H atom (in the ground
        // state), alpha0 = 1.0449e-26 lambda^3 (A); the tabulated Nahar (2021) levels carry the real Gaunt factors.
        const double t = 8000.0, lambda = 5500.0, theta = 5040.0 / t;
        const EosState s = hydrogenLayer(t, 1.0, 1.0, 0.0);
        const double stim = -std::expm1(-1.438776877e8 / (lambda * t));
        const double ours = ContinuumOpacity::standard().parts(lambda, s).hydrogenBf / stim;
        double sum = 0;
        for (int n = 3; n <= 40; ++n) sum += std::pow(10.0, -theta * 13.598 * (1.0 - 1.0 / (n * n))) / (n * n * n);
        const double gray = 1.0449e-26 * lambda * lambda * lambda * sum;
        // per H atom: Gray's populations use g = 2n^2 over U = 2 for the ground state (our layer has U = 2).
        REMAP_COMPARE_REL("H I bound-free per H atom", ours, gray, 0.12);
    }

    void solarOpticalDepthAt5000()
    {
        // tau_5000 from our continuum on the MARCS solar structure against MARCS's own lgTau5 column.
        const std::string text(physicsFile("atmospheres/marcs/sun.mod"));
        const ModelAtmosphere m = parseMarcsModel(text, "sun.mod");
        std::istringstream in(text);
        std::string line;
        std::vector<double> ab, tau5;
        while (std::getline(in, line))
            if (line.find("Logarithmic chemical number abundances") != std::string::npos) break;
        while (ab.size() < 92 && std::getline(in, line)) {
            std::istringstream s(line);
            double v;
            while (s >> v) ab.push_back(v < -20 ? -99.0 : v);
        }
        while (std::getline(in, line))
            if (line.find("lgTauR  lgTau5") != std::string::npos) break;
        while (tau5.size() < m.size() && std::getline(in, line)) {
            std::istringstream s(line);
            double k, lt, l5;
            s >> k >> lt >> l5;
            tau5.push_back(l5);
        }
        const EquationOfState eos(ab);
        double tau = 0, previous = 0;
        for (std::size_t i = 0; i < m.size(); ++i) {
            const EosState s = eos.solve(m.temperature[i], m.gasPressure[i], m.electronDensity[i]);
            const double x = ContinuumOpacity::standard().parts(5001.39, s).total() / (s.massDensity * m.kappaRoss[i]);
            const double tr = std::pow(10.0, m.logTauRoss[i]);
            tau = i == 0 ? x * tr
                         : tau + 0.5 * (previous * std::pow(10.0, m.logTauRoss[i - 1]) + x * tr) *
                                     (m.logTauRoss[i] - m.logTauRoss[i - 1]) * std::log(10.0);
            previous = x;
            if (m.logTauRoss[i] >= -4 && m.logTauRoss[i] <= 1.5)
                REMAP_COMPARE_ABS(qPrintable(QString("log tau_5000 at log tau_R %1").arg(m.logTauRoss[i])),
                                  std::log10(tau), tau5[i], 0.03);
        }
    }

    void voigtFastPathMatchesTheExactFunction()
    {
        const auto& fast = VoigtProfile::instance();
        for (double a : {0.0, 1e-3, 0.01, 0.05, 0.1, 0.149, 0.2, 0.5, 2.0})
            for (double v = 0; v < 30; v += 0.0371) {
                const double exact = voigtH(a, v);
                const double peak = voigtH(a, 0.0);
                QVERIFY2(std::fabs(fast(a, v) - exact) <= 2e-4 * peak,
                         qPrintable(QString("H(%1, %2): %3 vs %4").arg(a).arg(v).arg(fast(a, v)).arg(exact)));
            }
        for (double a : {0.0, 1e-3, 0.01, 0.0299})
            for (double v = 0; v < 30; v += 0.0371)
                QVERIFY2(std::fabs(fast.small(a, v) - voigtH(a, v)) <= 2e-4 * voigtH(a, 0.0),
                         qPrintable(QString("second-order H(%1, %2)").arg(a).arg(v)));
        // Normalization: integral of H dv = sqrt(pi).
        for (double a : {0.01, 0.1}) {
            double sum = 0;
            const double dv = 0.005;
            for (double v = -400; v <= 400; v += dv) sum += fast(a, v) * dv;
            REMAP_COMPARE_REL(qPrintable(QString("integral of H(%1, v)").arg(a)), sum, std::sqrt(kPi), 2e-3);
        }
    }

    void exponentialIntegralsAndTheFluxIntegral()
    {
        const auto& e = ExponentialIntegrals::instance();
        for (double x : {0.0, 1e-7, 5e-4, 0.01, 0.3, 0.999, 1.0, 1.7, 5.0, 12.3, 39.0}) {
            double e2, e3, e4;
            e(x, e2, e3, e4);
            REMAP_COMPARE_ABS(qPrintable(QString("E2(%1)").arg(x)), e2, x == 0 ? 1.0 : exponentialIntegral(2, x), 1e-8);
            REMAP_COMPARE_ABS(qPrintable(QString("E3(%1)").arg(x)), e3, exponentialIntegral(3, x), 1e-10);
            REMAP_COMPARE_ABS(qPrintable(QString("E4(%1)").arg(x)), e4, exponentialIntegral(4, x), 1e-10);
        }
        // Textbook values: E1(1) = 0.219383934, E2(1) = 0.148495506.
        REMAP_COMPARE_ABS("E1(1)", exponentialIntegral(1, 1.0), 0.219383934, 1e-9);
        REMAP_COMPARE_ABS("E2(1)", exponentialIntegral(2, 1.0), 0.148495506, 1e-9);
        // For S linear in tau the surface flux is exact: F = 2 pi (a/2 + b/3) for S = a + b tau (the
        // Eddington-Barbier relation is exact for the flux of a linear source function).
        const double a = 3.0, b = 2.0;
        FluxIntegral f;
        double tau = 1e-7;
        f.start(tau, a + b * tau, e);
        while (tau < 60) {
            const double dtau = tau * 0.3;
            tau += dtau;
            f.add(dtau, a + b * tau, e);
        }
        REMAP_COMPARE_REL("flux of a linear source function", f.finish(), 2 * kPi * (a / 2 + b / 3), 1e-6);
    }

    void hBetaProfileIsNormalized()
    {
        const auto& hb = HydrogenBeta::instance();
        REMAP_COMPARE_ABS("H beta vacuum wavelength", hb.vacuumWavelength(), 4862.7, 0.1);
        for (double ne : {1e13, 1e15}) {
            const auto layer = hb.layer(6000.0, ne, 1e16);
            double sum = 0;
            // integrate over +-4000 A-equivalent in frequency on a log grid
            double prev = 0, prevPhi = hb.profile(layer, 0.0);
            for (double dnu = 1e7; dnu < 5e15; dnu *= 1.02) {
                const double phi = hb.profile(layer, dnu);
                sum += 0.5 * (phi + prevPhi) * (dnu - prev);
                prev = dnu;
                prevPhi = phi;
            }
            REMAP_COMPARE_REL(qPrintable(QString("integral of the H beta profile at n_e %1").arg(ne)), 2 * sum, 1.0,
                              0.12);
        }
    }
};

QTEST_APPLESS_MAIN(TestSynthContinuum)
#include "test_synth_continuum.moc"
