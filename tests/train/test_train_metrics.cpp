// Validation metrics against hand arithmetic.
#include "TestSupport.h"
#include "train/Metrics.h"

#include <QTest>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

using namespace remap;
using namespace remap::train;

namespace {

const double kNaN = std::nan("");

StarPrediction star(std::array<double, 3> ref, std::array<double, 3> mean, std::array<double, 3> p16,
                    std::array<double, 3> p84)
{
    StarPrediction s;
    s.reference = ref;
    s.mean = mean;
    s.p16 = p16;
    s.p84 = p84;
    return s;
}

// Teff residuals 50, -20, (star 3 has no reference), 100; log g residuals 0.1, -0.2, 0.3, 0.0;
// [Fe/H] unknown everywhere.
std::vector<StarPrediction> example()
{
    return {star({5000, 4.0, kNaN}, {5050, 4.1, 0.0}, {4990, 4.05, -0.1}, {5100, 4.2, 0.1}),
            star({5100, 4.5, kNaN}, {5080, 4.3, 0.0}, {5090, 4.0, -0.1}, {5200, 4.4, 0.1}),
            star({kNaN, 3.0, kNaN}, {9999, 3.3, 0.0}, {0, 3.0, -0.1}, {1e5, 3.2, 0.1}),
            star({5300, 2.0, kNaN}, {5400, 2.0, 0.0}, {5350, 1.9, -0.1}, {5450, 2.1, 0.1})};
}

}  // namespace

class TestTrainMetrics : public QObject {
    Q_OBJECT
private slots:
    void handComputedOddCount();
    void handComputedEvenCount();
    void unknownReferencesAreSkipped();
    void starPredictionFromAPosterior();
    void jsonRoundTrip();
    void table();
};

void TestTrainMetrics::handComputedOddCount()
{
    const auto m = computeMetrics(example())[Param::Teff];
    QCOMPARE(m.n, 3);
    REMAP_COMPARE_REL("bias", m.bias, 130.0 / 3.0, 1e-12);
    // Deviations from the bias: 20/3, -190/3, 170/3 -> sum of squares 65400/9, over n - 1 = 2.
    REMAP_COMPARE_REL("std", m.stddev, std::sqrt(65400.0 / 18.0), 1e-12);
    // median 50; |r - 50| = 0, 70, 50 -> median 50.
    REMAP_COMPARE_REL("mad", m.mad, 1.4826 * 50.0, 1e-12);
    REMAP_COMPARE_REL("rmse", m.rmse, std::sqrt((2500.0 + 400.0 + 10000.0) / 3.0), 1e-12);
    // 5000 in [4990, 5100], 5100 in [5090, 5200], 5300 not in [5350, 5450].
    REMAP_COMPARE_REL("coverage", m.coverage68, 2.0 / 3.0, 1e-12);
}

void TestTrainMetrics::handComputedEvenCount()
{
    const auto m = computeMetrics(example())[Param::Logg];
    QCOMPARE(m.n, 4);
    REMAP_COMPARE_ABS("bias", m.bias, 0.05, 1e-12);
    // Deviations 0.05, -0.25, 0.25, -0.05 -> 0.13 / 3.
    REMAP_COMPARE_REL("std", m.stddev, std::sqrt(0.13 / 3.0), 1e-9);
    // median of (-0.2, 0, 0.1, 0.3) = 0.05; |r - 0.05| = 0.05, 0.25, 0.25, 0.05 -> median 0.15.
    REMAP_COMPARE_REL("mad", m.mad, 1.4826 * 0.15, 1e-9);
    REMAP_COMPARE_REL("rmse", m.rmse, std::sqrt(0.14 / 4.0), 1e-9);
    // 4.0 in [4.05, 4.2]? no. 4.5 in [4.0, 4.4]? no. 3.0 in [3.0, 3.2] yes (closed). 2.0 in [1.9, 2.1] yes.
    REMAP_COMPARE_REL("coverage", m.coverage68, 0.5, 1e-12);
}

