// Losses against hand arithmetic on tiny examples, and autograd against finite differences (double).
#include "TestSupport.h"
#include "base/Error.h"
#include "ml/Losses.h"

#include <torch/torch.h>
#include <QTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>

using namespace remap;

namespace {

torch::Tensor row(std::initializer_list<double> values)
{
    return torch::tensor(std::vector<double>(values), torch::kFloat64).unsqueeze(0);
}

// logits [0, ln 2, 0] -> softmax [0.25, 0.5, 0.25]
torch::Tensor quarterHalfQuarter()
{
    return row({0.0, std::log(2.0), 0.0});
}

// Largest |autograd - central difference| over all inputs, relative to max(1, |gradient|).
double gradientError(const torch::Tensor& input, const std::function<torch::Tensor(const torch::Tensor&)>& f)
{
    auto x = input.detach().clone().set_requires_grad(true);
    f(x).backward();
    const auto analytic = x.grad().clone();
    const double h = 1e-6;
    auto flat = input.detach().clone().reshape({-1});
    double worst = 0.0;
    for (int64_t i = 0; i < flat.numel(); ++i) {
        auto plus = flat.clone();
        auto minus = flat.clone();
        plus[i] += h;
        minus[i] -= h;
        const double numeric =
            (f(plus.view(input.sizes())).item<double>() - f(minus.view(input.sizes())).item<double>()) / (2 * h);
        const double a = analytic.reshape({-1})[i].item<double>();
        worst = std::max(worst, std::abs(a - numeric) / std::max(1.0, std::abs(a)));
    }
    return worst;
}

}  // namespace

class TestLosses : public QObject {
    Q_OBJECT
private slots:
    void aslFocalWithClip();
    void aslLabelSmoothing();
    void aslSoftTarget();
    void aslBatchMean();
    void aslGradientMatchesFiniteDifferences();
    void tripletBatchHard();
    void tripletSemiHard();
    void tripletWithoutValidAnchors();
    void tripletGradientMatchesFiniteDifferences();
    void multiTaskWeighting();
    void lossConfigJson();
};

void TestLosses::aslFocalWithClip()
{
    // p = [0.25, 0.5, 0.25], target bin 1, gamma+ = 1, gamma- = 2, clip 0.05, no smoothing.
    // positive: -(1 - 0.5)^1 ln 0.5 = 0.5 * 0.6931472 = 0.3465736
    // negatives (bins 0 and 2, r = 1): p~ = 0.25 - 0.05 = 0.2; -(0.2^2) ln(1 - 0.2) = 0.04 * 0.2231436 = 0.0089257 each
    // total = 0.3465736 + 2 * 0.0089257 = 0.3644251
    const AslOptions o{1.0, 2.0, 0.05, 0.0};
    const double loss = asymmetricLoss(quarterHalfQuarter(), row({0, 1, 0}), o).item<double>();
    REMAP_COMPARE_ABS("ASL", loss, 0.5 * std::log(2.0) + 2 * 0.04 * -std::log(0.8), 1e-12);
    REMAP_COMPARE_ABS("ASL (digits)", loss, 0.3644251, 1e-7);
    // With gamma = clip = 0 the positive part is the cross-entropy -ln 0.5 and the negatives add
    // their binary cross-entropy -ln(0.75) each: 0.6931472 + 2 * 0.2876821 = 1.2685114.
    const double plain = asymmetricLoss(quarterHalfQuarter(), row({0, 1, 0}), AslOptions{0, 0, 0, 0}).item<double>();
    REMAP_COMPARE_ABS("gamma 0", plain, 1.2685114, 1e-7);
}

void TestLosses::aslLabelSmoothing()
{
    // eps = 0.3, K = 3: t = 0.7 q + 0.1 = [0.1, 0.8, 0.1]; gamma = clip = 0.
    // positive: -(0.1 ln 0.25 + 0.8 ln 0.5 + 0.1 ln 0.25) = 0.2 * 1.3862944 + 0.8 * 0.6931472 = 0.8317766
    // negative (r from the unsmoothed target = [1, 0, 1]): -2 ln 0.75 = 0.5753641; total 1.4071407
    const double loss = asymmetricLoss(quarterHalfQuarter(), row({0, 1, 0}), AslOptions{0, 0, 0, 0.3}).item<double>();
    REMAP_COMPARE_ABS("ASL smoothed", loss, 1.4071407, 1e-7);
}

