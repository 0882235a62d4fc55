// The Predictor through its torch-free API: the one preprocessing chain, posteriors, flags, batches,
// threads, devices and nearest neighbours.
#include "TestSupport.h"
#include "base/Error.h"
#include "ml/Predictor.h"
#include "prep/PreprocessSpec.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <future>
#include <numeric>
#include <random>

using namespace remap;

namespace {

ModelCard marvelsCard()
{
    ModelCard card;
    card.name = "untrained-marvels";
    card.network.stemWidth = 8;
    card.network.stageWidths = {8, 16, 32};
    card.network.blocksPerStage = {1, 1, 1};
    card.network.stageKernels = {7, 5, 3};
    card.network.embeddingSize = 8;
    card.preprocess = PreprocessSpec{}.toJson();  // 5000-5700 A, 4096 pixels, R 11000
    return card;
}

// A star-like spectrum in air: sloped continuum, a few absorption lines, Gaussian noise at `snr`.
Spectrum starSpectrum(double lo, double hi, double snr, std::uint64_t seed)
{
    Spectrum s;
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    const double lines[] = {5167.3, 5172.7, 5183.6, 5232.9, 5269.5, 5328.0, 5405.8, 5446.9, 5586.8, 5615.6};
    for (double w = lo; w <= hi; w += 0.05) {
        double f = 1.0 + 2e-4 * (w - 5300.0);
        for (double c : lines) f *= 1.0 - 0.5 * std::exp(-0.5 * std::pow((w - c) / 0.15, 2));
        s.wavelength.push_back(w);
        s.flux.push_back(f * (1.0 + noise(rng) / snr));
        s.ivar.push_back(std::pow(snr / f, 2));
    }
    s.medium = Medium::Air;
    s.provenance.file = "star-" + std::to_string(seed) + ".fits";
    s.finalize();
    return s;
}

PredictorOptions cpu()
{
    PredictorOptions o;
    o.device = "cpu";
    return o;
}

double sum(const std::vector<double>& v)
{
    return std::accumulate(v.begin(), v.end(), 0.0);
}

}  // namespace

class TestPredictor : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void predictionIsComplete();
    void gridIsThePreprocessingGrid();
    void batchEqualsSingle();
    void concurrentCallsAgree();
    void flagsForPoorSpectra();
    void failuresNameTheFile();
    void deviceSelection();
    void cudaMatchesCpu();
    void preprocessingMustFitTheNetwork();
    void nearestNeighbours();
    void loadsFromFile();

private:
    std::optional<Predictor> predictor_;
};

void TestPredictor::initTestCase()
{
    predictor_.emplace(ModelBundle::create(marvelsCard(), 4), cpu());
}

void TestPredictor::predictionIsComplete()
{
    const auto p = predictor_->predict(starSpectrum(4990, 5710, 100, 1));
    QCOMPARE(p.source, std::string("star-1.fits"));
    const LabelBins bins;
    for (Param param : kAllParams) {
        const auto& post = p[static_cast<int>(param)];
        QCOMPARE(post.binCentres, bins[param].centres());
        REMAP_COMPARE_ABS("probabilities sum", sum(post.probabilities), 1.0, 1e-9);
        QVERIFY(post.p16 <= post.median && post.median <= post.p84);
        QVERIFY(post.hdi95Lo <= post.hdi68Lo && post.hdi68Hi <= post.hdi95Hi);
        QVERIFY(post.mean > bins[param].min && post.mean < bins[param].max);
    }
    QCOMPARE(p.embedding.size(), std::size_t(8));
    double norm = 0;
    for (float v : p.embedding) norm += double(v) * v;
    REMAP_COMPARE_ABS("embedding norm", std::sqrt(norm), 1.0, 1e-5);
    REMAP_COMPARE_REL("S/N", p.snr, 100.0, 0.2);  // DER_SNR of the input
    QVERIFY(std::isnan(p.rv));                    // no RV template in this bundle
    QCOMPARE(p.maskedFraction, 0.0);
}

