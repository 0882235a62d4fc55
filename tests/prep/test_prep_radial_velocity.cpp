// Radial velocities from a line-rich analytic spectrum: recovery at S/N 50, the error estimate
// against Monte Carlo scatter, the relativistic Doppler shift and failure reporting.
#include "TestSupport.h"
#include "base/Error.h"
#include "prep/RadialVelocity.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace remap;

namespace {

struct LineList {
    std::vector<double> centre, depth, sigma;
};

LineList randomLines(unsigned seed, int count)
{
    LineList l;
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> pos(4900.0, 5800.0), depth(0.05, 0.8), extra(0.0, 0.1);
    for (int k = 0; k < count; ++k) {
        l.centre.push_back(pos(rng));
        l.depth.push_back(depth(rng));
        const double lsf = l.centre.back() / 11000.0 / 2.3548200450309493;
        const double e = extra(rng);
        l.sigma.push_back(std::sqrt(lsf * lsf + e * e));
    }
    return l;
}

// Flux at rest wavelength w: curved continuum times absorption lines.
double restFlux(const LineList& l, double w)
{
    const double x = (w - 5350.0) / 350.0;
    double f = 1.0 + 0.2 * x - 0.1 * x * x;
    for (std::size_t k = 0; k < l.centre.size(); ++k) {
        const double u = (w - l.centre[k]) / l.sigma[k];
        if (std::abs(u) < 8) f *= 1.0 - l.depth[k] * std::exp(-0.5 * u * u);
    }
    return f;
}

// Observed at velocity rv on the MARVELS-like grid, Gaussian noise at the given S/N per pixel.
Spectrum observe(const LineList& l, double rv, double snr, std::mt19937_64& rng)
{
    Spectrum s;
    std::normal_distribution<double> noise(0.0, 1.0);
    const double d = std::sqrt((1.0 + rv / 299792.458) / (1.0 - rv / 299792.458));
    for (std::size_t i = 0; i < 4096; ++i) {
        const double w = 5000.0 * std::pow(5700.0 / 5000.0, static_cast<double>(i) / 4095.0);
        const double f = restFlux(l, w / d);
        const double sigma = snr > 0 ? f / snr : 0.0;
        s.wavelength.push_back(w);
        s.flux.push_back(f + sigma * noise(rng));
        s.ivar.push_back(snr > 0 ? 1.0 / (sigma * sigma) : 0.0);
        s.mask.push_back(0);
    }
    s.medium = Medium::Air;
    return s;
}

// Noiseless rest-frame template on a finer linear grid covering the shifted range.
Spectrum makeTemplate(const LineList& l)
{
    Spectrum s;
    for (double w = 4950.0; w <= 5750.0; w += 0.05) {
        s.wavelength.push_back(w);
        s.flux.push_back(restFlux(l, w));
    }
    s.ivar.assign(s.size(), 0.0);
    s.mask.assign(s.size(), 0);
    s.medium = Medium::Air;
    return s;
}

}  // namespace

class TestRadialVelocity : public QObject {
    Q_OBJECT
private slots:
    void dopplerFactorIsRelativistic()
    {
        // beta = 0.1: sqrt(1.1 / 0.9)
        REMAP_COMPARE_REL("Doppler factor", dopplerFactor(0.1 * 299792.458), std::sqrt(1.1 / 0.9), 1e-14);
        Spectrum s;
        s.wavelength = {5000.0, 6000.0};
        s.flux = {1, 1};
        s.ivar = {0, 0};
        s.mask = {0, 0};
        const Spectrum rest = shiftToRest(s, 300.0);
        REMAP_COMPARE_REL("rest wavelength", rest.wavelength[0],
                          5000.0 / std::sqrt((1 + 0.001000692) / (1 - 0.001000692)), 1e-9);
        REMAP_COMPARE_REL("round trip", shiftToObserved(rest, 300.0).wavelength[1], 6000.0, 1e-15);
        QVERIFY_THROWS_EXCEPTION(Error, dopplerFactor(3e5));
    }

