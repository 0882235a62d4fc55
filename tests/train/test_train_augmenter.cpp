// On-the-fly augmentation: determinism, and each operation against its physics / statistics.
#include "TestSupport.h"
#include "base/Error.h"
#include "train/Augmenter.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

using namespace remap;
using namespace remap::train;

namespace {

constexpr double kC = 299792.458;

std::vector<double> grid(std::size_t n, double lo = 5000.0, double hi = 5100.0)
{
    std::vector<double> g(n);
    for (std::size_t i = 0; i < n; ++i) g[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
    return g;
}

// Every operation off; tests switch on the one they look at.
AugmentationConfig nothing()
{
    AugmentationConfig c;
    c.noiseProbability = c.rvProbability = c.tiltProbability = c.maskProbability = 0.0;
    return c;
}

std::vector<float> gaussianLine(const std::vector<double>& g, double centre, double sigma, double depth)
{
    std::vector<float> f(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
        const double d = (g[i] - centre) / sigma;
        f[i] = static_cast<float>(1.0 - depth * std::exp(-0.5 * d * d));
    }
    return f;
}

// Absorption-weighted mean wavelength.
double centroid(const std::vector<double>& g, const std::vector<float>& f)
{
    double w = 0.0, wl = 0.0;
    for (std::size_t i = 0; i < g.size(); ++i) {
        const double a = 1.0 - f[i];
        w += a;
        wl += a * g[i];
    }
    return wl / w;
}

double mean(const std::vector<double>& v)
{
    return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double stddev(const std::vector<double>& v)
{
    const double m = mean(v);
    double s = 0.0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1));
}

}  // namespace

class TestTrainAugmenter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void seedsAreDeterministicAndDistinct();
    void sameSeedSameSpectrum();
    void dopplerShiftMovesALine();
    void dopplerShiftEdgesAreMasked();
    void rvJitterHasTheConfiguredSpread();
    void noiseOnANoiselessSpectrum();
    void noiseAddsInQuadrature();
    void noisierSpectraAreLeftAlone();
    void tiltKeepsTheMean();
    void maskingSetsRunsOfMaskedPixels();
    void disabledLeavesTheInputUnchanged();
    void sizeMismatchThrows();
};

void TestTrainAugmenter::seedsAreDeterministicAndDistinct()
{
    QCOMPARE(sampleSeed(1, 2, 3), sampleSeed(1, 2, 3));
    QVERIFY(sampleSeed(1, 2, 3) != sampleSeed(2, 2, 3));
    QVERIFY(sampleSeed(1, 2, 3) != sampleSeed(1, 3, 3));
    QVERIFY(sampleSeed(1, 2, 3) != sampleSeed(1, 2, 4));
    QVERIFY(sampleSeed(1, 2, 3) != sampleSeed(1, 3, 2));  // epoch and row do not commute
    QVERIFY(sampleSeed(0, 0, 0) != 0);
}

void TestTrainAugmenter::sameSeedSameSpectrum()
{
    AugmentationConfig c;  // defaults, every operation certain
    c.noiseProbability = c.rvProbability = c.tiltProbability = c.maskProbability = 1.0;
    const auto g = grid(512);
    const Augmenter aug(c, g);
    const auto base = gaussianLine(g, 5050.0, 1.0, 0.5);
    auto run = [&](std::uint64_t seed) {
        std::vector<float> f = base;
        std::vector<std::uint8_t> m(g.size(), 0);
        aug.apply(f, m, {}, std::nan(""), seed);
        return std::make_pair(f, m);
    };
    const auto a = run(sampleSeed(7, 1, 42));
    const auto b = run(sampleSeed(7, 1, 42));
    const auto other = run(sampleSeed(7, 2, 42));
    QVERIFY(a == b);
    QVERIFY(a.first != base);
    QVERIFY(a.first != other.first);
}

void TestTrainAugmenter::dopplerShiftMovesALine()
{
    const auto g = grid(2001);  // 0.05 A pixels
    for (double v : {30.0, -12.0, 3.0}) {
        auto f = gaussianLine(g, 5050.0, 0.6, 0.5);
        std::vector<std::uint8_t> m(g.size(), 0);
        const double before = centroid(g, f);
        Augmenter::dopplerShift(g, f, m, v);
        const double expected = 5050.0 * v / kC;  // redshift for a receding star
        REMAP_COMPARE_REL(QString("centroid shift at %1 km/s").arg(v), centroid(g, f) - before, expected, 0.02);
        // Only the pixels whose source wavelength lies off the grid are masked (one edge).
        long outside = 0;
        for (double lambda : g) {
            const double source = lambda * (1.0 - v / kC);
            outside += (source < g.front() || source > g.back()) ? 1 : 0;
        }
        QCOMPARE(static_cast<long>(std::count(m.begin(), m.end(), 1)), outside);
        QVERIFY(outside > 0);
    }
}

