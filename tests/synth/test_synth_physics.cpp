// Physics of the embedded synthesizer: curve of growth, ionization and excitation balance,
// pressure broadening, Wien's law and smoothness. The expectations come from textbook stellar
// atmospheres (Gray 2005), not from the synthesizer's own output.
#include "TestSupport.h"

#include "base/Error.h"
#include "prep/AirVacuum.h"
#include "synth/Observe.h"
#include "synth/Synthesizer.h"

#include <QtTest>

#include <cmath>
#include <functional>

using namespace remap;
using namespace remap::synth;

namespace {

SpectralLine makeLine(int z, int stage, double vacuumWavelength, double excitation, double loggf)
{
    SpectralLine l;
    l.z = z;
    l.ionStage = stage;
    l.wavelength = vacuumWavelength;
    l.excitation = excitation;
    l.loggf = loggf;
    return l;
}

// A synthesizer that knows only `line` (no blends, no molecular bands).
Synthesizer single(const SpectralLine& line)
{
    LineList list;
    list.lines = {line};
    list.source = "test";
    PhysicsOptions options;
    options.molecularBands = false;
    return Synthesizer(list, options);
}

StellarParameters star(double teff, double logg, double feh)
{
    StellarParameters p;
    p.teff = teff;
    p.logg = logg;
    p.feh = feh;
    return p;
}

// Equivalent width in mA: integral of 1 - F/Fcont over centre +- halfWidth.
double equivalentWidth(const Synthesizer& s, const StellarParameters& p, double centre, double halfWidth)
{
    const double step = 0.005;
    const auto grid = linearWavelengthGrid(centre - halfWidth, centre + halfWidth, step);
    SynthesisResult r;
    SynthesisWorkspace ws;
    s.synthesize(p, grid, r, ws);
    double ew = 0;
    for (std::size_t i = 0; i < grid.size(); ++i) ew += (1.0 - r.flux[i] / r.continuum[i]) * step;
    return ew * 1000.0;
}

const SpectralLine& strongLine(double airWavelength)
{
    for (const auto& l : embeddedLineList(EmbeddedList::Strong).lines)
        if (std::fabs(l.wavelength - airWavelength) < 2.0) return l;  // vacuum = air + ~1.45 A here
    throw std::runtime_error("strong line not found");
}

// Location of the maximum by a parabola through the highest sample and its neighbours.
double peakWavelength(const std::vector<double>& x, const std::vector<double>& y)
{
    std::size_t k = 0;
    for (std::size_t i = 1; i < y.size(); ++i)
        if (y[i] > y[k]) k = i;
    if (k == 0 || k + 1 >= y.size()) return x[k];
    const double a = y[k - 1], b = y[k], c = y[k + 1];
    const double offset = 0.5 * (a - c) / (a - 2 * b + c);
    return x[k] + offset * (x[k + 1] - x[k]);
}

double norm(const std::vector<double>& v)
{
    double s = 0;
    for (double x : v) s += x * x;
    return std::sqrt(s);
}

}  // namespace

class TestSynthPhysics : public QObject {
    Q_OBJECT

private slots:
    void weakLineGrowsLinearlyWithAbundance()
    {
        const Synthesizer s = single(makeLine(26, 1, 5500.0, 3.0, -4.5));
        StellarParameters p = star(5777, 4.44, 0.0);
        const double ew0 = equivalentWidth(s, p, 5500.0, 3.0);
        p.abundanceOffsets = {{26, 0.3}};
        const double ew1 = equivalentWidth(s, p, 5500.0, 3.0);
        QVERIFY2(ew0 > 0.2 && ew0 < 5.0, qPrintable(QString("weak line EW %1 mA is not weak").arg(ew0)));
        // Linear part of the curve of growth: W proportional to N, so +0.3 dex doubles W.
        REMAP_COMPARE_REL("weak-line EW ratio for +0.3 dex Fe", ew1 / ew0, 2.0, 0.05);
    }

