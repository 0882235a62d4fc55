// Inference path (ml/NetworkInference.h): batch norm folded into the convolutions gives the network's own
// outputs; on the shipped (trained) model and the three demo stars at several noise draws the default
// precision keeps posterior means within 1 % of a bin width of the unfolded float32 network, and the
// opt-in bf16 trunk stays within the documented one bin width (about 0.5-0.7 measured).
#include "TestSupport.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"
#include "ml/NetworkInference.h"
#include "ml/Predictor.h"
#include "ml/TorchBundle.h"

#include <torch/torch.h>
#include <QTest>

#include <random>

using namespace remap;

namespace {

// Random batch-norm statistics and affine parameters, so that a wrong fold shows.
void randomizeBatchNorm(ModelBundle& bundle)
{
    torch::NoGradGuard noGrad;
    for (auto& b : bundleNetwork(bundle)->named_buffers()) {
        if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0.0, 0.3);
        if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.3, 3.0);
    }
    for (auto& p : bundleNetwork(bundle)->named_parameters())
        if (p.key().find("bn") != std::string::npos) p.value().uniform_(0.5, 1.5);
}

torch::Tensor spectra(int batch, int length)
{
    torch::manual_seed(5);
    auto x = 1.0 - 0.1 * torch::rand({batch, 2, length});
    for (int line = 50; line < length; line += 300) x.narrow(2, line, 6).select(1, 0).sub_(0.5);
    x.select(1, 1).zero_();
    x.narrow(2, 700, 200).select(1, 1).fill_(1.0);
    x.narrow(2, 700, 200).select(1, 0).fill_(1.0);
    return x;
}

std::string shippedModel()
{
    return test::sourceDir() + "/models/deep-remap.remap";
}

}  // namespace

class TestInference : public QObject {
    Q_OBJECT
private slots:
    void foldedFloat32EqualsTheNetwork();
    void foldedPlanCarriesAttentionAndPhotometry();
    void precisionChoice();
    void posteriorMeansAgainstTheUnfoldedNetwork();
};

void TestInference::foldedFloat32EqualsTheNetwork()
{
    ModelCard card;
    auto bundle = ModelBundle::create(card, 3);
    randomizeBatchNorm(bundle);
    auto& net = bundleNetwork(bundle);
    net->eval();
    const auto x = spectra(4, card.network.inputLength);
    torch::NoGradGuard noGrad;
    const auto reference = net->forward(x);
    const InferencePlan plan(net, torch::kCPU, InferencePrecision::Float32);
    const auto folded = plan.forward(x);
    for (int p = 0; p < 3; ++p) {
        const double diff =
            (torch::softmax(folded.logits[p], 1) - torch::softmax(reference.logits[p], 1)).abs().max().item<double>();
        QVERIFY2(diff < 1e-5, qPrintable(QString("head %1 differs by %2").arg(p).arg(diff)));
    }
    QVERIFY((folded.embedding - reference.embedding).abs().max().item<double>() < 1e-5);
    // The fold used the statistics: without batch norm the outputs would differ by much more.
    QVERIFY((reference.logits[0] - reference.logits[0].mean()).abs().max().item<double>() > 1e-2);
}

void TestInference::foldedPlanCarriesAttentionAndPhotometry()
{
    ModelCard card;
    card.network.inputLength = 1024;
    card.network.attention.layers = 2;
    card.network.photometry.enabled = true;
    auto bundle = ModelBundle::create(card, 4);
    randomizeBatchNorm(bundle);
    auto& net = bundleNetwork(bundle);
    net->eval();
    const auto x = spectra(3, 1024);
    std::vector<Photometry> stars(3);
    stars[0].set(kPhotG, 9.8);
    stars[0].set(kPhotBpRp, 1.1);
    stars[1].set(kParallax, 12.0);
    const auto phot = makePhotometryInput(stars, card.network.photometry);
    torch::NoGradGuard noGrad;
    const auto reference = net->forward(x, phot, true);
    const auto folded = InferencePlan(net, torch::kCPU, InferencePrecision::Float32).forward(x, phot, true);
    QCOMPARE(folded.attention.size(), std::size_t(2));
    QVERIFY((folded.logits[1] - reference.logits[1]).abs().max().item<double>() < 1e-4);
    QVERIFY((folded.attention[1] - reference.attention[1]).abs().max().item<double>() < 1e-5);
}