void TestPredictor::gridIsThePreprocessingGrid()
{
    const auto& grid = predictor_->grid();
    QCOMPARE(grid.size(), std::size_t(4096));
    REMAP_COMPARE_ABS("first", grid.front(), 5000.0, 1e-6);
    REMAP_COMPARE_ABS("last", grid.back(), 5700.0, 1e-6);
    const auto prepared = predictor_->prepare(starSpectrum(4990, 5710, 100, 1));
    QCOMPARE(prepared.flux.size(), std::size_t(4096));
    QCOMPARE(predictor_->saliency(starSpectrum(4990, 5710, 100, 1), Param::Logg, SaliencyMethod::Gradient).size(),
             std::size_t(4096));
}

void TestPredictor::batchEqualsSingle()
{
    std::vector<Spectrum> spectra;
    for (std::uint64_t seed = 10; seed < 15; ++seed) spectra.push_back(starSpectrum(4990, 5710, 50, seed));
    PredictorOptions o = cpu();
    o.batchSize = 2;  // several forward passes
    o.threads = 2;
    Predictor batched(ModelBundle::create(marvelsCard(), 4), o);
    const auto all = batched.predictBatch(spectra);
    QCOMPARE(all.size(), spectra.size());
    for (std::size_t i = 0; i < spectra.size(); ++i) {
        const auto one = predictor_->predict(spectra[i]);
        QCOMPARE(all[i].source, one.source);
        for (int p = 0; p < 3; ++p)
            for (std::size_t k = 0; k < one[p].probabilities.size(); ++k)
                REMAP_COMPARE_ABS("probability", all[i][p].probabilities[k], one[p].probabilities[k], 1e-6);
    }
}

void TestPredictor::concurrentCallsAgree()
{
    const auto spectrum = starSpectrum(4990, 5710, 80, 21);
    const auto reference = predictor_->predict(spectrum).teff.mean;
    std::vector<std::future<double>> futures;
    for (int t = 0; t < 4; ++t)
        futures.push_back(std::async(std::launch::async, [&] { return predictor_->predict(spectrum).teff.mean; }));
    for (auto& f : futures) REMAP_COMPARE_ABS("Teff from another thread", f.get(), reference, 1e-6);
}

void TestPredictor::flagsForPoorSpectra()
{
    auto has = [](const Prediction& p, const std::string& prefix) {
        return std::any_of(p.flags.begin(), p.flags.end(),
                           [&](const std::string& f) { return f.rfind(prefix, 0) == 0; });
    };
    const auto noisy = predictor_->predict(starSpectrum(4990, 5710, 8, 2));
    QVERIFY(has(noisy, "low_snr"));
    QVERIFY(has(noisy, "preprocessing: low S/N"));
    // Covers 5000-5400 of 5000-5700 A: ~43 % of the grid masked.
    const auto partial = predictor_->predict(starSpectrum(4990, 5400, 100, 3));
    QVERIFY2(partial.maskedFraction > 0.35 && partial.maskedFraction < 0.5,
             qPrintable(QString::number(partial.maskedFraction)));
    QVERIFY(has(partial, "many_masked_pixels"));
    QVERIFY(!has(predictor_->predict(starSpectrum(4990, 5710, 100, 4)), "many_masked_pixels"));
    // Unknown medium: assumed air, with the preprocessing warning passed on.
    auto unknown = starSpectrum(4990, 5710, 100, 5);
    unknown.medium = Medium::Unknown;
    QVERIFY(has(predictor_->predict(unknown), "preprocessing: the wavelength medium is unknown"));
}

