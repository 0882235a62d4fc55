// Flux-conserving resampling: exact bin averages of analytic functions, conservation, noise
// propagation (Monte Carlo) and the documented mask rules.
#include "TestSupport.h"
#include "base/Error.h"
#include "prep/Resample.h"

#include <QTest>

#include <cmath>
#include <functional>
#include <random>

using namespace remap;

namespace {

struct Line {
    double centre, depth, sigma;
};

// Antiderivative of 1 + 0.3 sin(lambda / 7) - sum of Gaussian absorption lines.
double antiderivative(double x, const std::vector<Line>& lines)
{
    double v = x - 0.3 * 7.0 * std::cos(x / 7.0);
    for (const Line& l : lines)
        v -= l.depth * l.sigma * std::sqrt(M_PI / 2.0) * std::erf((x - l.centre) / (std::sqrt(2.0) * l.sigma));
    return v;
}

std::vector<double> linearGrid(double a, double b, std::size_t n)
{
    std::vector<double> g(n);
    for (std::size_t i = 0; i < n; ++i) g[i] = a + (b - a) * static_cast<double>(i) / static_cast<double>(n - 1);
    return g;
}

std::vector<double> logGrid(double a, double b, std::size_t n)
{
    std::vector<double> g(n);
    for (std::size_t i = 0; i < n; ++i) g[i] = a * std::pow(b / a, static_cast<double>(i) / static_cast<double>(n - 1));
    return g;
}

// Input pixels holding the exact pixel averages of the analytic function.
Spectrum analyticSpectrum(const std::vector<double>& wave, const std::vector<Line>& lines)
{
    Spectrum s;
    s.wavelength = wave;
    const std::vector<double> e = pixelEdges(wave);
    for (std::size_t i = 0; i < wave.size(); ++i)
        s.flux.push_back((antiderivative(e[i + 1], lines) - antiderivative(e[i], lines)) / (e[i + 1] - e[i]));
    s.ivar.assign(wave.size(), 0.0);
    s.mask.assign(wave.size(), 0);
    s.medium = Medium::Air;
    return s;
}

std::vector<Line> narrowLines()
{
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> pos(5005.0, 5095.0), depth(0.1, 0.9), width(0.02, 0.08);
    std::vector<Line> lines;
    for (int i = 0; i < 60; ++i) lines.push_back({pos(rng), depth(rng), width(rng)});
    return lines;
}

void checkConservation(const std::vector<Line>& lines, const std::vector<double>& newGrid)
{
    const Spectrum in = analyticSpectrum(linearGrid(5000.0, 5100.0, 20001), lines);
    const Spectrum out = resampleFluxConserving(in, newGrid);
    const std::vector<double> e = pixelEdges(newGrid);
    double integral = 0;
    double worstPixel = 0;
    for (std::size_t k = 0; k < newGrid.size(); ++k) {
        QVERIFY2(!out.mask[k], "a fully covered pixel was masked");
        const double exact = (antiderivative(e[k + 1], lines) - antiderivative(e[k], lines)) / (e[k + 1] - e[k]);
        worstPixel = std::max(worstPixel, std::abs(out.flux[k] - exact));
        integral += out.flux[k] * (e[k + 1] - e[k]);
    }
    const double expected = antiderivative(e.back(), lines) - antiderivative(e.front(), lines);
    REMAP_COMPARE_REL("integrated flux over the new grid", integral, expected, 1e-6);
    // Piecewise-constant input pixels: exact except for the partial pixels at the bin edges,
    // whose error is bounded by the flux change across one input pixel (0.005 A).
    QVERIFY2(worstPixel < 0.05, qPrintable(QString("worst pixel deviation %1").arg(worstPixel)));
}

}  // namespace