    void strongLineSaturates()
    {
        const Synthesizer s = single(strongLine(5269.54));  // Fe I 5269.54, chi 0.86, log gf -1.32
        StellarParameters p = star(5777, 4.44, 0.0);
        const double ew0 = equivalentWidth(s, p, strongLine(5269.54).wavelength, 25.0);
        p.abundanceOffsets = {{26, 0.3}};
        const double ew1 = equivalentWidth(s, p, strongLine(5269.54).wavelength, 25.0);
        QVERIFY2(ew0 > 150.0, qPrintable(QString("Fe I 5269 EW %1 mA is not a strong line").arg(ew0)));
        // Flat / damped part: at most the square-root growth 10^0.15 = 1.41, clearly below 2.
        QVERIFY2(ew1 / ew0 < 1.5 && ew1 / ew0 > 1.0,
                 qPrintable(QString("strong-line EW ratio %1 is not saturated (expected 1..1.5)").arg(ew1 / ew0)));
    }

    void ionizedLinesStrengthenAtLowGravity()
    {
        const Synthesizer fe1 = single(makeLine(26, 1, 5400.0, 3.0, -2.5));
        const Synthesizer fe2 = single(makeLine(26, 2, 5410.0, 3.2, -3.0));
        double previous = 0;
        for (double logg : {4.5, 3.5, 2.5, 1.5}) {
            const StellarParameters p = star(5000, logg, 0.0);
            const double ratio = equivalentWidth(fe2, p, 5410.0, 3.0) / equivalentWidth(fe1, p, 5400.0, 3.0);
            QVERIFY2(ratio > previous * 1.1, qPrintable(QString("Fe II / Fe I EW ratio %1 at log g %2 did not rise "
                                                                "above %3 from the higher gravity")
                                                            .arg(ratio)
                                                            .arg(logg)
                                                            .arg(previous)));
            previous = ratio;
        }
    }

    void mgbWingsGrowWithGravity()
    {
        const SpectralLine& mgb = strongLine(5183.60);
        const Synthesizer s = single(mgb);
        const auto grid = linearWavelengthGrid(mgb.wavelength - 3.0, mgb.wavelength + 3.0, 0.01);
        double previous = -1;
        for (double logg : {2.0, 3.0, 4.0, 5.0}) {
            SynthesisResult r;
            SynthesisWorkspace ws;
            s.synthesize(star(5000, logg, 0.0), grid, r, ws);
            double depth = 0;
            int count = 0;
            for (std::size_t i = 0; i < grid.size(); ++i) {
                const double d = std::fabs(grid[i] - mgb.wavelength);
                if (d >= 1.0 && d <= 2.0) {
                    depth += 1.0 - r.flux[i] / r.continuum[i];
                    ++count;
                }
            }
            depth /= count;
            QVERIFY2(depth > previous + 0.01, qPrintable(QString("Mg I b wing depth %1 at log g %2 is not larger than "
                                                                 "%3 at the lower gravity")
                                                             .arg(depth)
                                                             .arg(logg)
                                                             .arg(previous)));
            previous = depth;
        }
    }

    void lowExcitationLinesStrengthenWhenCooler()
    {
        const Synthesizer s = single(makeLine(26, 1, 5500.0, 0.9, -5.5));
        double previous = 0;
        for (double teff : {6500.0, 5800.0, 5000.0, 4500.0}) {
            const double ew = equivalentWidth(s, star(teff, 4.5, 0.0), 5500.0, 3.0);
            QVERIFY2(ew > previous * 1.2, qPrintable(QString("low-excitation Fe I EW %1 mA at Teff %2 is not clearly "
                                                             "above %3 mA of the hotter star")
                                                         .arg(ew)
                                                         .arg(teff)
                                                         .arg(previous)));
            previous = ew;
        }
        // Boltzmann: the low-excitation line gains on a high-excitation line of the same ion as the
        // temperature falls (the ratio goes as 10^(theta (chi_high - chi_low))).
        const Synthesizer high = single(makeLine(26, 1, 5510.0, 4.5, -2.5));
        double previousRatio = 0;
        for (double teff : {6500.0, 5800.0, 5000.0, 4500.0}) {
            const StellarParameters p = star(teff, 4.5, 0.0);
            const double ratio = equivalentWidth(s, p, 5500.0, 3.0) / equivalentWidth(high, p, 5510.0, 3.0);
            QVERIFY2(ratio > previousRatio * 1.5, qPrintable(QString("low/high excitation EW ratio %1 at Teff %2 did "
                                                                     "not rise clearly above %3")
                                                                 .arg(ratio)
                                                                 .arg(teff)
                                                                 .arg(previousRatio)));
            previousRatio = ratio;
        }
    }