void TestPredictor::failuresNameTheFile()
{
    const auto elsewhere = starSpectrum(6000, 6500, 100, 6);
    try {
        predictor_->predict(elsewhere);
        QFAIL("a spectrum outside the grid was accepted");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("star-6.fits") && QString(e.what()).contains("does not overlap"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(Error, predictor_->predictBatch({starSpectrum(4990, 5710, 100, 1), elsewhere}));
}

void TestPredictor::deviceSelection()
{
    QCOMPARE(Predictor(ModelBundle::create(marvelsCard()), PredictorOptions{}).deviceName(),
             std::string(cudaAvailable() ? "cuda" : "cpu"));
    PredictorOptions o;
    o.device = "cuda";
    if (!cudaAvailable()) {
        try {
            Predictor p(ModelBundle::create(marvelsCard()), o);
            QFAIL("cuda accepted without CUDA");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("CUDA was requested but is not available"), e.what());
        }
    }
    o.device = "tpu";
    QVERIFY_THROWS_EXCEPTION(UsageError, Predictor(ModelBundle::create(marvelsCard()), o));
}

void TestPredictor::cudaMatchesCpu()
{
    if (!cudaAvailable()) QSKIP("no CUDA device (GPU check)");
    PredictorOptions o;
    o.device = "cuda";
    Predictor gpu(ModelBundle::create(marvelsCard(), 4), o);
    QCOMPARE(gpu.deviceName(), std::string("cuda"));
    const auto star = starSpectrum(4990, 5710, 100, 9);
    const auto a = gpu.predict(star);
    const auto b = predictor_->predict(star);
    for (int p = 0; p < 3; ++p)
        for (std::size_t k = 0; k < a[p].probabilities.size(); ++k)
            REMAP_COMPARE_ABS("GPU vs CPU probability", a[p].probabilities[k], b[p].probabilities[k], 1e-4);
    const auto ga = gpu.saliency(star, Param::Teff, SaliencyMethod::IntegratedGradients);
    const auto gb = predictor_->saliency(star, Param::Teff, SaliencyMethod::IntegratedGradients);
    double diff = 0, norm = 0;
    for (std::size_t i = 0; i < ga.size(); ++i) {
        diff += std::pow(double(ga[i]) - gb[i], 2);
        norm += double(gb[i]) * gb[i];
    }
    QVERIFY2(std::sqrt(diff / norm) < 1e-3, qPrintable(QString::number(std::sqrt(diff / norm))));
}

void TestPredictor::preprocessingMustFitTheNetwork()
{
    auto card = marvelsCard();
    card.network.inputLength = 2048;  // the spec makes 4096 pixels
    try {
        Predictor p(ModelBundle::create(card), cpu());
        QFAIL("mismatch accepted");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("4096 pixels but its network reads 2048"), e.what());
    }
    card = marvelsCard();
    card.preprocess["resolving_power"] = -1.0;
    QVERIFY_THROWS_EXCEPTION(Error, Predictor(ModelBundle::create(card), cpu()));
}

void TestPredictor::nearestNeighbours()
{
    auto bundle = ModelBundle::create(marvelsCard(), 4);
    const auto star = starSpectrum(4990, 5710, 100, 7);
    std::vector<float> e = predictor_->predict(star).embedding;  // same weights (seed 4)
    ReferenceSet ref;
    std::vector<float> opposite(e), other(8, 0.0f);
    for (float& v : opposite) v = -v;
    other[0] = 1.0f;
    ref.names = {"opposite", "same", "other"};
    ref.labels = {{4000, 2, -1}, {5777, 4.44, 0}, {6500, 4, 0.3}};
    for (const auto* row : {&opposite, &e, &other})
        ref.embeddings.insert(ref.embeddings.end(), row->begin(), row->end());
    bundle.setReference(ref);
    Predictor withRef(std::move(bundle), cpu());
    const auto nn = withRef.nearestNeighbours(withRef.predict(star), 2);
    QCOMPARE(nn.size(), std::size_t(2));
    QCOMPARE(nn[0].name, std::string("same"));
    REMAP_COMPARE_ABS("distance to itself", nn[0].distance, 0.0, 1e-6);
    QCOMPARE(nn[0].labels[0], 5777.0);
    QCOMPARE(nn[1].name, std::string("other"));
    const auto everything = withRef.nearestNeighbours(withRef.predict(star), 10);
    QCOMPARE(everything.size(), std::size_t(3));
    REMAP_COMPARE_ABS("opposite", everything[2].distance, 2.0, 1e-6);
    QVERIFY(predictor_->nearestNeighbours(predictor_->predict(star), 3).empty());  // no reference set
}

void TestPredictor::loadsFromFile()
{
    QTemporaryDir dir;
    const auto path = dir.filePath("m.remap").toStdString();
    ModelBundle::create(marvelsCard(), 4).save(path);
    Predictor fromFile(path, cpu());
    const auto star = starSpectrum(4990, 5710, 100, 8);
    REMAP_COMPARE_ABS("same prediction", fromFile.predict(star).feh.mean, predictor_->predict(star).feh.mean, 1e-9);
    QCOMPARE(fromFile.bundle().sourcePath(), path);
}

QTEST_GUILESS_MAIN(TestPredictor)
#include "test_ml_predictor.moc"
