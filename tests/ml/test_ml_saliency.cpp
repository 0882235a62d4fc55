// Saliency maps: sanity checks (weight randomization, completeness of integrated gradients,
// reproducible SmoothGrad) and a toy task where only pixels 1000-1100 carry the label.
#include "TestSupport.h"
#include "base/Error.h"
#include "ml/Losses.h"
#include "ml/Predictor.h"
#include "ml/Saliency.h"
#include "ml/TorchBundle.h"

#include <torch/torch.h>
#include <QTest>

#include <cmath>
#include <numeric>
#include <random>

using namespace remap;

namespace {

constexpr int kLength = 2048;
constexpr int kDipCentre = 1050;
constexpr double kDipSigma = 15.0;  // pixels: the dip lives in 1000-1100

ModelCard toyCard()
{
    ModelCard card;
    card.name = "toy";
    card.network.inputLength = kLength;
    card.network.stemWidth = 8;
    card.network.stageWidths = {8, 16};
    card.network.blocksPerStage = {1, 1};
    card.network.stageKernels = {7, 5};
    card.network.embeddingSize = 4;
    card.network.dropout = 0.0;
    card.bins.teff = {0.0, 1.0, 20};  // the toy label lives in [0, 1]
    card.bins.logg = {0.0, 1.0, 5};
    card.bins.feh = {0.0, 1.0, 5};
    return card;  // empty "preprocess": inputs are already on the network grid
}

// Noise everywhere, a Gaussian dip at pixel 1050 whose depth 0.1 + 0.5 y encodes the label y.
std::vector<float> toyFlux(double y, std::mt19937_64& rng)
{
    std::normal_distribution<double> noise(0.0, 0.02);
    std::vector<float> flux(kLength);
    for (int i = 0; i < kLength; ++i) {
        const double dip = (0.1 + 0.5 * y) * std::exp(-0.5 * std::pow((i - kDipCentre) / kDipSigma, 2));
        flux[static_cast<std::size_t>(i)] = static_cast<float>(1.0 - dip + noise(rng));
    }
    return flux;
}

Spectrum onGrid(const std::vector<float>& flux)
{
    Spectrum s;
    s.wavelength.resize(flux.size());
    std::iota(s.wavelength.begin(), s.wavelength.end(), 1.0);  // any increasing positive axis
    s.flux.assign(flux.begin(), flux.end());
    s.finalize();
    return s;
}

PredictorOptions cpuOptions()
{
    PredictorOptions o;
    o.device = "cpu";
    return o;
}

void trainToy(ModelBundle& bundle, int steps)
{
    auto& net = bundleNetwork(bundle);
    net->train();
    torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-3));
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    const auto& bins = bundle.card().bins.teff;
    const int batch = 32;
    for (int step = 0; step < steps; ++step) {
        std::vector<float> flux, mask(static_cast<std::size_t>(batch * kLength), 0.0f), target;
        for (int b = 0; b < batch; ++b) {
            const double y = uniform(rng);
            const auto f = toyFlux(y, rng);
            flux.insert(flux.end(), f.begin(), f.end());
            const auto t = bins.target(y, 1.0);
            target.insert(target.end(), t.begin(), t.end());
        }
        const auto x = makeNetworkInput(flux, mask, batch, kLength);
        const auto q = torch::from_blob(target.data(), {batch, bins.count}, torch::kFloat32).clone();
        const auto out = net->forward(x);
        const auto loss = asymmetricLoss(out.logits[0], q, AslOptions{0.0, 2.0, 0.05, 0.0});
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
    }
    net->eval();
}

double regionShare(const std::vector<float>& map, int lo, int hi)
{
    double inside = 0.0, total = 0.0;
    for (int i = 0; i < static_cast<int>(map.size()); ++i) {
        const double a = std::abs(map[static_cast<std::size_t>(i)]);
        total += a;
        if (i >= lo && i <= hi) inside += a;
    }
    return inside / total;
}

int argmaxAbs(const std::vector<float>& map)
{
    return static_cast<int>(
        std::max_element(map.begin(), map.end(), [](float a, float b) { return std::abs(a) < std::abs(b); }) -
        map.begin());
}

}  // namespace

class TestSaliency : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void methodNames();
    void toyTaskSaliencyPeaksInTheLabelRegion();
    void toyModelPredictsTheLabel();
    void randomizedWeightsChangeTheMaps();
    void integratedGradientsAreComplete();
    void gradientTimesInputAndSmoothGrad();
    void saliencyWorksThroughAttention();