    void continuumFollowsWiensLaw()
    {
        const Synthesizer s;
        const auto grid = linearWavelengthGrid(2100.0, 16000.0, 0.5);
        for (double teff : {3000.0, 4500.0, 6000.0, 8000.0}) {
            SynthesisResult r;
            SynthesisWorkspace ws;
            s.synthesize(star(teff, 4.5, 0.0), grid, r, ws);
            const double peak = peakWavelength(grid, r.continuum);
            REMAP_COMPARE_REL(qPrintable(QString("lambda_max T at Teff %1").arg(teff)), peak * teff, 2.8978e7, 0.01);
            if (teff == 3000.0 || teff == 8000.0) {  // peak outside the line region: the flux peaks there too
                const double fluxPeak = peakWavelength(grid, r.flux);
                REMAP_COMPARE_REL(qPrintable(QString("flux peak lambda T at Teff %1").arg(teff)), fluxPeak * teff,
                                  2.8978e7, 0.01);
            }
        }
    }

    void continuumIsPlanckSurfaceFlux()
    {
        // pi B_lambda(5777 K) at 5000 A computed by hand: 2 h c^2 / lambda^5 / (exp(hc / lambda k T) - 1).
        const double h = 6.62607015e-27, c = 2.99792458e10, k = 1.380649e-16, lambda = 5000e-8, t = 5777.0;
        const double expected = M_PI * 2 * h * c * c / std::pow(lambda, 5) / std::expm1(h * c / (lambda * k * t));
        REMAP_COMPARE_REL("pi B_lambda(5777 K, 5000 A)", planckFlux(5000.0, 5777.0), expected, 1e-6);
    }

    void derivativesConverge()
    {
        // Central finite differences with step h and h/2 must agree: the spectrum is a smooth
        // function of the parameters (no jumps from line windows, thresholds or solvers).
        const Synthesizer s;
        const auto grid = linearWavelengthGrid(5000.0, 5700.0, 0.01);
        const InstrumentModel instrument;
        using Model = std::function<std::vector<double>(const StellarParameters&)>;
        const Model highRes = [&](const StellarParameters& p) {
            SynthesisResult r;
            SynthesisWorkspace ws;
            s.synthesize(p, grid, r, ws);
            for (std::size_t i = 0; i < grid.size(); ++i) r.flux[i] /= r.continuum[i];
            return r.flux;
        };
        const Model observed = [&](const StellarParameters& p) {
            ObservationSettings o;
            o.noise = false;
            o.distortions = false;
            // Divided by the Planck continuum at each pixel's rest vacuum wavelength, so the line
            // response (not the continuum slope) dominates the comparison.
            Spectrum obs = observeStar(s, p, instrument, o);
            for (std::size_t i = 0; i < obs.size(); ++i)
                obs.flux[i] /= planckFlux(airToVacuum(obs.wavelength[i]), p.teff);
            return obs.flux;
        };
        const StellarParameters base = star(5500, 4.2, -0.3);
        const double steps[3] = {20.0, 0.1, 0.1};
        for (const Model* model : {&highRes, &observed}) {
            for (int k = 0; k < 3; ++k) {
                auto derivative = [&](double h) {
                    StellarParameters a = base, b = base;
                    double* pa = k == 0 ? &a.teff : k == 1 ? &a.logg : &a.feh;
                    double* pb = k == 0 ? &b.teff : k == 1 ? &b.logg : &b.feh;
                    *pa += h;
                    *pb -= h;
                    const auto fa = (*model)(a), fb = (*model)(b);
                    std::vector<double> d(fa.size());
                    for (std::size_t i = 0; i < d.size(); ++i) d[i] = (fa[i] - fb[i]) / (2 * h);
                    return d;
                };
                const auto d1 = derivative(steps[k]);
                const auto d2 = derivative(steps[k] / 2);
                std::vector<double> diff(d1.size());
                for (std::size_t i = 0; i < d1.size(); ++i) diff[i] = d1[i] - d2[i];
                const double change = norm(diff) / norm(d2);
                QVERIFY2(norm(d2) > 0, "the derivative vanishes");
                QVERIFY2(change < 0.03,
                         qPrintable(QString("%1 derivative w.r.t. parameter %2 changed by %3 of its size "
                                            "when the step was halved")
                                        .arg(model == &highRes ? "high-resolution" : "observed")
                                        .arg(k)
                                        .arg(change)));
            }
        }
    }

