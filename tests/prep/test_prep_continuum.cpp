// Continuum of a line-rich synthetic spectrum with a known curved continuum, at S/N 50.
#include "TestSupport.h"
#include "base/Error.h"
#include "prep/Continuum.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace remap;

namespace {

// MARVELS-like window: 4096 log-uniform pixels over 5000-5700 A (R_pix ~ 31000), lines of
// Gaussian width set by R = 11000 plus a spread of intrinsic widths.
struct Truth {
    Spectrum spectrum;
    std::vector<double> continuum;
    double lineFraction = 0;  // fraction of pixels more than 1 % below the continuum
};

double trueContinuum(double w)
{
    const double x = (w - 5350.0) / 350.0;
    return 1000.0 * (1.0 + 0.25 * x - 0.15 * x * x + 0.05 * x * x * x);
}

Truth lineRichSpectrum(unsigned seed, double snr, int nLines)
{
    Truth t;
    const std::size_t n = 4096;
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> pos(4990.0, 5710.0), depth(0.05, 0.9), extra(0.0, 0.25);
    std::vector<double> centre(static_cast<std::size_t>(nLines)), d(centre.size()), sig(centre.size());
    for (std::size_t k = 0; k < centre.size(); ++k) {
        centre[k] = pos(rng);
        d[k] = depth(rng);
        const double lsf = centre[k] / 11000.0 / 2.3548200450309493;
        sig[k] = std::sqrt(lsf * lsf + extra(rng) * extra(rng));
    }
    std::normal_distribution<double> noise(0.0, 1.0);
    Spectrum& s = t.spectrum;
    std::size_t inLines = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double w = 5000.0 * std::pow(5700.0 / 5000.0, static_cast<double>(i) / static_cast<double>(n - 1));
        double norm = 1.0;  // lines multiply: f = c * prod(1 - d g)
        for (std::size_t k = 0; k < centre.size(); ++k) {
            const double u = (w - centre[k]) / sig[k];
            if (std::abs(u) < 8) norm *= 1.0 - d[k] * std::exp(-0.5 * u * u);
        }
        if (norm < 0.99) ++inLines;
        const double c = trueContinuum(w);
        const double f = c * norm;
        const double sigma = snr > 0 ? c / snr : 0.0;
        s.wavelength.push_back(w);
        s.flux.push_back(f + sigma * noise(rng));
        s.ivar.push_back(snr > 0 ? 1.0 / (sigma * sigma) : 0.0);
        s.mask.push_back(0);
        t.continuum.push_back(c);
    }
    s.medium = Medium::Air;
    t.lineFraction = static_cast<double>(inLines) / static_cast<double>(n);
    return t;
}

// Median and maximum of |fit / truth - 1| excluding the outer 1 % of pixels on each side, where
// the spline is constrained from one side only.
std::pair<double, double> relativeErrors(const std::vector<double>& fit, const std::vector<double>& truth)
{
    const std::size_t n = fit.size(), edge = n / 100;
    std::vector<double> e;
    for (std::size_t i = edge; i + edge < n; ++i) e.push_back(std::abs(fit[i] / truth[i] - 1.0));
    const double worst = *std::max_element(e.begin(), e.end());
    std::nth_element(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(e.size() / 2), e.end());
    return {e[e.size() / 2], worst};
}

}  // namespace

class TestContinuum : public QObject {
    Q_OBJECT
private slots:
    void lineRichAtSnr50_data()
    {
        QTest::addColumn<unsigned>("seed");
        QTest::addColumn<int>("method");
        for (unsigned seed : {1u, 2u, 3u}) {
            QTest::newRow(qPrintable(QString("bspline seed %1").arg(seed))) << seed << int(ContinuumMethod::BSpline);
            QTest::newRow(qPrintable(QString("legendre seed %1").arg(seed))) << seed << int(ContinuumMethod::Legendre);
        }
    }
    void lineRichAtSnr50()
    {
        QFETCH(unsigned, seed);
        QFETCH(int, method);
        const Truth t = lineRichSpectrum(seed, 50.0, 180);
        QVERIFY2(t.lineFraction >= 0.2 && t.lineFraction <= 0.3,
                 qPrintable(QString("test spectrum has %1 of pixels in lines").arg(t.lineFraction)));
        ContinuumOptions options;
        options.method = static_cast<ContinuumMethod>(method);
        std::vector<double> fit;
        const Spectrum norm = normalizeContinuum(t.spectrum, options, &fit);
        const auto [med, worst] = relativeErrors(fit, t.continuum);
        qInfo("lines cover %.1f %% of pixels; continuum error median %.3f %%, max %.3f %%", 100 * t.lineFraction,
              100 * med, 100 * worst);
        QVERIFY2(med < 0.005, qPrintable(QString("median relative continuum error %1").arg(med)));
        QVERIFY2(worst < 0.02, qPrintable(QString("max relative continuum error %1").arg(worst)));
        // ivar scales with c^2
        REMAP_COMPARE_REL("normalized ivar", norm.ivar[2000], t.spectrum.ivar[2000] * fit[2000] * fit[2000], 1e-12);
        REMAP_COMPARE_REL("normalized flux", norm.flux[2000], t.spectrum.flux[2000] / fit[2000], 1e-12);
    }

    void noiselessSyntheticSpectrum()
    {
        const Truth t = lineRichSpectrum(4, 0.0, 220);
        const std::vector<double> fit = fitContinuum(t.spectrum);
        const auto [med, worst] = relativeErrors(fit, t.continuum);
        qInfo("noiseless: continuum error median %.4f %%, max %.3f %%", 100 * med, 100 * worst);
        QVERIFY2(med < 0.002, qPrintable(QString("median relative continuum error %1").arg(med)));
    }

    void maskedPixelsAreIgnored()
    {
        Truth t = lineRichSpectrum(5, 50.0, 220);
        for (std::size_t i = 1000; i < 1100; ++i) {
            t.spectrum.flux[i] = 1e7;
            t.spectrum.mask[i] = 1;
            t.spectrum.ivar[i] = 0;
        }
        const std::vector<double> fit = fitContinuum(t.spectrum);
        const auto [med, worst] = relativeErrors(fit, t.continuum);
        QVERIFY2(med < 0.005 && worst < 0.03, qPrintable(QString("errors %1 / %2").arg(med).arg(worst)));
    }

    void badOptionsThrow()
    {
        const Truth t = lineRichSpectrum(6, 50.0, 10);
        ContinuumOptions o;
        o.knotSpacing = 0;
        QVERIFY_THROWS_EXCEPTION(Error, fitContinuum(t.spectrum, o));
        o = {};
        o.lowerSigma = -1;
        QVERIFY_THROWS_EXCEPTION(Error, fitContinuum(t.spectrum, o));
        o = {};
        o.iterations = 0;
        QVERIFY_THROWS_EXCEPTION(Error, fitContinuum(t.spectrum, o));
        QVERIFY_THROWS_EXCEPTION(Error, parseContinuumMethod("cubic"));
        QVERIFY(parseContinuumMethod("Legendre") == ContinuumMethod::Legendre);
    }
};

QTEST_APPLESS_MAIN(TestContinuum)
#include "test_prep_continuum.moc"
