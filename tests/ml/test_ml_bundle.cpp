// Model bundles: round trip with identical outputs, raw-weight export/import, and clear errors for
// missing, truncated, foreign, newer, incomplete and mismatched bundles.
#include "TestSupport.h"
#include "base/Error.h"
#include "ml/ModelBundle.h"
#include "ml/TorchBundle.h"

#include <torch/torch.h>
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>

using namespace remap;

namespace {

ModelCard smallCard()
{
    ModelCard card;
    card.name = "test-model";
    card.description = "tiny network for tests";
    card.network.inputLength = 256;
    card.network.stemWidth = 4;
    card.network.stageWidths = {4, 8};
    card.network.blocksPerStage = {1, 2};
    card.network.stageKernels = {5, 3};
    card.network.embeddingSize = 6;
    card.bins.teff.count = 12;
    card.bins.logg.count = 9;
    card.bins.feh.count = 7;
    card.preprocess = {{"grid", {{"start", 5000.0}, {"end", 5700.0}, {"npix", 256}}}};
    card.training = {{"dataset", "none"}, {"seed", 7}};
    card.metrics = {{"teff_rmse", 123.4}};
    return card;
}

// Random batch-norm statistics, so a round trip that forgot the buffers would show.
void randomizeBuffers(ModelBundle& bundle)
{
    torch::NoGradGuard noGrad;
    for (auto& b : bundleNetwork(bundle)->named_buffers()) {
        if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0.0, 0.1);
        if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 2.0);
    }
}

torch::Tensor probe(int length)
{
    torch::manual_seed(11);
    auto x = 1.0 - 0.2 * torch::rand({3, 2, length});
    x.select(1, 1).zero_();
    return x;
}

std::array<torch::Tensor, 4> outputs(ModelBundle& bundle, const torch::Tensor& x)
{
    torch::NoGradGuard noGrad;
    bundleNetwork(bundle)->eval();
    const auto out = bundleNetwork(bundle)->forward(x);
    return {out.logits[0], out.logits[1], out.logits[2], out.embedding};
}

// Writes an archive in the bundle layout with chosen (possibly wrong) parts.
void writeCrafted(const std::string& path, int64_t version, const std::string& card, const RemapNet& weightsFrom)
{
    torch::serialize::OutputArchive root;
    root.write("format", c10::IValue(std::string("remap-model")));
    root.write("format_version", c10::IValue(version));
    root.write("card", c10::IValue(card));
    torch::serialize::OutputArchive weights;
    weightsFrom->save(weights);
    root.write("weights", weights);
    torch::serialize::OutputArchive reference;
    reference.write("embeddings", torch::zeros({0, 6}), true);
    reference.write("labels", torch::zeros({0, 3}, torch::kFloat64), true);
    reference.write("names", c10::IValue(std::string("[]")));
    root.write("reference", reference);
    root.save_to(path);
}