    void alphaFollowsGalacticTrend()
    {
        REMAP_COMPARE_ABS("alpha at [Fe/H] = 0", galacticAlpha(0.0), 0.0, 1e-12);
        REMAP_COMPARE_ABS("alpha at [Fe/H] = +0.5", galacticAlpha(0.5), 0.0, 1e-12);
        REMAP_COMPARE_ABS("alpha at [Fe/H] = -1", galacticAlpha(-1.0), 0.3, 1e-12);
        REMAP_COMPARE_ABS("alpha at [Fe/H] = -3", galacticAlpha(-3.0), 0.3, 1e-12);
        REMAP_COMPARE_ABS("alpha at [Fe/H] = -0.5", galacticAlpha(-0.5), 0.15, 1e-12);
        // Alpha enhancement strengthens Mg lines relative to the solar-scaled mixture.
        const Synthesizer s = single(makeLine(12, 1, 5500.0, 4.0, -2.0));
        StellarParameters p = star(5500, 4.5, -1.5);
        p.alpha = 0.0;
        const double solarScaled = equivalentWidth(s, p, 5500.0, 3.0);
        p.alpha.reset();
        const double enhanced = equivalentWidth(s, p, 5500.0, 3.0);
        QVERIFY2(enhanced > 1.5 * solarScaled, "the Galactic alpha trend does not strengthen a weak Mg line");
    }

    void microturbulenceLaws()
    {
        REMAP_COMPARE_ABS("grid xi of a dwarf", microturbulenceFor(MicroturbulenceLaw::Grid, 5800, 4.5), 1.0, 1e-12);
        REMAP_COMPARE_ABS("grid xi of a giant", microturbulenceFor(MicroturbulenceLaw::Grid, 4800, 2.5), 2.0, 1e-12);
        const double dwarf = microturbulenceFor(MicroturbulenceLaw::Observed, 5500, 4.0);
        REMAP_COMPARE_ABS("observed xi at 5500 K, log g 4", dwarf, 1.1, 1e-12);
        QVERIFY(microturbulenceFor(MicroturbulenceLaw::Observed, 4800, 2.5) > dwarf);
    }

    void rejectsParametersOutsideTheModel()
    {
        const Synthesizer s;
        const auto grid = linearWavelengthGrid(5000.0, 5010.0, 0.01);
        SynthesisResult r;
        SynthesisWorkspace ws;
        for (const auto& p : {star(2900, 4.5, 0), star(8100, 4.5, 0), star(5800, -0.6, 0), star(5800, 6.1, 0),
                              star(5800, 4.5, -4.1), star(5800, 4.5, 1.2), star(NAN, 4.5, 0)}) {
            bool threw = false;
            try {
                s.synthesize(p, grid, r, ws);
            } catch (const Error& e) {
                threw = QString(e.what()).contains("valid range");
            }
            QVERIFY2(threw,
                     qPrintable(
                         QString("no clear error for Teff %1 log g %2 [Fe/H] %3").arg(p.teff).arg(p.logg).arg(p.feh)));
        }
        QVERIFY_THROWS_EXCEPTION(Error, linearWavelengthGrid(5000.0, 5000.0, 0.01));
        QVERIFY_THROWS_EXCEPTION(Error, linearWavelengthGrid(5000.0, 5100.0, 0.0));
        QVERIFY_THROWS_EXCEPTION(Error, s.synthesize(star(5800, 4.5, 0), std::vector<double>{5000.0, 4999.0}, r, ws));
        // The edges themselves are valid.
        s.synthesize(star(3000, -0.5, -4.0), grid, r, ws);
        s.synthesize(star(8000, 6.0, 1.0), grid, r, ws);
        for (double f : r.flux) QVERIFY(std::isfinite(f) && f > 0);
    }

    void reusedBuffersGiveIdenticalResults()
    {
        const Synthesizer s;
        const auto grid = linearWavelengthGrid(5000.0, 5700.0, 0.01);
        SynthesisResult a, b;
        SynthesisWorkspace ws;
        s.synthesize(star(5000, 2.5, -1.0), grid, a, ws);
        s.synthesize(star(6200, 4.3, 0.2), grid, b, ws);
        s.synthesize(star(5000, 2.5, -1.0), grid, b, ws);
        for (std::size_t i = 0; i < grid.size(); ++i) QCOMPARE(a.flux[i], b.flux[i]);
    }
};

QTEST_APPLESS_MAIN(TestSynthPhysics)
#include "test_synth_physics.moc"
