// Posterior summaries against histograms summarized by hand (arithmetic in the comments).
#include "TestSupport.h"
#include "base/Error.h"
#include "ml/Posterior.h"

#include <QTest>
#include <nlohmann/json.hpp>

using namespace remap;

class TestPosterior : public QObject {
    Q_OBJECT
private slots:
    void symmetricFiveBins();
    void bimodal();
    void piledAtEdge();
    void unnormalizedInputIsRenormalized();
    void invalidInputsThrow();
    void jsonHasTheSummaries();
};

void TestPosterior::symmetricFiveBins()
{
    // Centres 0..4, width 1, edges -0.5 .. 4.5; p = 0.1 0.2 0.4 0.2 0.1; CDF at the edges 0 .1 .3 .7 .9 1.
    const auto post = summarizePosterior({0, 1, 2, 3, 4}, {0.1, 0.2, 0.4, 0.2, 0.1});
    REMAP_COMPARE_ABS("mean", post.mean, 2.0, 1e-12);  // symmetric
    REMAP_COMPARE_ABS("median", post.median, 2.0, 1e-12);
    REMAP_COMPARE_ABS("mode", post.mode, 2.0, 1e-12);
    // p16 in bin 1 [0.5, 1.5): 0.5 + (0.16 - 0.1) / 0.2 = 0.8; p84 in bin 3: 2.5 + (0.84 - 0.7) / 0.2 = 3.2.
    REMAP_COMPARE_ABS("p16", post.p16, 0.8, 1e-12);
    REMAP_COMPARE_ABS("p84", post.p84, 3.2, 1e-12);
    // HDI68: bin 2 (0.4), then bins 1 and 3 tie at 0.2; 0.28 more needed -> 0.7 of each, on the inner side:
    // [1.5 - 0.7, 2.5 + 0.7] = [0.8, 3.2].
    REMAP_COMPARE_ABS("hdi68 lo", post.hdi68Lo, 0.8, 1e-12);
    REMAP_COMPARE_ABS("hdi68 hi", post.hdi68Hi, 3.2, 1e-12);
    // HDI95: bins 1-3 (0.8), then bins 0 and 4 tie at 0.1; 0.15 more -> 0.75 of each: [-0.25, 4.25].
    REMAP_COMPARE_ABS("hdi95 lo", post.hdi95Lo, -0.25, 1e-12);
    REMAP_COMPARE_ABS("hdi95 hi", post.hdi95Hi, 4.25, 1e-12);
    QVERIFY(!post.multimodal);
    QVERIFY(!post.edgePileUp);  // 0.1 in each edge bin < 0.2, mode in the middle
    REMAP_COMPARE_ABS("sigma", post.sigma(), 1.2, 1e-12);
}

void TestPosterior::bimodal()
{
    // Centres 0..5, p = .05 .30 .05 .05 .40 .15; cumulative .05 .35 .40 .45 .85 1.
    const auto post = summarizePosterior({0, 1, 2, 3, 4, 5}, {0.05, 0.30, 0.05, 0.05, 0.40, 0.15});
    // mean = 0.3 + 0.1 + 0.15 + 1.6 + 0.75 = 2.9
    REMAP_COMPARE_ABS("mean", post.mean, 2.9, 1e-12);
    REMAP_COMPARE_ABS("mode", post.mode, 4.0, 1e-12);
    // median in bin 4 [3.5, 4.5): 3.5 + (0.5 - 0.45) / 0.4 = 3.625
    REMAP_COMPARE_ABS("median", post.median, 3.625, 1e-12);
    // p16 in bin 1: 0.5 + (0.16 - 0.05) / 0.3 = 0.8666...; p84 in bin 4: 3.5 + (0.84 - 0.45) / 0.4 = 4.475
    REMAP_COMPARE_ABS("p16", post.p16, 0.5 + 0.11 / 0.3, 1e-12);
    REMAP_COMPARE_ABS("p84", post.p84, 4.475, 1e-12);
    // HDI68: bin 4 (0.4) then 0.28 of bin 1 (0.3): fraction 0.9333, centred (no neighbour included):
    // [1 - 0.4667, 1 + 0.4667] and [3.5, 4.5] -> two intervals, the smaller holds 0.28 >= 0.1: multimodal.
    const auto set68 = highestDensitySet(post.binCentres, post.probabilities, 0.68);
    QCOMPARE(set68.size(), std::size_t(2));
    REMAP_COMPARE_ABS("hdi68 first lo", set68[0].first, 1.0 - 0.5 * 0.28 / 0.3, 1e-12);
    REMAP_COMPARE_ABS("hdi68 first hi", set68[0].second, 1.0 + 0.5 * 0.28 / 0.3, 1e-12);
    REMAP_COMPARE_ABS("hdi68 second lo", set68[1].first, 3.5, 1e-12);
    REMAP_COMPARE_ABS("hdi68 second hi", set68[1].second, 4.5, 1e-12);
    REMAP_COMPARE_ABS("hdi68 lo (envelope)", post.hdi68Lo, 1.0 - 0.5 * 0.28 / 0.3, 1e-12);
    REMAP_COMPARE_ABS("hdi68 hi (envelope)", post.hdi68Hi, 4.5, 1e-12);
    QVERIFY(post.multimodal);
    // HDI95: bins 4, 1, 5 (0.85), then bins 0, 2, 3 tie at 0.05; 0.10 more -> 2/3 of each:
    // bin 0 beside bin 1 -> [0.5 - 2/3, 0.5]; bin 2 -> [1.5, 1.5 + 2/3]; bin 3 -> [3.5 - 2/3, 3.5].
    REMAP_COMPARE_ABS("hdi95 lo", post.hdi95Lo, 0.5 - 2.0 / 3.0, 1e-12);
    REMAP_COMPARE_ABS("hdi95 hi", post.hdi95Hi, 5.5, 1e-12);
    QVERIFY(!post.edgePileUp);  // last bin 0.15 < 0.2 and the mode is bin 4
}

