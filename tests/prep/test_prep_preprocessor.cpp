// The whole chain against an analytic expectation (isolated Gaussian lines, vacuum input, air grid),
// radial-velocity removal, warnings, masks, determinism and concurrent use.
#include "TestSupport.h"
#include "base/Error.h"
#include "prep/AirVacuum.h"
#include "prep/Preprocessor.h"
#include "prep/Resample.h"

#include <QTest>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>

using namespace remap;

namespace {

constexpr double kFwhmPerSigma = 2.3548200450309493;

struct Line {
    double centreVac, depth, sigma;
};

std::vector<Line> isolatedLines()
{
    std::mt19937_64 rng(2024);
    std::uniform_real_distribution<double> jitter(-3.0, 3.0), depth(0.3, 0.7), sigma(0.05, 0.15);
    std::vector<Line> lines;
    for (double c = 4980.0; c < 5730.0; c += 16.0) lines.push_back({c + jitter(rng), depth(rng), sigma(rng)});
    return lines;
}

double continuumAt(double w)
{
    return 1000.0 * (1.0 + 0.1 * (w - 5350.0) / 350.0);
}

// Vacuum spectrum on 0.02 A pixels, lines Doppler-shifted by rv; ivar for S/N `snrIvar` per pixel;
// Gaussian noise at S/N `snrNoise` (0 = noiseless).
Spectrum vacuumInput(const std::vector<Line>& lines, double rv, double snrIvar, double snrNoise, unsigned seed,
                     double from = 4950.0, double to = 5750.0, double step = 0.02)
{
    Spectrum s;
    const double d = std::sqrt((1.0 + rv / 299792.458) / (1.0 - rv / 299792.458));
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    for (double w = from; w <= to; w += step) {
        double f = 1.0;
        for (const Line& l : lines) {
            const double u = (w / d - l.centreVac) / l.sigma;
            if (std::abs(u) < 10) f -= l.depth * std::exp(-0.5 * u * u);
        }
        const double c = continuumAt(w);
        s.wavelength.push_back(w);
        s.flux.push_back(c * f + (snrNoise > 0 ? c / snrNoise * noise(rng) : 0.0));
        s.ivar.push_back(snrIvar > 0 ? std::pow(snrIvar / c, 2) : 0.0);
        s.mask.push_back(0);
    }
    s.medium = Medium::Vacuum;
    return s;
}

// Expected normalized flux on the air grid: each line convolved with the LSF (widths add in
// quadrature, equivalent width kept) and averaged over the grid pixel (erf).
std::vector<double> expectedNormalized(const std::vector<Line>& lines, const std::vector<double>& grid, double R)
{
    const std::vector<double> e = pixelEdges(grid);
    std::vector<double> out(grid.size(), 1.0);
    for (const Line& l : lines) {
        const double centre = vacuumToAir(l.centreVac);
        const double sigmaR = centre / R / kFwhmPerSigma;
        const double s = std::sqrt(l.sigma * l.sigma + sigmaR * sigmaR);
        const double area = l.depth * l.sigma * std::sqrt(2.0 * M_PI);
        for (std::size_t k = 0; k < grid.size(); ++k) {
            if (std::abs(grid[k] - centre) > 12 * s) continue;
            const double a = (e[k] - centre) / (std::sqrt(2.0) * s), b = (e[k + 1] - centre) / (std::sqrt(2.0) * s);
            out[k] -= area * 0.5 * (std::erf(b) - std::erf(a)) / (e[k + 1] - e[k]);
        }
    }
    return out;
}

Spectrum airTemplate(const std::vector<Line>& lines)
{
    Spectrum s = vacuumInput(lines, 0.0, 0.0, 0.0, 0, 4900.0, 5800.0, 0.05);
    return s;  // vacuum medium: the Preprocessor converts it
}

bool sameBytes(const PreparedSpectrum& a, const PreparedSpectrum& b)
{
    return a.flux.size() == b.flux.size() &&
           std::memcmp(a.flux.data(), b.flux.data(), a.flux.size() * sizeof(float)) == 0 &&
           std::memcmp(a.ivar.data(), b.ivar.data(), a.ivar.size() * sizeof(float)) == 0 && a.mask == b.mask &&
           std::memcmp(&a.rvKms, &b.rvKms, sizeof(double)) == 0 && std::memcmp(&a.snr, &b.snr, sizeof(double)) == 0 &&
           a.warnings == b.warnings;
}

}  // namespace

class TestPreprocessor : public QObject {
    Q_OBJECT
private slots:
    void chainMatchesAnalyticExpectation()
    {
        const std::vector<Line> lines = isolatedLines();
        PreprocessSpec spec;
        spec.correctRv = false;
        const Preprocessor prep(spec);
        const PreparedSpectrum p = prep.prepare(vacuumInput(lines, 0.0, 100.0, 0.0, 1));
        QVERIFY2(p.warnings.empty(), p.warnings.empty() ? "" : p.warnings.front().c_str());
        QVERIFY(std::isnan(p.rvKms));
        const std::vector<double> grid = prep.grid();
        const std::vector<double> expected = expectedNormalized(lines, grid, spec.resolvingPower);
        const std::vector<double> e = pixelEdges(grid);
        double worst = 0;
        for (std::size_t k = 41; k + 41 < grid.size(); ++k) {
            QCOMPARE(int(p.mask[k]), 0);
            worst = std::max(worst, std::abs(p.flux[k] - expected[k]));
            // ivar: S/N 100 per 0.02 A input pixel -> 100^2 * width / 0.02 per grid pixel (continuum).
            if (expected[k] > 0.9999)
                REMAP_COMPARE_REL("normalized ivar", p.ivar[k], 1e4 * (e[k + 1] - e[k]) / 0.02, 0.03);
        }
        qInfo("worst deviation from the analytic chain: %.2e", worst);
        QVERIFY2(worst < 3e-3, qPrintable(QString("worst deviation %1").arg(worst)));
    }