class TestResample : public QObject {
    Q_OBJECT
private slots:
    void smoothFunctionCoarser() { checkConservation({}, logGrid(5010.0, 5090.0, 800)); }
    void smoothFunctionFiner() { checkConservation({}, logGrid(5010.0, 5090.0, 50000)); }
    void narrowLinesCoarser() { checkConservation(narrowLines(), logGrid(5010.0, 5090.0, 1200)); }
    void narrowLinesFiner() { checkConservation(narrowLines(), linearGrid(5010.0, 5090.0, 40000)); }

    // Output bins built from whole input pixels reproduce the analytic bin averages exactly.
    void alignedBinsAreExact()
    {
        const std::vector<Line> lines = narrowLines();
        const std::vector<double> inWave = linearGrid(5000.0, 5100.0, 10001);  // 0.01 A pixels
        const Spectrum in = analyticSpectrum(inWave, lines);
        std::vector<double> centres;
        for (std::size_t i = 10; i + 3 < inWave.size() - 10; i += 3) centres.push_back(inWave[i + 1]);
        const Spectrum out = resampleFluxConserving(in, centres);
        const std::vector<double> e = pixelEdges(centres);
        for (std::size_t k = 0; k < centres.size(); ++k) {
            const double exact = (antiderivative(e[k + 1], lines) - antiderivative(e[k], lines)) / (e[k + 1] - e[k]);
            if (std::abs(out.flux[k] - exact) > 1e-9)
                QFAIL(qPrintable(remap::test::describeMismatch("3:1 bin average", out.flux[k], exact, 1e-9)));
        }
    }

    // White noise of sigma 0.1 binned 2:1 has sigma 0.1/sqrt(2); the propagated ivar says the same.
    void whiteNoiseTwoToOne()
    {
        const std::size_t n = 200000;
        const double sigma = 0.1;
        Spectrum in;
        in.wavelength = linearGrid(4000.0, 4000.0 + 0.05 * static_cast<double>(n - 1), n);
        std::mt19937_64 rng(12345);
        std::normal_distribution<double> noise(0.0, sigma);
        for (std::size_t i = 0; i < n; ++i) in.flux.push_back(1.0 + noise(rng));
        in.ivar.assign(n, 1.0 / (sigma * sigma));
        in.mask.assign(n, 0);
        std::vector<double> centres;
        for (std::size_t i = 0; i + 1 < n; i += 2) centres.push_back(0.5 * (in.wavelength[i] + in.wavelength[i + 1]));
        const Spectrum out = resampleFluxConserving(in, centres);
        double sum = 0, sum2 = 0;
        for (double f : out.flux) {
            sum += f;
            sum2 += f * f;
        }
        const double m = static_cast<double>(out.size());
        const double mean = sum / m;
        const double stdev = std::sqrt(sum2 / m - mean * mean);
        REMAP_COMPARE_REL("binned noise sigma", stdev, sigma / std::sqrt(2.0), 0.01);
        for (std::size_t k = 0; k < out.size(); ++k)
            if (std::abs(out.ivar[k] - 2.0 / (sigma * sigma)) > 1e-9 * 200.0)
                QFAIL(qPrintable(remap::test::describeMismatch("propagated ivar", out.ivar[k], 2.0 / (sigma * sigma),
                                                               1e-9 * 200.0)));
    }

    // Density model: oversampled input of variance v on 0.01 A pixels into 0.043 A bins (partial
    // overlaps at both ends): var = v * 0.01 / 0.043 for every fully covered bin.
    void densityVarianceModel()
    {
        Spectrum in;
        in.wavelength = linearGrid(5000.0, 5010.0, 1001);
        in.flux.assign(1001, 1.0);
        in.ivar.assign(1001, 1.0 / 4e-4);
        in.mask.assign(1001, 0);
        ResampleOptions density;
        density.variance = VarianceModel::Density;
        const std::vector<double> grid = linearGrid(5000.5, 5009.5, 210);  // step 9/209 = 0.04306 A
        const double width = 9.0 / 209.0;
        const Spectrum out = resampleFluxConserving(in, grid, density);
        for (std::size_t k = 0; k < grid.size(); ++k)
            REMAP_COMPARE_REL("density-model ivar", out.ivar[k], width / (4e-4 * 0.01), 1e-9);
        // The independent model gives more (partial pixels weigh less in sum w^2).
        const Spectrum indep = resampleFluxConserving(in, grid);
        QVERIFY(indep.ivar[100] > out.ivar[100] * 1.01);
    }