void TestPosterior::piledAtEdge()
{
    // Centres 10..50 step 10 (edges 5..55), p = .5 .3 .1 .05 .05
    const auto post = summarizePosterior({10, 20, 30, 40, 50}, {0.5, 0.3, 0.1, 0.05, 0.05});
    // mean = 5 + 6 + 3 + 2 + 2.5 = 18.5
    REMAP_COMPARE_ABS("mean", post.mean, 18.5, 1e-12);
    REMAP_COMPARE_ABS("mode", post.mode, 10.0, 1e-12);
    // median: exactly the top of bin 0 -> 15; p16 = 5 + 0.16 / 0.5 * 10 = 8.2; p84 = 25 + 0.04 / 0.1 * 10 = 29
    REMAP_COMPARE_ABS("median", post.median, 15.0, 1e-12);
    REMAP_COMPARE_ABS("p16", post.p16, 8.2, 1e-12);
    REMAP_COMPARE_ABS("p84", post.p84, 29.0, 1e-12);
    // HDI68: bin 0, then 0.18 / 0.3 = 0.6 of bin 1 on its left side: [5, 21]
    REMAP_COMPARE_ABS("hdi68 lo", post.hdi68Lo, 5.0, 1e-12);
    REMAP_COMPARE_ABS("hdi68 hi", post.hdi68Hi, 21.0, 1e-12);
    QVERIFY(post.edgePileUp);
    QVERIFY(!post.multimodal);
}

void TestPosterior::unnormalizedInputIsRenormalized()
{
    const auto post = summarizePosterior({0, 1, 2, 3, 4}, {1, 2, 4, 2, 1});
    REMAP_COMPARE_ABS("p16", post.p16, 0.8, 1e-12);
    double sum = 0;
    for (double p : post.probabilities) sum += p;
    REMAP_COMPARE_ABS("sum", sum, 1.0, 1e-12);
    // Negative entries (rounding in a caller) count as 0.
    const auto clipped = summarizePosterior({0, 1, 2}, {-1e-9, 1, 0});
    REMAP_COMPARE_ABS("mode", clipped.mode, 1.0, 1e-12);
}

void TestPosterior::invalidInputsThrow()
{
    QVERIFY_THROWS_EXCEPTION(Error, summarizePosterior({0, 1, 2}, {0.5, 0.5}));
    QVERIFY_THROWS_EXCEPTION(Error, summarizePosterior({0, 1, 2}, {0, 0, 0}));
    QVERIFY_THROWS_EXCEPTION(Error, summarizePosterior({0, 1, 3}, {0.3, 0.3, 0.4}));
    QVERIFY_THROWS_EXCEPTION(Error, summarizePosterior({0}, {1}));
    QVERIFY_THROWS_EXCEPTION(Error, summarizePosterior({0, 1}, {std::nan(""), 1}));
}

void TestPosterior::jsonHasTheSummaries()
{
    const auto j = posteriorToJson(summarizePosterior({0, 1, 2, 3, 4}, {0.1, 0.2, 0.4, 0.2, 0.1}));
    for (const char* key : {"mean", "median", "mode", "p16", "p84", "hdi68", "hdi95", "multimodal", "edge_pile_up"})
        QVERIFY2(j.contains(key), key);
    QCOMPARE(j["p84"].get<double>(), 3.2);
}

QTEST_GUILESS_MAIN(TestPosterior)
#include "test_ml_posterior.moc"