    void radialVelocityIsRemoved()
    {
        const std::vector<Line> lines = isolatedLines();
        PreprocessSpec spec;
        const Preprocessor prep(spec, airTemplate(lines));
        QVERIFY(prep.hasRvTemplate());
        const PreparedSpectrum p = prep.prepare(vacuumInput(lines, 57.3, 50.0, 50.0, 2));
        qInfo("RV %.3f +- %.3f km/s, S/N %.1f", p.rvKms, p.rvErrKms, p.snr);
        REMAP_COMPARE_ABS("radial velocity (km/s)", p.rvKms, 57.3, 1.0);
        QVERIFY(p.rvErrKms > 0 && p.rvErrKms < 1.0);
        REMAP_COMPARE_REL("S/N per input pixel", p.snr, 50.0, 0.1);
        // The shifted-back spectrum matches the rest-frame expectation within the noise.
        const std::vector<double> expected = expectedNormalized(lines, prep.grid(), spec.resolvingPower);
        double sum2 = 0;
        std::size_t n = 0;
        for (std::size_t k = 41; k + 41 < expected.size(); ++k, ++n) sum2 += std::pow(p.flux[k] - expected[k], 2);
        const double rms = std::sqrt(sum2 / static_cast<double>(n));
        qInfo("rms deviation from the rest-frame expectation: %.2e", rms);
        QVERIFY(rms < 0.01);
    }

    void warningsAndMasks()
    {
        const std::vector<Line> lines = isolatedLines();
        PreprocessSpec spec;
        spec.correctRv = false;
        const Preprocessor prep(spec);

        Spectrum unknown = vacuumInput(lines, 0.0, 0.0, 0.0, 3);
        unknown.medium = Medium::Unknown;
        QCOMPARE(prep.prepare(unknown).warnings.size(), std::size_t(1));

        Spectrum partial = vacuumInput(lines, 0.0, 0.0, 0.0, 3, 5200.0, 5750.0);
        const PreparedSpectrum pp = prep.prepare(partial);
        QCOMPARE(pp.warnings.size(), std::size_t(1));
        QVERIFY(pp.mask[0] && pp.mask[1000]);
        QCOMPARE(pp.flux[0], 1.0f);
        QCOMPARE(pp.ivar[0], 0.0f);
        QVERIFY(!pp.mask[3000]);

        Spectrum holed = vacuumInput(lines, 0.0, 100.0, 0.0, 3);
        for (std::size_t i = 0; i < holed.size(); ++i)
            if (holed.wavelength[i] > 5301.5 && holed.wavelength[i] < 5303.5) {
                holed.mask[i] = 1;
                holed.ivar[i] = 0;
                holed.flux[i] = 0;
            }
        const PreparedSpectrum ph = prep.prepare(holed);
        const std::vector<double> g = prep.grid();
        for (std::size_t k = 0; k < g.size(); ++k) {
            const double air = g[k];
            if (air > vacuumToAir(5302.0) && air < vacuumToAir(5303.0)) {
                QVERIFY(ph.mask[k]);
                QCOMPARE(ph.flux[k], 1.0f);
                QCOMPARE(ph.ivar[k], 0.0f);
            }
            if (air < vacuumToAir(5299.0) && air > 5010.0) QVERIFY(!ph.mask[k]);
        }

        const Spectrum coarse = vacuumInput(lines, 0.0, 0.0, 0.0, 3, 4950.0, 5750.0, 0.5);
        const PreparedSpectrum pc = prep.prepare(coarse);
        QCOMPARE(pc.warnings.size(), std::size_t(1));
        QVERIFY(pc.warnings[0].find("resolution left unchanged") != std::string::npos);

        const PreparedSpectrum noisy = prep.prepare(vacuumInput(lines, 0.0, 5.0, 5.0, 4));
        QCOMPARE(noisy.warnings.size(), std::size_t(1));
        QVERIFY(noisy.warnings[0].find("low S/N") != std::string::npos);

        QVERIFY_THROWS_EXCEPTION(Error, prep.prepare(vacuumInput(lines, 0.0, 0.0, 0.0, 3, 6000.0, 6100.0)));
    }

    void deterministicAndThreadSafe()
    {
        const std::vector<Line> lines = isolatedLines();
        const Preprocessor prep(PreprocessSpec{}, airTemplate(lines));
        std::vector<Spectrum> inputs;
        for (unsigned k = 0; k < 4; ++k) inputs.push_back(vacuumInput(lines, 10.0 * k - 15.0, 40.0, 40.0, 10 + k));
        std::vector<PreparedSpectrum> serial;
        for (const Spectrum& s : inputs) serial.push_back(prep.prepare(s));
        QVERIFY(sameBytes(serial[0], prep.prepare(inputs[0])));

        std::vector<PreparedSpectrum> parallel(inputs.size() * 3);
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < parallel.size(); ++t)
            threads.emplace_back([&, t] { parallel[t] = prep.prepare(inputs[t % inputs.size()]); });
        for (std::thread& t : threads) t.join();
        for (std::size_t t = 0; t < parallel.size(); ++t)
            QVERIFY2(sameBytes(parallel[t], serial[t % inputs.size()]), qPrintable(QString("thread %1").arg(t)));
    }
};

QTEST_APPLESS_MAIN(TestPreprocessor)
#include "test_prep_preprocessor.moc"
