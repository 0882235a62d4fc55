// Model bundles: round trip with identical outputs, raw-weight export/import, clear errors for
// missing, truncated, foreign, newer, incomplete and mismatched bundles, format-1 bundles, and the
// checksums: every bundle with flipped bits is refused, naming the damaged tensor where it lies in one.
#include "TestSupport.h"
#include "base/Error.h"
#include "ml/BundleContainer.h"
#include "ml/ModelBundle.h"
#include "ml/TorchBundle.h"

#include <torch/torch.h>
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

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

// Writes an archive in the bundle layout with chosen (possibly wrong) parts, sealed like a real bundle
// (so that the checks behind the checksums are reached), or as a bare zip (format 1) when !sealed.
void writeCrafted(const std::string& path, int64_t version, const std::string& card, const RemapNet& weightsFrom,
                  bool sealed = true)
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
    if (sealed)
        bundle_detail::writeSealed(root, path);
    else
        root.save_to(path);
}

std::string readBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeBytes(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A bundle with everything a bundle can hold: reference set, RV template, random batch-norm statistics.
ModelBundle fullBundle(const ModelCard& card, std::uint64_t seed)
{
    auto bundle = ModelBundle::create(card, seed);
    randomizeBuffers(bundle);
    ReferenceSet ref;
    ref.names = {"star-a.fits", "star-b.fits", "star-c.fits"};
    ref.labels = {{5777.0, 4.44, 0.0}, {4800.0, 2.5, -0.7}, {6100.0, 4.1, 0.2}};
    ref.embeddings.assign(3 * static_cast<std::size_t>(card.network.embeddingSize), 0.25f);
    bundle.setReference(ref);
    Spectrum rv;
    for (int i = 0; i < 64; ++i) {
        rv.wavelength.push_back(5000.0 + 0.5 * i);
        rv.flux.push_back(1.0 - 0.3 * (i % 7 == 0));
    }
    rv.medium = Medium::Vacuum;
    rv.objectName = "template";
    bundle.setRvTemplate(rv);
    return bundle;
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
    void formatOneBundleIsRefusedAndConverts();
    void formatOneCardGetsVersionedDefaults();
    void everyFlippedBitIsRefused();
    void damageNamesTheTensorAndTheCard();
    void damagedHeaderIsRefused();

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

void TestBundle::formatOneBundleIsRefusedAndConverts()
{
    // A bundle as REMAP Studio wrote it before checksums: a bare torch archive with a format-1 card.
    auto bundle = ModelBundle::create(smallCard(), 4);
    randomizeBuffers(bundle);
    auto card = nlohmann::json(bundle.card());
    card["format_version"] = 1;
    card["network"].erase("attention");
    card["network"].erase("photometry");
    writeCrafted(path("v1.remap"), 1, card.dump(), bundleNetwork(bundle), false);
    const auto message = loadError(path("v1.remap"));
    QVERIFY2(message.contains("v1.remap") && message.contains("format 1") && message.contains("checksums"),
             qPrintable(message));
    // The one-off conversion: read unverified, save with checksums; then it loads and predicts the same.
    auto legacy = ModelBundle::loadUnverifiedLegacy(path("v1.remap"));
    QCOMPARE(legacy.card().network.attention.layers, 0);
    QVERIFY(!legacy.card().network.photometry.enabled);
    legacy.save(path("converted.remap"));
    auto converted = ModelBundle::load(path("converted.remap"));
    QCOMPARE(converted.card().formatVersion, ModelCard::kFormatVersion);
    const auto x = probe(256);
    QVERIFY(torch::equal(outputs(converted, x)[0], outputs(bundle, x)[0]));
    // A zip that is not a bundle at all is named as such, also on the legacy route.
    torch::serialize::OutputArchive other;
    other.write("something", torch::ones({2}));
    other.save_to(path("other2.pt"));
    QVERIFY_THROWS_EXCEPTION(Error, ModelBundle::loadUnverifiedLegacy(path("other2.pt")));
}

void TestBundle::formatOneCardGetsVersionedDefaults()
{
    // Format 1 cards lack "attention" and "photometry": they mean "none". Format 2 cards must have them.
    auto j = nlohmann::json(smallCard());
    j["network"].erase("attention");
    j["network"].erase("photometry");
    j["format_version"] = 1;
    const auto card = j.get<ModelCard>();
    QCOMPARE(card.network.attention.layers, 0);
    QVERIFY(!card.network.photometry.enabled);
    j["format_version"] = 2;
    try {
        (void)j.get<ModelCard>();
        QFAIL("a format-2 card without 'attention' was accepted");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("missing key 'attention'"), e.what());
    }
}

void TestBundle::everyFlippedBitIsRefused()
{
    // Issue 13: bundles with randomly flipped bits used to load and predict. Now every one must be refused
    // with an error naming the file, wherever the bits land (tensor data, zip structure, padding, header).
    auto card = smallCard();
    card.network.attention.layers = 1;
    card.network.attention.heads = 2;
    card.network.photometry.enabled = true;
    fullBundle(card, 8).save(path("intact.remap"));
    QVERIFY(loadError(path("intact.remap")).isEmpty());
    const std::string intact = readBytes(path("intact.remap"));
    int refused = 0, named = 0;
    const int trials = 400;
    for (int seed = 1; seed <= trials; ++seed) {
        std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
        std::string damaged = intact;
        const int flips = seed % 4 == 0 ? 1 + static_cast<int>(rng() % 8) : 1;  // mostly one bit, some bursts
        for (int f = 0; f < flips; ++f) {
            const auto bit = rng() % (damaged.size() * 8);
            damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
        }
        if (damaged == intact) continue;  // two flips of the same bit cancel
        writeBytes(path("damaged.remap"), damaged);
        const auto message = loadError(path("damaged.remap"));
        if (message.isEmpty()) QFAIL(qPrintable(QString("seed %1: a damaged bundle loaded").arg(seed)));
        QVERIFY2(message.contains("damaged.remap"), qPrintable(message));
        ++refused;
        named += message.contains("tensor '") ? 1 : 0;
    }
    qInfo("%d of %d damaged bundles refused; %d errors name the damaged tensor", refused, trials, named);
    QVERIFY(refused >= trials - 5);
    QVERIFY(named > 0);
}

void TestBundle::damageNamesTheTensorAndTheCard()
{
    auto bundle = fullBundle(smallCard(), 9);
    bundle.save(path("named.remap"));
    const std::string intact = readBytes(path("named.remap"));
    // The bytes of one tensor as stored (little-endian float32) are found in the file; flip a bit in the middle.
    const auto w = bundleNetwork(bundle)->named_parameters()["stages.1.1.conv2.weight"].contiguous();
    const std::string raw(static_cast<const char*>(w.data_ptr()), static_cast<std::size_t>(w.numel()) * 4);
    const auto at = intact.find(raw);
    QVERIFY(at != std::string::npos);
    std::string damaged = intact;
    damaged[at + raw.size() / 2] = static_cast<char>(damaged[at + raw.size() / 2] ^ 0x10);
    writeBytes(path("named-damaged.remap"), damaged);
    auto message = loadError(path("named-damaged.remap"));
    QVERIFY2(message.contains("tensor 'weights/stages.1.1.conv2.weight'") && message.contains("named-damaged.remap"),
             qPrintable(message));
    // A changed character of the card's JSON.
    const std::string key = "\"teff_rmse\"";
    const auto cardAt = intact.find(key);
    QVERIFY(cardAt != std::string::npos);
    damaged = intact;
    damaged[cardAt + 2] = 'x';
    writeBytes(path("card-damaged.remap"), damaged);
    message = loadError(path("card-damaged.remap"));
    QVERIFY2(message.contains("'card'") && message.contains("does not match its checksum"), qPrintable(message));
}

void TestBundle::damagedHeaderIsRefused()
{
    ModelBundle::create(smallCard()).save(path("h.remap"));
    const std::string intact = readBytes(path("h.remap"));
    QCOMPARE(intact.substr(0, 8), std::string("REMAPMDL"));
    std::string newer = intact;
    newer[8] = 3;  // container version 3
    writeBytes(path("h3.remap"), newer);
    auto message = loadError(path("h3.remap"));
    QVERIFY2(message.contains("version 3") && message.contains("update REMAP Studio"), qPrintable(message));
    writeBytes(path("long.remap"), intact + "x");
    message = loadError(path("long.remap"));
    QVERIFY2(message.contains("longer than its header"), qPrintable(message));
}

QTEST_GUILESS_MAIN(TestBundle)
#include "test_ml_bundle.moc"
