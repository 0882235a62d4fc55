// Parameter bins, training targets and the JSON of the configuration structs.
#include "TestSupport.h"
#include "base/Error.h"
#include "ml/NetworkConfig.h"
#include "ml/ParameterBins.h"

#include <QTest>
#include <nlohmann/json.hpp>

#include <cmath>

using namespace remap;

class TestBins : public QObject {
    Q_OBJECT
private slots:
    void defaultsMatchTheDocumentedGrid();
    void centresAndIndices();
    void oneHotTarget();
    void gaussianTargetByHand();
    void gaussianTargetNearTheEdge();
    void binsJsonRoundTrip();
    void networkConfigJson();
    void networkConfigValidation();
    void paramNames();
};

void TestBins::defaultsMatchTheDocumentedGrid()
{
    const LabelBins bins;
    REMAP_COMPARE_ABS("Teff width", bins.teff.width(), 25.0, 1e-9);
    REMAP_COMPARE_ABS("log g width", bins.logg.width(), 0.05, 1e-12);
    REMAP_COMPARE_ABS("[Fe/H] width", bins.feh.width(), 0.025, 1e-12);
    QCOMPARE(bins.counts(), (std::array<int, 3>{140, 110, 130}));
    // Rounding to a bin costs width / sqrt(12) in quadrature: 7.2 K against the ~75 K target.
    QVERIFY(bins.teff.width() / std::sqrt(12.0) < 0.1 * 75.0);
}

void TestBins::centresAndIndices()
{
    const ParameterBins b{3500, 7000, 140};
    REMAP_COMPARE_ABS("first centre", b.centre(0), 3512.5, 1e-9);
    REMAP_COMPARE_ABS("last centre", b.centres().back(), 6987.5, 1e-9);
    QCOMPARE(b.indexOf(3500.0), 0);
    QCOMPARE(b.indexOf(3524.9), 0);
    QCOMPARE(b.indexOf(3525.0), 1);
    QCOMPARE(b.indexOf(5777.0), 91);   // (5777 - 3500) / 25 = 91.08
    QCOMPARE(b.indexOf(7000.0), 139);  // the top edge belongs to the last bin
    QCOMPARE(b.indexOf(2000.0), 0);    // clamped
    QCOMPARE(b.indexOf(9000.0), 139);
    QCOMPARE(b.indexOf(std::nan("")), 0);
    REMAP_COMPARE_ABS("normalize", b.normalize(5250.0), 0.5, 1e-12);
}

void TestBins::oneHotTarget()
{
    const ParameterBins b{0, 3, 3};
    const auto t = b.target(1.2, 0.0);
    QCOMPARE(t, (std::vector<double>{0, 1, 0}));
}

void TestBins::gaussianTargetByHand()
{
    // Bins [0,1) [1,2) [2,3], value 1.5 (centre of the middle bin), sigma = 1 bin = 1:
    // middle bin mass = Phi(0.5) - Phi(-0.5) = erf(0.5 / sqrt 2) = 0.3829249; the edge bins take the
    // tails, (1 - 0.3829249) / 2 = 0.3085375 each. The sum is 1, so no renormalization.
    const ParameterBins b{0, 3, 3};
    const auto t = b.target(1.5, 1.0);
    REMAP_COMPARE_ABS("middle", t[1], 0.3829249, 1e-7);
    REMAP_COMPARE_ABS("left", t[0], 0.3085375, 1e-7);
    REMAP_COMPARE_ABS("right", t[2], 0.3085375, 1e-7);
}

void TestBins::gaussianTargetNearTheEdge()
{
    // Value 0.25 in bins of width 1 with sigma 0.5 bins: bin 0 holds everything below 1:
    // Phi((1 - 0.25) / 0.5) = Phi(1.5) = 0.9331928; bin 1: Phi(3.5) - Phi(1.5) = 0.0665746; bin 2: the rest.
    const ParameterBins b{0, 3, 3};
    const auto t = b.target(0.25, 0.5);
    REMAP_COMPARE_ABS("bin 0", t[0], 0.9331928, 1e-7);
    REMAP_COMPARE_ABS("bin 1", t[1], 0.0665746, 1e-7);
    REMAP_COMPARE_ABS("bin 2", t[2], 1.0 - 0.9331928 - 0.0665746, 1e-7);
}

void TestBins::binsJsonRoundTrip()
{
    LabelBins bins;
    bins.logg.count = 55;
    const nlohmann::json j = bins;
    QCOMPARE(j["logg"]["count"].get<int>(), 55);
    QVERIFY(j.get<LabelBins>() == bins);
    nlohmann::json broken = j;
    broken["feh"].erase("max");
    QVERIFY_THROWS_EXCEPTION(Error, broken.get<LabelBins>());
    broken = j;
    broken["teff"]["max"] = 1000.0;  // below min
    QVERIFY_THROWS_EXCEPTION(Error, broken.get<LabelBins>());
}

void TestBins::networkConfigJson()
{
    NetworkConfig c;
    c.stageWidths = {8, 16};
    c.blocksPerStage = {1, 3};
    c.stageKernels = {5, 3};
    c.dropout = 0.25;
    const nlohmann::json j = c;
    QVERIFY(j.get<NetworkConfig>() == c);
    nlohmann::json partial = {{"embedding_size", 8}};
    QVERIFY_THROWS_EXCEPTION(Error, partial.get<NetworkConfig>());
    // The documented way to read a partial user file: patch the defaults.
    nlohmann::json merged = NetworkConfig{};
    merged.merge_patch(partial);
    QCOMPARE(merged.get<NetworkConfig>().embeddingSize, 8);
}

void TestBins::networkConfigValidation()
{
    const NetworkConfig defaults;
    // 4096 -> stem stride 2 -> 2048 -> max pool -> 1024 -> stages 1024, 512, 256, 128
    QCOMPARE(defaults.featureLengths(), (std::vector<int>{1024, 1024, 512, 256, 128}));
    NetworkConfig even = defaults;
    even.stageKernels[1] = 4;
    QVERIFY_THROWS_EXCEPTION(Error, even.validate());
    NetworkConfig ragged = defaults;
    ragged.blocksPerStage.pop_back();
    QVERIFY_THROWS_EXCEPTION(Error, ragged.validate());
    NetworkConfig dropout = defaults;
    dropout.dropout = 1.0;
    QVERIFY_THROWS_EXCEPTION(Error, dropout.validate());
}

void TestBins::paramNames()
{
    QCOMPARE(parseParam("TEFF"), Param::Teff);
    QCOMPARE(parseParam("logg"), Param::Logg);
    QCOMPARE(std::string(paramName(Param::Feh)), std::string("feh"));
    QVERIFY_THROWS_EXCEPTION(UsageError, parseParam("alpha"));
}

QTEST_GUILESS_MAIN(TestBins)
#include "test_ml_bins.moc"
