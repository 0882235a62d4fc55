// Network shapes, softmax normalization, embedding norm, parameter names and eval-mode determinism; the
// attention stage (encoding, pre-norm residual structure, weights) and the photometric branch.
#include "TestSupport.h"
#include "base/Error.h"
#include "ml/Network.h"

#include <torch/torch.h>
#include <QTest>
#include <nlohmann/json.hpp>

#include <cmath>

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
    void wavelengthEncodingByHand();
    void attentionStageStructure();
    void attentionWeightsAreDistributions();
    void photometricBranch();
    void configurationValidation();
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

void TestNetwork::wavelengthEncodingByHand()
{
    // Periods from 2 pixels (pair 0) to 4 L (last pair), geometric in between.
    const int length = 16, width = 8;
    const auto pe = wavelengthEncoding(length, width);
    QCOMPARE(pe.sizes().vec(), (std::vector<int64_t>{16, 8}));
    REMAP_COMPARE_ABS("sin(2 pi 3 / 2)", pe[3][0].item<double>(), 0.0, 1e-6);
    REMAP_COMPARE_ABS("cos(2 pi 3 / 2)", pe[3][1].item<double>(), -1.0, 1e-6);
    REMAP_COMPARE_ABS("sin(2 pi 8 / 64)", pe[8][6].item<double>(), std::sin(M_PI / 4), 1e-6);
    // Pair 1 of 4: period 2 * (2 L)^(1/3) = 2 * 32^(1/3).
    const double period = 2.0 * std::cbrt(32.0);
    REMAP_COMPARE_ABS("pair 1", pe[5][2].item<double>(), std::sin(2 * M_PI * 5 / period), 1e-6);
}

void TestNetwork::attentionStageStructure()
{
    // Pre-norm residual blocks: with the output projections (proj, ff2) at zero every block is the
    // identity, and the stage reduces to LayerNorm(map^T + encoding).
    AttentionConfig config;
    config.layers = 2;
    config.heads = 4;
    AttentionStage stage(16, config);
    stage->eval();
    torch::NoGradGuard noGrad;
    for (auto& p : stage->named_parameters())
        if (p.key().find("proj") != std::string::npos || p.key().find("ff2") != std::string::npos) p.value().zero_();
    torch::manual_seed(4);
    const auto map = torch::randn({2, 16, 10});
    const auto expected =
        torch::layer_norm(map.transpose(1, 2) + wavelengthEncoding(10, 16).unsqueeze(0), {16}).transpose(1, 2);
    QVERIFY(torch::allclose(stage->forward(map), expected, 1e-5, 1e-5));
    // Names in the bundle format.
    NetworkConfig c;
    c.attention = config;
    RemapNet net(c, std::array<int, 3>{10, 10, 10});
    const auto params = net->named_parameters();
    for (const char* key : {"attention.blocks.0.qkv.weight", "attention.blocks.1.ff1.bias",
                            "attention.blocks.1.norm2.weight", "attention.norm.bias", "attention.blocks.0.proj.weight"})
        QVERIFY2(params.contains(key), key);
    QVERIFY(net->hasAttention() && !net->hasPhotometry());
    QVERIFY(!RemapNet(NetworkConfig{}, std::array<int, 3>{10, 10, 10})->hasAttention());
}

void TestNetwork::attentionWeightsAreDistributions()
{
    NetworkConfig c;
    c.inputLength = 1024;
    c.attention.layers = 2;
    c.attention.heads = 8;
    RemapNet net(c, std::array<int, 3>{10, 10, 10});
    net->eval();
    torch::NoGradGuard noGrad;
    auto x = 1.0 - 0.2 * torch::rand({3, 2, 1024});
    x.select(1, 1).zero_();
    const auto out = net->forward(x, {}, true);
    QCOMPARE(out.attention.size(), std::size_t(2));
    const auto l = c.featureLengths().back();
    QCOMPARE(out.attention[1].sizes().vec(), (std::vector<int64_t>{3, 8, l, l}));
    QVERIFY(torch::allclose(out.attention[0].sum(-1), torch::ones({3, 8, l}), 1e-5, 1e-5));
    QVERIFY(out.attention[0].min().item<double>() >= 0.0);
    QVERIFY(net->forward(x).attention.empty());  // only when asked for
}