    void maskRules()
    {
        Spectrum in;
        in.wavelength = linearGrid(5000.0, 5010.0, 101);  // 0.1 A pixels, edges 4999.95 .. 5010.05
        in.flux.assign(101, 2.0);
        in.ivar.assign(101, 4.0);
        in.mask.assign(101, 0);
        in.mask[50] = 1;  // 5004.95 .. 5005.05
        in.ivar[50] = 0;
        in.flux[50] = 1e6;  // must not leak into any value
        // 0.5 A bins centred on 4999.5 .. 5011.5
        const std::vector<double> grid = linearGrid(4999.5, 5011.5, 25);
        const Spectrum out = resampleFluxConserving(in, grid);
        for (std::size_t k = 0; k < grid.size(); ++k) {
            const double a = grid[k] - 0.25, b = grid[k] + 0.25;
            const bool outside = a < 4999.95 - 1e-9 || b > 5010.05 + 1e-9;
            const bool touchesBad = b > 5004.95 && a < 5005.05;
            QCOMPARE(bool(out.mask[k]), outside || touchesBad);
            QVERIFY(std::abs(out.flux[k] - 2.0) < 1e-12 || (outside && out.flux[k] == 0.0));
            if (out.mask[k]) QCOMPARE(out.ivar[k], 0.0);
        }
        // A generous threshold keeps the pixel that is 20 % masked.
        const Spectrum lenient = resampleFluxConserving(in, grid, ResampleOptions{0.25});
        const std::size_t k5005 = 11;  // 5005.0, covers 5004.75 .. 5005.25
        QCOMPARE(grid[k5005], 5005.0);
        QCOMPARE(int(lenient.mask[k5005]), 0);
        REMAP_COMPARE_REL("flux beside a masked pixel", lenient.flux[k5005], 2.0, 1e-12);
        // 4 good 0.1 A pixels of variance 1/4: var = 4 * 0.01 * 0.25 / 0.16
        REMAP_COMPARE_REL("ivar beside a masked pixel", lenient.ivar[k5005], 0.16 / (4 * 0.01 * 0.25), 1e-9);
    }

    void unknownUncertaintyStaysUnknown()
    {
        Spectrum in;
        in.wavelength = linearGrid(5000.0, 5010.0, 101);
        in.flux.assign(101, 1.0);
        in.ivar.assign(101, 0.0);
        in.mask.assign(101, 0);
        const Spectrum out = resampleFluxConserving(in, linearGrid(5001.0, 5009.0, 20));
        for (std::size_t k = 0; k < out.size(); ++k) {
            QCOMPARE(out.ivar[k], 0.0);
            QCOMPARE(int(out.mask[k]), 0);
        }
    }

    void badGridsThrow()
    {
        Spectrum in;
        in.wavelength = linearGrid(5000.0, 5010.0, 11);
        in.flux.assign(11, 1.0);
        in.ivar.assign(11, 1.0);
        in.mask.assign(11, 0);
        QVERIFY_THROWS_EXCEPTION(Error, resampleFluxConserving(in, {5001.0, 5003.0, 5002.0}));
        QVERIFY_THROWS_EXCEPTION(Error, resampleFluxConserving(in, {5001.0}));
        QVERIFY_THROWS_EXCEPTION(Error, resampleFluxConserving(in, {5001.0, NAN}));
    }
};

QTEST_APPLESS_MAIN(TestResample)
#include "test_prep_resample.moc"