void TestLosses::aslSoftTarget()
{
    // q = [0.25, 0.5, 0.25] (a smoothed target), gamma+ = 0, gamma- = 1, clip 0.1.
    // r = 1 - q / 0.5 = [0.5, 0, 0.5]; p~ = [0.15, 0.4, 0.15]
    // positive: -(0.25 ln 0.25 * 2 + 0.5 ln 0.5) = 0.6931472 + 0.3465736 = 1.0397208
    // negative: 2 * 0.5 * 0.15 * -ln 0.85 = 0.15 * 0.1625189 = 0.0243778; total 1.0640986
    const double loss =
        asymmetricLoss(quarterHalfQuarter(), row({0.25, 0.5, 0.25}), AslOptions{0, 1, 0.1, 0}).item<double>();
    REMAP_COMPARE_ABS("ASL soft", loss, 1.0640986, 1e-7);
}

void TestLosses::aslBatchMean()
{
    // Row 1 as in aslFocalWithClip (0.3644251); row 2: uniform p = 1/3 and target bin 0:
    // positive -(2/3) ln(1/3) = 0.7324082; negatives p~ = 1/3 - 0.05 = 0.2833333: 2 * 0.2833333^2 * -ln(0.7166667)
    // = 2 * 0.0802778 * 0.3331806 = 0.0534941 -> 0.7858964. Mean = (0.3644251 + 0.7858964) / 2 = 0.5751607
    const auto logits = torch::cat({quarterHalfQuarter(), row({0, 0, 0})}, 0);
    const auto targets = torch::cat({row({0, 1, 0}), row({1, 0, 0})}, 0);
    const double loss = asymmetricLoss(logits, targets, AslOptions{1.0, 2.0, 0.05, 0.0}).item<double>();
    REMAP_COMPARE_ABS("ASL batch", loss, 0.5751607, 1e-7);
}

void TestLosses::aslGradientMatchesFiniteDifferences()
{
    torch::manual_seed(3);
    const auto logits = torch::randn({4, 7}, torch::kFloat64) * 2.0;
    auto targets = torch::rand({4, 7}, torch::kFloat64);
    targets = targets / targets.sum(1, true);
    for (const AslOptions& o : {AslOptions{0, 4, 0.05, 0}, AslOptions{1, 2, 0.05, 0.1}, AslOptions{0.5, 3, 0.0, 0.2}}) {
        const double err = gradientError(logits, [&](const torch::Tensor& z) { return asymmetricLoss(z, targets, o); });
        QVERIFY2(err < 1e-6, qPrintable(QString("ASL gradient error %1").arg(err)));
    }
}

// Five points in 2-D with 1-D labels (see the table in the comments), radii 0.2 / 0.4.
//   e0 (1,0) y 0.00   e1 (0,1) y 0.10   e2 (-1,0) y 0.90   e3 (0.6,0.8) y 0.05   e4 (0,-1) y 0.75
// Label distances: positives (< 0.2): 0-1, 0-3, 1-3, 2-4; negatives (> 0.4): 0-2, 0-4, 1-2, 1-4, 2-3, 3-4.
// Embedding distances: d01 = d04 = d12 = d24 = sqrt 2 = 1.4142136, d02 = d14 = 2, d03 = sqrt 0.8 = 0.8944272,
// d13 = sqrt 0.4 = 0.6324555, d23 = sqrt 3.2 = 1.7888544, d34 = sqrt 3.6 = 1.8973666.
static torch::Tensor fivePoints()
{
    return torch::tensor({1.0, 0.0, 0.0, 1.0, -1.0, 0.0, 0.6, 0.8, 0.0, -1.0}, torch::kFloat64).view({5, 2});
}
static torch::Tensor fiveLabels()
{
    return torch::tensor({0.0, 0.1, 0.9, 0.05, 0.75}, torch::kFloat64).view({5, 1});
}

void TestLosses::tripletBatchHard()
{
    // margin 0.7. Farthest positive / closest negative per anchor:
    // a0: sqrt2 / min(2, sqrt2) -> 0.7;  a1: sqrt2 / min(sqrt2, 2) -> 0.7;  a2: d24 = sqrt2 / min(2, sqrt2, 1.789) ->
    // 0.7 a3: max(0.894, 0.632) = 0.894 / min(1.789, 1.897) = 1.789 -> max(0.894 - 1.789 + 0.7, 0) = 0 a4: d42 = sqrt2
    // / min(sqrt2, 2, 1.897) -> 0.7. Mean over 5 valid anchors = 2.8 / 5 = 0.56.
    const auto r = tripletLoss(fivePoints(), fiveLabels(), TripletOptions{0.7, 0.2, 0.4, TripletMining::BatchHard});
    QCOMPARE(r.validAnchors, 5L);
    REMAP_COMPARE_ABS("triplet batch-hard", r.loss.item<double>(), 0.56, 1e-6);
}