    void recoversVelocityAtSnr50_data()
    {
        QTest::addColumn<double>("rv");
        QTest::newRow("-437.2") << -437.2;
        QTest::newRow("-61.7") << -61.7;
        QTest::newRow("0") << 0.0;
        QTest::newRow("3.3") << 3.3;
        QTest::newRow("128.9") << 128.9;
        QTest::newRow("388.4") << 388.4;
    }
    void recoversVelocityAtSnr50()
    {
        QFETCH(double, rv);
        const LineList lines = randomLines(11, 250);
        const RadialVelocityEstimator estimator(makeTemplate(lines));
        std::mt19937_64 rng(static_cast<unsigned>(1000 + rv));
        const RvResult r = estimator.estimate(observe(lines, rv, 50.0, rng));
        QVERIFY2(r.ok, r.warning.c_str());
        qInfo("true %.2f km/s: measured %.3f +- %.3f km/s (CCF peak %.3f, N %zu)", rv, r.rvKms, r.errKms, r.ccfPeak,
              r.nPixels);
        REMAP_COMPARE_ABS("radial velocity (km/s)", r.rvKms, rv, 1.0);
        QVERIFY(r.errKms > 0 && r.errKms < 1.0);
    }

    // The Zucker error should describe the scatter over noise realizations (within a factor 2).
    void errorMatchesScatter()
    {
        const LineList lines = randomLines(12, 250);
        const RadialVelocityEstimator estimator(makeTemplate(lines));
        std::mt19937_64 rng(77);
        double sum = 0, sum2 = 0, err = 0;
        const int trials = 24;
        for (int t = 0; t < trials; ++t) {
            const RvResult r = estimator.estimate(observe(lines, 42.0, 20.0, rng));
            QVERIFY(r.ok);
            sum += r.rvKms;
            sum2 += r.rvKms * r.rvKms;
            err += r.errKms;
        }
        const double mean = sum / trials;
        const double scatter = std::sqrt((sum2 / trials - mean * mean) * trials / (trials - 1));
        err /= trials;
        qInfo("S/N 20: mean %.3f km/s, scatter %.3f km/s, mean reported error %.3f km/s", mean, scatter, err);
        REMAP_COMPARE_ABS("mean velocity at S/N 20", mean, 42.0, 3.0 * scatter / std::sqrt(trials) + 0.3);
        QVERIFY2(err > 0.5 * scatter && err < 2.0 * scatter,
                 qPrintable(QString("reported %1 vs scatter %2").arg(err).arg(scatter)));
    }

    void outsideSearchRangeIsReported()
    {
        const LineList lines = randomLines(13, 250);
        RvOptions options;
        options.minKms = -100;
        options.maxKms = 100;
        const RadialVelocityEstimator estimator(makeTemplate(lines), options);
        std::mt19937_64 rng(5);
        const RvResult r = estimator.estimate(observe(lines, 300.0, 50.0, rng));
        QVERIFY(!r.ok);
        QVERIFY(!r.warning.empty());
    }

    void masksAndMediumAreHandled()
    {
        const LineList lines = randomLines(14, 250);
        const RadialVelocityEstimator estimator(makeTemplate(lines));
        std::mt19937_64 rng(8);
        Spectrum obs = observe(lines, -25.0, 50.0, rng);
        for (std::size_t i = 1500; i < 1700; ++i) obs.flux[i] = 1e5, obs.mask[i] = 1, obs.ivar[i] = 0;
        const RvResult r = estimator.estimate(obs);
        QVERIFY2(r.ok, r.warning.c_str());
        REMAP_COMPARE_ABS("radial velocity with a masked stretch", r.rvKms, -25.0, 1.0);
        QVERIFY_THROWS_EXCEPTION(Error, RvOptions({100.0, -100.0, {}, 0.0}).validate());
    }
};

QTEST_APPLESS_MAIN(TestRadialVelocity)
#include "test_prep_radial_velocity.moc"