private:
    std::optional<Predictor> trained_;
    Spectrum star_;  // label 0.6
};

void TestSaliency::initTestCase()
{
    torch::set_num_threads(1);  // OpenMP spin-waiting makes 2 threads far slower on a loaded machine
    auto bundle = ModelBundle::create(toyCard(), 9);
    trainToy(bundle, 400);
    trained_.emplace(std::move(bundle), cpuOptions());
    std::mt19937_64 rng(7);
    star_ = onGrid(toyFlux(0.6, rng));
}

void TestSaliency::methodNames()
{
    QCOMPARE(parseSaliencyMethod("IG"), SaliencyMethod::IntegratedGradients);
    QCOMPARE(std::string(saliencyMethodName(SaliencyMethod::GradientTimesInput)), std::string("gradxinput"));
    QVERIFY_THROWS_EXCEPTION(UsageError, parseSaliencyMethod("lime"));
}

void TestSaliency::toyModelPredictsTheLabel()
{
    // The training worked: labels 0.2 and 0.8 are told apart (bins of 0.05, target within 0.1).
    std::mt19937_64 rng(8);
    const auto low = trained_->predict(onGrid(toyFlux(0.2, rng)));
    const auto high = trained_->predict(onGrid(toyFlux(0.8, rng)));
    QVERIFY2(std::abs(low.teff.mean - 0.2) < 0.1, qPrintable(QString::number(low.teff.mean)));
    QVERIFY2(std::abs(high.teff.mean - 0.8) < 0.1, qPrintable(QString::number(high.teff.mean)));
}

void TestSaliency::toyTaskSaliencyPeaksInTheLabelRegion()
{
    // 101 of 2048 pixels lie in 1000-1100: a map blind to the task puts ~5 % of its weight there and
    // has a mean |saliency| ratio inside/outside of ~1.
    for (auto method : {SaliencyMethod::Gradient, SaliencyMethod::GradientTimesInput, SaliencyMethod::SmoothGrad,
                        SaliencyMethod::IntegratedGradients}) {
        const auto map = trained_->saliency(star_, Param::Teff, method);
        QCOMPARE(map.size(), std::size_t(kLength));
        const double share = regionShare(map, 1000, 1100);
        const double ratio = (share / 101.0) / ((1.0 - share) / (kLength - 101.0));
        const int peak = argmaxAbs(map);
        const auto name = QString::fromUtf8(saliencyMethodName(method).data());
        qInfo("%s: %.0f %% of |saliency| in pixels 1000-1100 (mean ratio inside/outside %.1f), peak at pixel %d",
              qPrintable(name), 100 * share, ratio, peak);
        QVERIFY2(peak >= 1000 && peak <= 1100, qPrintable(QString("%1: peak at %2").arg(name).arg(peak)));
        QVERIFY2(ratio > 5.0, qPrintable(QString("%1: ratio %2").arg(name).arg(ratio)));
        // Attribution methods weigh by the deviation from the continuum: most weight lies in the dip.
        if (method == SaliencyMethod::GradientTimesInput || method == SaliencyMethod::IntegratedGradients)
            QVERIFY2(share > 0.5, qPrintable(QString("%1: share %2").arg(name).arg(share)));
    }
}

void TestSaliency::randomizedWeightsChangeTheMaps()
{
    // Model-randomization check (Adebayo et al. 2018): a map that survives re-initialized weights
    // shows the input, not the model.
    Predictor random(ModelBundle::create(toyCard(), 1234), cpuOptions());
    for (auto method : {SaliencyMethod::Gradient, SaliencyMethod::IntegratedGradients}) {
        const auto a = trained_->saliency(star_, Param::Teff, method);
        const auto b = random.saliency(star_, Param::Teff, method);
        double dot = 0, na = 0, nb = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            dot += double(a[i]) * b[i];
            na += double(a[i]) * a[i];
            nb += double(b[i]) * b[i];
        }
        const double correlation = std::abs(dot) / std::sqrt(na * nb);
        QVERIFY2(correlation < 0.9, qPrintable(QString("cosine similarity %1").arg(correlation)));
    }
}

void TestSaliency::integratedGradientsAreComplete()
{
    // Completeness: the attributions sum to f(x) - f(baseline), f = posterior mean.
    SaliencyOptions o;
    o.integratedGradientSteps = 128;
    const auto map = trained_->saliency(star_, Param::Teff, SaliencyMethod::IntegratedGradients, o);
    const double sum = std::accumulate(map.begin(), map.end(), 0.0);
    const auto atX = trained_->predict(star_).teff.mean;
    const auto atBaseline = trained_->predict(onGrid(std::vector<float>(kLength, 1.0f))).teff.mean;
    REMAP_COMPARE_ABS("sum of IG attributions", sum, atX - atBaseline, 0.02 * std::abs(atX - atBaseline) + 1e-4);
}