void TestTrainAugmenter::dopplerShiftEdgesAreMasked()
{
    const auto g = grid(101);  // 1 A pixels
    std::vector<float> f(g.size(), 0.5f);
    std::vector<std::uint8_t> m(g.size(), 0);
    // 600 km/s moves lambda by ~10 A: the first 10 pixels have their source below 5000 A.
    Augmenter::dopplerShift(g, f, m, 600.0);
    const double shift = 5000.0 * 600.0 / kC;  // 10.006 A at the blue edge
    for (std::size_t i = 0; i < g.size(); ++i) {
        const bool outside = g[i] * (1.0 - 600.0 / kC) < g.front();
        QCOMPARE(static_cast<int>(m[i]), outside ? 1 : 0);
        QCOMPARE(f[i], outside ? 1.0f : 0.5f);
    }
    QCOMPARE(static_cast<long>(std::count(m.begin(), m.end(), 1)), static_cast<long>(std::ceil(shift)));
    // A masked pixel spreads its mask to the pixels interpolated from it.
    std::vector<float> f2(g.size(), 0.5f);
    std::vector<std::uint8_t> m2(g.size(), 0);
    m2[50] = 1;
    Augmenter::dopplerShift(g, f2, m2, 30.0);  // 0.5 A: pixels 50 and 51 draw on pixel 50
    QCOMPARE(static_cast<int>(m2[50]), 1);
    QCOMPARE(static_cast<int>(m2[51]), 1);
    QCOMPARE(f2[51], 1.0f);
    QCOMPARE(static_cast<int>(m2[49]), 0);
    QCOMPARE(static_cast<int>(m2[52]), 0);
}

void TestTrainAugmenter::rvJitterHasTheConfiguredSpread()
{
    AugmentationConfig c = nothing();
    c.rvProbability = 1.0;
    c.rvJitterKms = 5.0;
    const auto g = grid(2001);
    const Augmenter aug(c, g);
    const auto base = gaussianLine(g, 5050.0, 0.6, 0.5);
    const double before = centroid(g, base);
    std::vector<double> velocities;
    for (int row = 0; row < 400; ++row) {
        auto f = base;
        std::vector<std::uint8_t> m(g.size(), 0);
        aug.apply(f, m, {}, std::nan(""), sampleSeed(3, 0, row));
        velocities.push_back((centroid(g, f) - before) / 5050.0 * kC);
    }
    // 400 draws: the sample mean is within 3 sigma/sqrt(400) = 0.75 km/s of 0, the sample
    // standard deviation within ~10 % (3.5 standard errors) of 5 km/s.
    REMAP_COMPARE_ABS("mean velocity", mean(velocities), 0.0, 0.75);
    REMAP_COMPARE_REL("velocity spread", stddev(velocities), 5.0, 0.10);
}

void TestTrainAugmenter::noiseOnANoiselessSpectrum()
{
    AugmentationConfig c = nothing();
    c.noiseProbability = 1.0;
    c.snrMin = c.snrMax = 50.0;
    const auto g = grid(8000);
    const Augmenter aug(c, g);
    for (int row = 0; row < 3; ++row) {
        std::vector<float> f(g.size(), 1.0f);
        std::vector<std::uint8_t> m(g.size(), 0);
        aug.apply(f, m, {}, std::nan(""), sampleSeed(5, 0, row));
        const std::vector<double> values(f.begin(), f.end());
        // 8000 pixels: the standard error of the standard deviation is 0.8 %.
        REMAP_COMPARE_REL("noise sigma", stddev(values), 1.0 / 50.0, 0.04);
        REMAP_COMPARE_ABS("noise mean", mean(values), 1.0, 4.0 * 0.02 / std::sqrt(8000.0));
    }
    // Sigma scales with sqrt(flux): a flat spectrum at 0.25 gets half the noise of one at 1.
    std::vector<float> f(g.size(), 0.25f);
    std::vector<std::uint8_t> m(g.size(), 0);
    aug.apply(f, m, {}, 0.0, sampleSeed(5, 1, 0));
    REMAP_COMPARE_REL("noise sigma at flux 0.25", stddev({f.begin(), f.end()}), 0.5 / 50.0, 0.04);
}

void TestTrainAugmenter::noiseAddsInQuadrature()
{
    AugmentationConfig c = nothing();
    c.noiseProbability = 1.0;
    c.snrMin = c.snrMax = 50.0;
    const auto g = grid(8000);
    const Augmenter aug(c, g);
    std::vector<float> f(g.size(), 1.0f);
    std::vector<std::uint8_t> m(g.size(), 0);
    const std::vector<float> ivar(g.size(), 100.0f * 100.0f);  // already S/N 100
    aug.apply(f, m, ivar, 100.0, sampleSeed(9, 0, 0));
    // Added: sqrt(1/50^2 - 1/100^2), so that the total reaches S/N 50.
    REMAP_COMPARE_REL("added sigma", stddev({f.begin(), f.end()}), std::sqrt(1.0 / 2500.0 - 1.0 / 10000.0), 0.04);
    // Masked pixels are not touched.
    std::vector<float> f2(g.size(), 1.0f);
    std::vector<std::uint8_t> m2(g.size(), 1);
    aug.apply(f2, m2, {}, std::nan(""), sampleSeed(9, 0, 1));
    QVERIFY(std::all_of(f2.begin(), f2.end(), [](float v) { return v == 1.0f; }));
}