QString loadError(const std::string& path)
{
    try {
        ModelBundle::load(path);
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace

class TestBundle : public QObject {
    Q_OBJECT
private slots:
    void init() { QVERIFY(dir_.isValid()); }
    void roundTripGivesIdenticalOutputs();
    void saveIsAtomic();
    void rawWeightsRoundTrip();
    void missingFile();
    void truncatedFile();
    void foreignFile();
    void newerFormatVersion();
    void cardWithMissingKeys();
    void shapeMismatch();
    void architectureMismatch();
    void referenceSetValidation();

private:
    std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }
    QTemporaryDir dir_;
};

void TestBundle::roundTripGivesIdenticalOutputs()
{
    auto bundle = ModelBundle::create(smallCard(), 3);
    randomizeBuffers(bundle);
    ReferenceSet ref;
    ref.names = {"star-a.fits", "star-b.fits"};
    ref.labels = {{5777.0, 4.44, 0.0}, {4800.0, 2.5, -0.7}};
    ref.embeddings.assign(12, 0.0f);
    ref.embeddings[0] = 1.0f;
    ref.embeddings[7] = 1.0f;
    bundle.setReference(ref);
    Spectrum rvTemplate;
    rvTemplate.wavelength = {5000.0, 5000.5, 5001.0, 5001.5};
    rvTemplate.flux = {1.0, 0.5, 0.9, 1.0};
    rvTemplate.medium = Medium::Vacuum;
    rvTemplate.objectName = "solar template";
    bundle.setRvTemplate(rvTemplate);
    bundle.save(path("model.remap"));

    auto loaded = ModelBundle::load(path("model.remap"));
    QCOMPARE(nlohmann::json(loaded.card()).dump(), nlohmann::json(bundle.card()).dump());
    QCOMPARE(loaded.reference().names, ref.names);
    QCOMPARE(loaded.reference().labels, ref.labels);
    QCOMPARE(loaded.reference().embeddings, ref.embeddings);
    QCOMPARE(loaded.sourcePath(), path("model.remap"));
    QVERIFY(loaded.rvTemplate().has_value());
    QCOMPARE(loaded.rvTemplate()->wavelength, rvTemplate.wavelength);
    QCOMPARE(loaded.rvTemplate()->flux, rvTemplate.flux);
    QVERIFY(loaded.rvTemplate()->medium == Medium::Vacuum);
    QCOMPARE(loaded.rvTemplate()->objectName, std::string("solar template"));
    QVERIFY(!ModelBundle::create(smallCard()).rvTemplate().has_value());
    QCOMPARE(loaded.parameterCount(), bundle.parameterCount());
    const auto x = probe(256);
    const auto a = outputs(bundle, x);
    const auto b = outputs(loaded, x);
    for (int k = 0; k < 4; ++k) QVERIFY2(torch::equal(a[k], b[k]), qPrintable(QString("output %1").arg(k)));
    // clone() is a deep copy with the same outputs.
    auto copy = loaded.clone();
    QVERIFY(torch::equal(outputs(copy, x)[2], a[2]));
}

void TestBundle::saveIsAtomic()
{
    auto bundle = ModelBundle::create(smallCard(), 1);
    QVERIFY(QDir(dir_.path()).mkpath("atomic"));
    bundle.save(path("atomic/a.remap"));
    bundle.save(path("atomic/a.remap"));                                                      // overwrite in place
    QCOMPARE(QDir(dir_.filePath("atomic")).entryList(QDir::Files | QDir::Hidden).size(), 1);  // no temporary left
    QVERIFY_THROWS_EXCEPTION(Error, bundle.save(path("no-such-folder/a.remap")));
}

void TestBundle::rawWeightsRoundTrip()
{
    auto source = ModelBundle::create(smallCard(), 5);
    randomizeBuffers(source);
    source.exportRawWeights(path("raw"));
    QVERIFY(std::filesystem::exists(path("raw/weights.json")));
    QVERIFY(std::filesystem::exists(path("raw/weights.bin")));
    auto target = ModelBundle::create(smallCard(), 6);
    const auto x = probe(256);
    QVERIFY(!torch::equal(outputs(source, x)[0], outputs(target, x)[0]));
    target.importRawWeights(path("raw"));
    QVERIFY(torch::equal(outputs(source, x)[0], outputs(target, x)[0]));
    QVERIFY(torch::equal(outputs(source, x)[3], outputs(target, x)[3]));
    // A different architecture refuses the weights.
    auto other = smallCard();
    other.network.embeddingSize = 5;
    auto wrong = ModelBundle::create(other);
    QVERIFY_THROWS_EXCEPTION(Error, wrong.importRawWeights(path("raw")));
    // Truncated data.
    std::filesystem::resize_file(path("raw/weights.bin"), 100);
    QVERIFY_THROWS_EXCEPTION(Error, target.importRawWeights(path("raw")));
}

void TestBundle::missingFile()
{
    const auto message = loadError(path("absent.remap"));
    QVERIFY2(message.contains("does not exist") && message.contains("absent.remap"), qPrintable(message));
}

void TestBundle::truncatedFile()
{
    ModelBundle::create(smallCard()).save(path("full.remap"));
    const auto size = std::filesystem::file_size(path("full.remap"));
    std::filesystem::copy_file(path("full.remap"), path("cut.remap"));
    std::filesystem::resize_file(path("cut.remap"), size / 2);
    const auto message = loadError(path("cut.remap"));
    QVERIFY2(message.contains("cut.remap") && message.contains("truncated"), qPrintable(message));
}

void TestBundle::foreignFile()
{
    std::ofstream(path("notes.remap")) << "this is not a model\n";
    const auto message = loadError(path("notes.remap"));
    QVERIFY2(message.contains("not a readable REMAP model bundle"), qPrintable(message));
    // A torch archive of another kind.
    torch::serialize::OutputArchive other;
    other.write("something", torch::ones({2}));
    other.save_to(path("other.pt"));
    const auto otherMessage = loadError(path("other.pt"));
    QVERIFY2(otherMessage.contains("no 'format' entry"), qPrintable(otherMessage));
}

void TestBundle::newerFormatVersion()
{
    auto bundle = ModelBundle::create(smallCard());
    writeCrafted(path("v99.remap"), 99, nlohmann::json(bundle.card()).dump(), bundleNetwork(bundle));
    const auto message = loadError(path("v99.remap"));
    QVERIFY2(message.contains("version 99") && message.contains("newer"), qPrintable(message));
}

void TestBundle::cardWithMissingKeys()
{
    auto bundle = ModelBundle::create(smallCard());
    auto card = nlohmann::json(bundle.card());
    card.erase("bins");
    writeCrafted(path("nobins.remap"), 1, card.dump(), bundleNetwork(bundle));
    auto message = loadError(path("nobins.remap"));
    QVERIFY2(message.contains("missing key 'bins'") && message.contains("nobins.remap"), qPrintable(message));
    writeCrafted(path("badjson.remap"), 1, "{not json", bundleNetwork(bundle));
    message = loadError(path("badjson.remap"));
    QVERIFY2(message.contains("not valid JSON"), qPrintable(message));
}

void TestBundle::shapeMismatch()
{
    auto bundle = ModelBundle::create(smallCard());
    auto card = smallCard();
    card.bins.teff.count = 20;  // the stored head has 12 outputs
    writeCrafted(path("shape.remap"), 1, nlohmann::json(card).dump(), bundleNetwork(bundle));
    const auto message = loadError(path("shape.remap"));
    QVERIFY2(message.contains("shape mismatch for 'head_teff.weight'") && message.contains("[12, 8]") &&
                 message.contains("[20, 8]"),
             qPrintable(message));
}

void TestBundle::architectureMismatch()
{
    auto bundle = ModelBundle::create(smallCard());
    auto card = smallCard();
    card.network.blocksPerStage = {1, 1};  // the weights have a second block in stage 1
    writeCrafted(path("arch.remap"), 1, nlohmann::json(card).dump(), bundleNetwork(bundle));
    auto message = loadError(path("arch.remap"));
    QVERIFY2(message.contains("stages.1.1.") && message.contains("does not have"), qPrintable(message));
    card.network.blocksPerStage = {1, 3};  // ... or lack a third
    writeCrafted(path("arch2.remap"), 1, nlohmann::json(card).dump(), bundleNetwork(bundle));
    message = loadError(path("arch2.remap"));
    QVERIFY2(message.contains("lack tensor 'stages.1.2."), qPrintable(message));
}

void TestBundle::referenceSetValidation()
{
    auto bundle = ModelBundle::create(smallCard());
    ReferenceSet ref;
    ref.names = {"a"};
    ref.labels = {{5000, 4, 0}};
    ref.embeddings.assign(5, 0.0f);  // embedding size is 6
    QVERIFY_THROWS_EXCEPTION(Error, bundle.setReference(ref));
    auto card = bundle.card();
    card.metrics["teff_rmse"] = 80.0;
    bundle.setCard(card);
    QCOMPARE(bundle.card().metrics["teff_rmse"].get<double>(), 80.0);
    card.bins.feh.count = 8;
    QVERIFY_THROWS_EXCEPTION(Error, bundle.setCard(card));
}

QTEST_GUILESS_MAIN(TestBundle)
#include "test_ml_bundle.moc"