void TestTrainMetrics::unknownReferencesAreSkipped()
{
    const auto all = computeMetrics(example());
    QCOMPARE(all[Param::Feh].n, 0);
    QCOMPARE(all[Param::Feh].rmse, 0.0);
    QCOMPARE(computeMetrics({})[Param::Teff].n, 0);
    // One star: no spread.
    const auto one = computeMetrics({example()[0]})[Param::Teff];
    QCOMPARE(one.n, 1);
    QCOMPARE(one.stddev, 0.0);
    QCOMPARE(one.rmse, 50.0);
}

void TestTrainMetrics::starPredictionFromAPosterior()
{
    Prediction p;
    p.teff = summarizePosterior({5000, 5100, 5200, 5300}, {0.1, 0.2, 0.3, 0.4});
    p.logg = summarizePosterior({1, 2, 3}, {0, 1, 0});
    p.feh = summarizePosterior({-1, 0, 1}, {0.5, 0, 0.5});
    const auto s = toStarPrediction(p, {5150.0, 2.0, kNaN}, "star-1");
    QCOMPARE(s.id, std::string("star-1"));
    REMAP_COMPARE_ABS("teff mean", s.mean[0], 5200.0, 1e-9);  // 0.1*5000 + 0.2*5100 + 0.3*5200 + 0.4*5300
    REMAP_COMPARE_ABS("logg mean", s.mean[1], 2.0, 1e-12);
    REMAP_COMPARE_ABS("feh mean", s.mean[2], 0.0, 1e-12);
    // A single bin of width 1 centred on 2: the 16th and 84th percentiles of a uniform on [1.5, 2.5].
    REMAP_COMPARE_ABS("logg p16", s.p16[1], 1.66, 1e-9);
    REMAP_COMPARE_ABS("logg p84", s.p84[1], 2.34, 1e-9);
    QCOMPARE(s.p16[0], p.teff.p16);
    QCOMPARE(s.p84[2], p.feh.p84);
    QVERIFY(std::isnan(s.reference[2]));
}

void TestTrainMetrics::jsonRoundTrip()
{
    ValidationMetrics m = computeMetrics(example());
    m.loss = 1.25;
    const auto j = metricsToJson(m);
    for (const char* p : {"teff", "logg", "feh"})
        for (const char* k : {"n", "bias", "std", "mad", "rmse", "coverage68"}) QVERIFY2(j.at(p).contains(k), k);
    QCOMPARE(j["teff"]["n"].get<int>(), 3);
    QCOMPARE(j["loss"].get<double>(), 1.25);
    const auto back = metricsFromJson(j);
    for (Param p : kAllParams) {
        QCOMPARE(back[p].n, m[p].n);
        QCOMPARE(back[p].bias, m[p].bias);
        QCOMPARE(back[p].stddev, m[p].stddev);
        QCOMPARE(back[p].mad, m[p].mad);
        QCOMPARE(back[p].rmse, m[p].rmse);
        QCOMPARE(back[p].coverage68, m[p].coverage68);
    }
    QCOMPARE(back.loss, 1.25);
    // A diverged loss is null in JSON and NaN again when read.
    m.loss = kNaN;
    QVERIFY(metricsToJson(m)["loss"].is_null());
    QVERIFY(std::isnan(metricsFromJson(metricsToJson(m)).loss));
}

void TestTrainMetrics::table()
{
    const auto text = formatMetricsTable(computeMetrics(example()));
    QVERIFY2(text.find("RMSE") != std::string::npos, text.c_str());
    QVERIFY2(text.find("Teff [K]") != std::string::npos, text.c_str());
    QVERIFY2(text.find("65.6") != std::string::npos, text.c_str());   // Teff RMSE sqrt(4300)
    QVERIFY2(text.find("0.187") != std::string::npos, text.c_str());  // log g RMSE sqrt(0.035)
    QVERIFY2(text.find("66.7%") != std::string::npos, text.c_str());  // Teff coverage
    QCOMPARE(static_cast<int>(std::count(text.begin(), text.end(), '\n')), 4);
}

QTEST_GUILESS_MAIN(TestTrainMetrics)
#include "test_train_metrics.moc"