void TestNetwork::photometricBranch()
{
    NetworkConfig c;
    c.inputLength = 512;
    c.stageWidths = {8, 16};
    c.blocksPerStage = {1, 1};
    c.stageKernels = {5, 3};
    c.photometry.enabled = true;
    c.photometry.inputs = {"phot_g_mean_mag", "bp_rp", "parallax"};
    torch::manual_seed(9);
    RemapNet net(c, std::array<int, 3>{12, 12, 12});
    net->eval();
    torch::NoGradGuard noGrad;
    auto x = 1.0 - 0.2 * torch::rand({2, 2, 512});
    x.select(1, 1).zero_();
    std::vector<Photometry> stars(2);
    const auto none = makePhotometryInput(stars, c.photometry);
    QCOMPARE(none.sizes().vec(), (std::vector<int64_t>{2, 2, 3}));
    QCOMPARE(none.select(1, 1).sum().item<double>(), 6.0);  // all missing
    // No photometry at all is the same as every entry missing.
    QVERIFY(torch::equal(net->forward(x).logits[0], net->forward(x, none).logits[0]));
    // A missing entry's value slot is ignored; a present one changes the answer.
    auto garbage = none.clone();
    garbage.select(1, 0).fill_(5.0);
    QVERIFY(torch::allclose(net->forward(x, garbage).logits[1], net->forward(x, none).logits[1]));
    stars[0].set(kPhotG, 9.0);
    stars[0].set(kTwoMassJ, 8.0);  // not an input of this network: ignored
    const auto some = makePhotometryInput(stars, c.photometry);
    REMAP_COMPARE_ABS("normalized G", some[0][0][0].item<double>(), (9.0 - 12.0) / 3.0, 1e-6);
    QCOMPARE(some[0][1][0].item<double>(), 0.0);
    QCOMPARE(some[0][1][1].item<double>(), 1.0);
    const auto with = net->forward(x, some), without = net->forward(x, none);
    QVERIFY((with.logits[0][0] - without.logits[0][0]).abs().max().item<double>() > 1e-7);
    QVERIFY(torch::equal(with.logits[0][1], without.logits[0][1]));  // the second star has none
    QVERIFY(torch::equal(with.embedding, without.embedding));        // the embedding is the spectrum's
    // The fixed transforms of docs/network.md.
    REMAP_COMPARE_ABS("parallax 1 mas", normalizePhotometry(kParallax, 1.0), std::asinh(1.0), 1e-12);
    REMAP_COMPARE_ABS("negative parallax", normalizePhotometry(kParallax, -0.5), std::asinh(-0.5), 1e-12);
    REMAP_COMPARE_ABS("E(B-V)", normalizePhotometry(kEbv, 0.4), 1.0, 1e-12);
    REMAP_COMPARE_ABS("clamped", normalizePhotometry(kTwoMassKs, 60.0), 8.0, 1e-12);
    QVERIFY_THROWS_EXCEPTION(remap::Error, net->forward(x, torch::zeros({2, 2, 8})));
}

void TestNetwork::configurationValidation()
{
    NetworkConfig c;
    c.attention.layers = 1;
    c.attention.heads = 3;  // does not divide 128
    QVERIFY_THROWS_EXCEPTION(remap::Error, c.validate());
    c.attention.heads = 4;
    c.validate();
    c.photometry.enabled = true;
    c.photometry.inputs = {"phot_g_mean_mag", "v_mag"};
    QVERIFY_THROWS_EXCEPTION(remap::Error, c.validate());
    c.photometry.inputs = {"bp_rp", "bp_rp"};
    QVERIFY_THROWS_EXCEPTION(remap::Error, c.validate());
    c.photometry.inputs = {};
    c.validate();
    QCOMPARE(c.photometry.names().size(), kPhotometryCount);
    // JSON round trip with the new keys.
    const auto j = nlohmann::json(c);
    QCOMPARE(j.get<NetworkConfig>(), c);
    auto partial = j;
    partial.erase("attention");
    QVERIFY_THROWS_EXCEPTION(remap::Error, partial.get<NetworkConfig>());
    QCOMPARE(upgradeNetworkJson(partial, 1).get<NetworkConfig>().attention.layers, 0);
}

QTEST_GUILESS_MAIN(TestNetwork)
#include "test_ml_network.moc"