void TestInference::precisionChoice()
{
    QVERIFY(chooseInferencePrecision("fp32") == InferencePrecision::Float32);
    QVERIFY(chooseInferencePrecision("bf16") == InferencePrecision::BFloat16);
    QVERIFY(chooseInferencePrecision("auto") == InferencePrecision::Float32);
    QVERIFY_THROWS_EXCEPTION(UsageError, chooseInferencePrecision("int4"));
    qInfo("this CPU has native bf16: %s", cpuHasNativeBf16() ? "yes" : "no");
}

void TestInference::posteriorMeansAgainstTheUnfoldedNetwork()
{
    // The shipped model (trained: sharp posteriors) on the demo stars, each at 8 noise draws of S/N 30 to
    // noiseless. Reference: the bundle's network itself (batch norm unfolded, float32), as training and
    // the Python reference compute it.
    auto bundle = ModelBundle::load(shippedModel());
    auto& net = bundleNetwork(bundle);
    net->eval();
    PredictorOptions options;
    options.device = "cpu";
    const Predictor fp32(bundle.clone(), options);
    options.precision = "bf16";
    const Predictor bf16(bundle.clone(), options);
    QCOMPARE(QString::fromStdString(fp32.precisionName()), QString("fp32"));  // the default
    QCOMPARE(QString::fromStdString(bf16.precisionName()), QString("bf16"));
    std::vector<PreparedSpectrum> prepared;
    std::mt19937_64 rng(12);
    std::normal_distribution<double> gauss(0.0, 1.0);
    for (const char* name : {"demo-sun-like-dwarf.fits", "demo-k-giant.fits", "demo-metal-poor-dwarf.fits"}) {
        const Spectrum star = readSpectrum(test::sourceDir() + "/resources/demo/" + name);
        for (double snr : {30.0, 50.0, 80.0, 100.0, 120.0, 150.0, 200.0, 1e9}) {
            Spectrum noisy = star;
            for (auto& f : noisy.flux) f *= 1.0 + gauss(rng) / snr;
            prepared.push_back(fp32.prepare(noisy));
        }
    }
    std::vector<float> flux, mask;
    for (const auto& p : prepared) {
        flux.insert(flux.end(), p.flux.begin(), p.flux.end());
        for (auto m : p.mask) mask.push_back(m ? 1.0f : 0.0f);
    }
    const auto n = static_cast<int>(prepared.size());
    const auto x = makeNetworkInput(flux, mask, n, bundle.card().network.inputLength);
    std::array<torch::Tensor, 3> reference;
    {
        torch::NoGradGuard noGrad;
        const auto out = net->forward(x);
        for (Param p : kAllParams) {
            const auto k = static_cast<std::size_t>(p);
            reference[k] = posteriorMean(out.logits[k] / bundle.card().temperature[k], bundle.card().bins[p].centres());
        }
    }
    const auto a = fp32.predictPrepared(prepared), b = bf16.predictPrepared(prepared);
    std::array<double, 3> worst32{}, worst16{};
    for (int i = 0; i < n; ++i)
        for (Param p : kAllParams) {
            const auto k = static_cast<std::size_t>(p);
            const double w = bundle.card().bins[p].width(), ref = reference[k][i].item<double>();
            worst32[k] = std::max(worst32[k], std::abs(a[static_cast<std::size_t>(i)][int(k)].mean - ref) / w);
            worst16[k] = std::max(worst16[k], std::abs(b[static_cast<std::size_t>(i)][int(k)].mean - ref) / w);
        }
    qInfo("posterior means against the unfolded float32 network, worst of %d spectra, in bin widths:", n);
    qInfo("  fp32 (folded): Teff %.2g, log g %.2g, [Fe/H] %.2g", worst32[0], worst32[1], worst32[2]);
    qInfo("  bf16:          Teff %.3f, log g %.3f, [Fe/H] %.3f", worst16[0], worst16[1], worst16[2]);
    for (double w : worst32) QVERIFY2(w < 0.01, qPrintable(QString::number(w)));
    for (double w : worst16) QVERIFY2(w < 1.0, qPrintable(QString::number(w)));
}

QTEST_GUILESS_MAIN(TestInference)
#include "test_ml_inference.moc"
