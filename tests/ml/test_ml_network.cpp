// Network shapes, softmax normalization, embedding norm, parameter names and eval-mode determinism.
#include "TestSupport.h"
#include "base/Error.h"
#include "ml/Network.h"

#include <torch/torch.h>
#include <QTest>

using namespace remap;

class TestNetwork : public QObject {
    Q_OBJECT
private slots:
    void outputShapesAndNormalization();
    void stagesDownsampleWithProjectionShortcuts();
    void parameterNamesAreStable();
    void evalIsDeterministicAndBatchIndependent();
    void maskedPixelsAreFilledWithContinuum();
    void wrongInputShapeThrows();
};

void TestNetwork::outputShapesAndNormalization()
{
    torch::manual_seed(1);
    const LabelBins bins;
    RemapNet net(NetworkConfig{}, bins.counts());
    net->eval();
    auto x = 1.0 - 0.3 * torch::rand({3, 2, 4096});
    const auto out = net->forward(x.index_put_({torch::indexing::Slice(), 1}, 0.0));
    QCOMPARE(out.logits[0].sizes().vec(), (std::vector<int64_t>{3, 140}));
    QCOMPARE(out.logits[1].sizes().vec(), (std::vector<int64_t>{3, 110}));
    QCOMPARE(out.logits[2].sizes().vec(), (std::vector<int64_t>{3, 130}));
    QCOMPARE(out.embedding.sizes().vec(), (std::vector<int64_t>{3, 16}));
    QCOMPARE(out.features.sizes().vec(), (std::vector<int64_t>{3, 128}));
    for (int p = 0; p < 3; ++p) {
        const auto sums = torch::softmax(out.logits[p], 1).sum(1);
        QVERIFY(torch::allclose(sums, torch::ones({3}), 1e-5, 1e-6));
    }
    QVERIFY(torch::allclose(out.embedding.norm(2, 1), torch::ones({3}), 1e-5, 1e-6));
    // The posterior mean lies inside the bin range.
    const auto mean = posteriorMean(out.logits[0], bins.teff.centres());
    QVERIFY(mean.min().item<double>() > 3500 && mean.max().item<double>() < 7000);
}

void TestNetwork::stagesDownsampleWithProjectionShortcuts()
{
    const NetworkConfig c;
    RemapNet net(c, std::array<int, 3>{10, 10, 10});
    int projections = 0, identities = 0;
    for (const auto& m : net->modules(false)) {
        if (auto* block = m->as<ResidualBlockImpl>()) (block->projects() ? projections : identities)++;
    }
    // The first stage keeps the stem width (16): all V1. Each later stage opens with one V2.
    QCOMPARE(projections, 3);
    QCOMPARE(identities, 5);
    // Parameter count stays small enough for fast CPU inference (documented in docs/network.md).
    int64_t count = 0;
    for (const auto& p : net->parameters()) count += p.numel();
    QVERIFY2(count < 400000, qPrintable(QString::number(count)));
    qInfo("default network: %lld parameters", static_cast<long long>(count));
}

void TestNetwork::parameterNamesAreStable()
{
    RemapNet net(NetworkConfig{}, std::array<int, 3>{140, 110, 130});
    const auto params = net->named_parameters();
    const auto buffers = net->named_buffers();
    for (const char* key :
         {"stem.conv.weight", "stem.bn.weight", "stages.0.0.conv1.weight", "stages.1.0.shortcut_conv.weight",
          "stages.3.1.bn2.bias", "embedding.weight", "head_teff.weight", "head_feh.bias"})
        QVERIFY2(params.contains(key), key);
    QVERIFY(buffers.contains("stages.2.0.shortcut_bn.running_var"));
    QVERIFY(!params.contains("stages.0.0.shortcut_conv.weight"));
}

void TestNetwork::evalIsDeterministicAndBatchIndependent()
{
    torch::manual_seed(2);
    NetworkConfig c;
    c.stageWidths = {8, 16};
    c.blocksPerStage = {1, 1};
    c.stageKernels = {5, 3};
    c.inputLength = 512;
    RemapNet net(c, std::array<int, 3>{20, 20, 20});
    net->eval();
    torch::NoGradGuard noGrad;
    auto x = torch::ones({4, 2, 512}) - 0.1 * torch::rand({4, 2, 512});
    x.select(1, 1).zero_();
    const auto all = net->forward(x);
    const auto again = net->forward(x);
    QVERIFY(torch::equal(all.logits[1], again.logits[1]));
    const auto single = net->forward(x.narrow(0, 2, 1));
    QVERIFY(torch::allclose(single.logits[2], all.logits[2].narrow(0, 2, 1), 1e-5, 1e-6));
}

void TestNetwork::maskedPixelsAreFilledWithContinuum()
{
    const auto in = makeNetworkInput({0.5f, 7.0f, 0.9f, 0.8f}, {0, 1, 0, 0}, 2, 2);
    QCOMPARE(in.sizes().vec(), (std::vector<int64_t>{2, 2, 2}));
    QCOMPARE(in[0][0][1].item<float>(), 1.0f);  // masked: continuum
    QCOMPARE(in[0][1][1].item<float>(), 1.0f);  // mask channel
    QCOMPARE(in[1][0][0].item<float>(), 0.9f);
    QCOMPARE(in[1][1][0].item<float>(), 0.0f);
}

void TestNetwork::wrongInputShapeThrows()
{
    RemapNet net(NetworkConfig{}, std::array<int, 3>{10, 10, 10});
    QVERIFY_THROWS_EXCEPTION(remap::Error, net->forward(torch::ones({1, 1, 4096})));
    QVERIFY_THROWS_EXCEPTION(remap::Error, net->forward(torch::ones({1, 2, 4000})));
}

QTEST_GUILESS_MAIN(TestNetwork)
#include "test_ml_network.moc"