void TestSaliency::gradientTimesInputAndSmoothGrad()
{
    const auto grad = trained_->saliency(star_, Param::Teff, SaliencyMethod::Gradient);
    const auto gxi = trained_->saliency(star_, Param::Teff, SaliencyMethod::GradientTimesInput);
    for (std::size_t i : {std::size_t(0), std::size_t(1050), std::size_t(2000)})
        REMAP_COMPARE_ABS("grad x input", gxi[i], grad[i] * (star_.flux[i] - 1.0), 1e-6 + 1e-4 * std::abs(gxi[i]));
    SaliencyOptions o;
    const auto s1 = trained_->saliency(star_, Param::Teff, SaliencyMethod::SmoothGrad, o);
    const auto s2 = trained_->saliency(star_, Param::Teff, SaliencyMethod::SmoothGrad, o);
    QCOMPARE(s1, s2);  // seeded
    o.seed = 2;
    QVERIFY(trained_->saliency(star_, Param::Teff, SaliencyMethod::SmoothGrad, o) != s1);
    // Vanishing noise gives the plain gradient.
    o.smoothGradSigma = 0.0;
    o.smoothGradSamples = 2;
    const auto s0 = trained_->saliency(star_, Param::Teff, SaliencyMethod::SmoothGrad, o);
    for (std::size_t i : {std::size_t(10), std::size_t(1040)}) REMAP_COMPARE_ABS("sigma 0", s0[i], grad[i], 1e-6);
}

void TestSaliency::saliencyWorksThroughAttention()
{
    // The toy task with a self-attention stage after the convolutions: gradients flow through it, the
    // map still points at the dip, integrated gradients stay complete, and the attention map of a
    // query region is a distribution over the grid.
    auto card = toyCard();
    card.network.stageWidths = {8, 16, 16};  // one more downsampling: 128 positions for the attention
    card.network.blocksPerStage = {1, 1, 1};
    card.network.stageKernels = {7, 5, 3};
    card.network.attention.layers = 1;
    card.network.attention.heads = 2;
    card.network.attention.dropout = 0.0;
    auto bundle = ModelBundle::create(card, 7);
    trainToy(bundle, 200);
    const Predictor predictor(std::move(bundle), cpuOptions());
    QVERIFY(predictor.hasAttention());
    const double mean = predictor.predict(star_).teff.mean;
    QVERIFY2(std::abs(mean - 0.6) < 0.15, qPrintable(QString::number(mean)));
    const auto gxi = predictor.saliency(star_, Param::Teff, SaliencyMethod::GradientTimesInput);
    const double share = regionShare(gxi, 1000, 1100);
    qInfo("with attention: gradient x input share in the dip %.2f", share);
    QVERIFY2(share > 0.5, qPrintable(QString::number(share)));
    SaliencyOptions o;
    o.integratedGradientSteps = 128;
    const auto ig = predictor.saliency(star_, Param::Teff, SaliencyMethod::IntegratedGradients, o);
    const double sum = std::accumulate(ig.begin(), ig.end(), 0.0);
    const auto atBaseline = predictor.predict(onGrid(std::vector<float>(kLength, 1.0f))).teff.mean;
    REMAP_COMPARE_ABS("sum of IG attributions through attention", sum, mean - atBaseline,
                      0.02 * std::abs(mean - atBaseline) + 1e-4);
    const auto prepared = predictor.prepare(star_);
    const auto map = predictor.attentionMap(prepared, 1040.0, 1060.0);
    QCOMPARE(map.size(), std::size_t(kLength));
    REMAP_COMPARE_ABS("attention map sum", std::accumulate(map.begin(), map.end(), 0.0), 1.0, 1e-5);
    QVERIFY(*std::min_element(map.begin(), map.end()) >= 0.0f);
    QVERIFY_THROWS_EXCEPTION(Error, predictor.attentionMap(prepared, 1040.0, 1060.0, 1));  // one block only
    QVERIFY_THROWS_EXCEPTION(Error, predictor.attentionMap(prepared, 9000.0, 9100.0));     // off the grid
    QVERIFY_THROWS_EXCEPTION(Error, trained_->attentionMap(prepared, 1040.0, 1060.0));     // no attention stage
}

QTEST_GUILESS_MAIN(TestSaliency)
#include "test_ml_saliency.moc"