void TestTrainAugmenter::noisierSpectraAreLeftAlone()
{
    AugmentationConfig c = nothing();
    c.noiseProbability = 1.0;
    c.snrMin = c.snrMax = 50.0;
    const auto g = grid(1000);
    const Augmenter aug(c, g);
    std::vector<float> f(g.size(), 1.0f);
    std::vector<std::uint8_t> m(g.size(), 0);
    const std::vector<float> ivar(g.size(), 30.0f * 30.0f);
    aug.apply(f, m, ivar, 30.0, sampleSeed(1, 0, 0));
    QVERIFY(std::all_of(f.begin(), f.end(), [](float v) { return v == 1.0f; }));
}

void TestTrainAugmenter::tiltKeepsTheMean()
{
    AugmentationConfig c = nothing();
    c.tiltProbability = 1.0;
    c.tiltMax = 0.02;
    const auto g = grid(4001);
    const Augmenter aug(c, g);
    double largestSlope = 0.0;
    for (int row = 0; row < 50; ++row) {
        std::vector<float> f(g.size(), 1.0f);
        std::vector<std::uint8_t> m(g.size(), 0);
        aug.apply(f, m, {}, std::nan(""), sampleSeed(2, 0, row));
        const std::vector<double> values(f.begin(), f.end());
        REMAP_COMPARE_ABS("mean after tilt", mean(values), 1.0, 1e-5);
        // 1 + a x + b P2(x): a and b from the ends and the middle.
        const double lo = f.front(), hi = f.back(), mid = f[g.size() / 2];
        const double a = 0.5 * (hi - lo);
        const double b = (0.5 * (hi + lo) - mid) / 1.5;
        QVERIFY2(std::abs(a) <= 0.02 + 1e-6 && std::abs(b) <= 0.02 + 1e-6,
                 qPrintable(QString("a %1 b %2").arg(a).arg(b)));
        REMAP_COMPARE_ABS("P2 shape", mid, 1.0 - 0.5 * b, 1e-6);
        largestSlope = std::max(largestSlope, std::abs(a));
    }
    QVERIFY2(largestSlope > 0.01, "the tilt never used half of its range in 50 draws");
}

void TestTrainAugmenter::maskingSetsRunsOfMaskedPixels()
{
    AugmentationConfig c = nothing();
    c.maskProbability = 1.0;
    c.maskMaxFraction = 0.05;
    const auto g = grid(2000);
    const Augmenter aug(c, g);
    int rowsWithMasks = 0;
    for (int row = 0; row < 100; ++row) {
        std::vector<float> f(g.size(), 0.7f);
        std::vector<std::uint8_t> m(g.size(), 0);
        aug.apply(f, m, {}, std::nan(""), sampleSeed(4, 0, row));
        const auto masked = std::count(m.begin(), m.end(), 1);
        QVERIFY2(masked <= 100, qPrintable(QString("%1 of 2000 masked").arg(masked)));
        int runs = 0;
        for (std::size_t i = 0; i < g.size(); ++i) {
            QCOMPARE(f[i], m[i] ? 1.0f : 0.7f);
            if (m[i] && (i == 0 || !m[i - 1])) ++runs;
        }
        QVERIFY(runs <= 3);
        if (masked > 0) ++rowsWithMasks;
    }
    QVERIFY(rowsWithMasks > 80);
}

void TestTrainAugmenter::disabledLeavesTheInputUnchanged()
{
    AugmentationConfig c;
    c.noiseProbability = c.rvProbability = c.tiltProbability = c.maskProbability = 1.0;
    c.enabled = false;
    const auto g = grid(300);
    const auto base = gaussianLine(g, 5050.0, 1.0, 0.5);
    auto f = base;
    std::vector<std::uint8_t> m(g.size(), 0);
    Augmenter(c, g).apply(f, m, {}, std::nan(""), 99);
    QVERIFY(f == base);
    QCOMPARE(std::count(m.begin(), m.end(), 1), 0);
    Augmenter(nothing(), g).apply(f, m, {}, std::nan(""), 99);  // enabled, every probability 0
    QVERIFY(f == base);
}

void TestTrainAugmenter::sizeMismatchThrows()
{
    const Augmenter aug(AugmentationConfig{}, grid(10));
    std::vector<float> f(9, 1.0f);
    std::vector<std::uint8_t> m(10, 0);
    QVERIFY_THROWS_EXCEPTION(Error, aug.apply(f, m, {}, 0.0, 1));
    QVERIFY_THROWS_EXCEPTION(Error, Augmenter(AugmentationConfig{}, {1.0, 1.0}));
}

QTEST_GUILESS_MAIN(TestTrainAugmenter)
#include "test_train_augmenter.moc"