void TestLosses::tripletSemiHard()
{
    // Semi-hard: the closest negative strictly farther than the positive.
    // a0: d_ap sqrt2, negatives {2: 2, 4: sqrt2} -> 2: sqrt2 - 2 + 0.7 = 0.1142136
    // a1: d_ap sqrt2, negatives {2: sqrt2, 4: 2} -> 2: 0.1142136
    // a2: d_ap sqrt2, negatives {0: 2, 1: sqrt2, 3: sqrt3.2} -> sqrt3.2: sqrt2 - 1.7888544 + 0.7 = 0.3253592
    // a3: d_ap 0.8944272, negatives {2: 1.789, 4: 1.897} -> 1.789: negative -> 0
    // a4: d_ap sqrt2, negatives {0: sqrt2, 1: 2, 3: sqrt3.6} -> sqrt3.6: sqrt2 - 1.8973666 + 0.7 = 0.2168470
    // mean = (0.1142136 * 2 + 0.3253592 + 0.2168470) / 5 = 0.1541267
    const auto r = tripletLoss(fivePoints(), fiveLabels(), TripletOptions{0.7, 0.2, 0.4, TripletMining::SemiHard});
    REMAP_COMPARE_ABS("triplet semi-hard", r.loss.item<double>(), 0.1541267, 1e-6);
}

void TestLosses::tripletWithoutValidAnchors()
{
    // All labels equal: no negatives; the loss is 0 and still differentiable.
    auto e = torch::randn({4, 3}, torch::kFloat64).set_requires_grad(true);
    const auto r = tripletLoss(e, torch::zeros({4, 3}, torch::kFloat64), TripletOptions{});
    QCOMPARE(r.validAnchors, 0L);
    QCOMPARE(r.loss.item<double>(), 0.0);
    r.loss.backward();
    QVERIFY(e.grad().defined());
}

void TestLosses::tripletGradientMatchesFiniteDifferences()
{
    torch::manual_seed(5);
    const auto labels = torch::rand({12, 3}, torch::kFloat64);
    const auto e = torch::randn({12, 4}, torch::kFloat64);
    for (auto mining : {TripletMining::BatchHard, TripletMining::SemiHard}) {
        const TripletOptions o{0.5, 0.45, 0.6, mining};
        QVERIFY(tripletLoss(e, labels, o).validAnchors > 3);
        const double err = gradientError(e, [&](const torch::Tensor& x) { return tripletLoss(x, labels, o).loss; });
        QVERIFY2(err < 1e-6, qPrintable(QString("triplet gradient error %1").arg(err)));
    }
}

void TestLosses::multiTaskWeighting()
{
    const std::array<torch::Tensor, 4> losses{torch::tensor(2.0), torch::tensor(1.0), torch::tensor(0.5),
                                              torch::tensor(4.0)};
    LossConfig fixed;
    fixed.headWeights = {1.0, 2.0, 3.0};
    fixed.embeddingWeight = 0.25;
    // 2 + 2 * 1 + 3 * 0.5 + 0.25 * 4 = 6.5
    REMAP_COMPARE_ABS("fixed", MultiTaskLoss(fixed)->forward(losses).item<double>(), 6.5, 1e-6);
    QVERIFY(MultiTaskLoss(fixed)->parameters().empty());

    LossConfig uncertain;
    uncertain.weighting = TaskWeighting::Uncertainty;
    MultiTaskLoss mtl(uncertain);
    // s = 0: sum of the losses = 7.5; dL/ds_t = -L_t + 0.5
    auto total = mtl->forward(losses);
    REMAP_COMPARE_ABS("uncertainty at s=0", total.item<double>(), 7.5, 1e-6);
    total.backward();
    const auto g = mtl->parameters().at(0).grad();
    REMAP_COMPARE_ABS("d/ds teff", g[0].item<double>(), -1.5, 1e-6);
    REMAP_COMPARE_ABS("d/ds emb", g[3].item<double>(), -3.5, 1e-6);
    REMAP_COMPARE_ABS("weight", mtl->weights()[0], 1.0, 1e-12);
}

void TestLosses::lossConfigJson()
{
    LossConfig c;
    c.asl.gammaNeg = 3.0;
    c.triplet.mining = TripletMining::SemiHard;
    c.weighting = TaskWeighting::Uncertainty;
    const nlohmann::json j = c;
    QCOMPARE(j["triplet"]["mining"].get<std::string>(), std::string("semi_hard"));
    const auto back = j.get<LossConfig>();
    QCOMPARE(back.asl.gammaNeg, 3.0);
    QCOMPARE(back.triplet.mining, TripletMining::SemiHard);
    QCOMPARE(back.weighting, TaskWeighting::Uncertainty);
    nlohmann::json bad = j;
    bad["asl"]["clip"] = 1.5;
    QVERIFY_THROWS_EXCEPTION(remap::Error, bad.get<LossConfig>());
}

QTEST_GUILESS_MAIN(TestLosses)
#include "test_ml_losses.moc"
