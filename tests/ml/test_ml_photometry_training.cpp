// Photometry through the training pipeline: the optional /photometry column of HDF5 training sets (read
// back by h5py, an independent reader), the training tables, and a pretraining run of a network with a
// photometric branch whose branch weights learn from the batches.
#include "TestSupport.h"
#include "TinyTrainingData.h"
#include "data/TrainingSet.h"
#include "ml/Predictor.h"
#include "ml/TorchBundle.h"
#include "train/TrainData.h"
#include "train/Trainer.h"

#include <torch/torch.h>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace remap;

namespace {

constexpr std::size_t kPixels = 128;

class Quiet : public train::TrainingObserver {};

// The tiny set of tests/support with photometry that belongs to each star: BP - RP falling with Teff
// (a colour-temperature relation), G and a parallax; every third star lacks the parallax, every fifth
// has no photometry at all.
void writePhotometricSet(const std::string& path, std::size_t rows, std::uint64_t seed)
{
    test::writeTinyTrainingSet(path + ".plain", rows, kPixels, seed);
    const TrainingSetReader plain(path + ".plain");
    TrainingSetHeader header = plain.header();
    header.photometry = true;
    auto writer = TrainingSetWriter::create(path, header);
    auto batch = plain.read(0, rows);
    for (std::size_t r = 0; r < rows; ++r) {
        auto& p = batch.photometry[r];
        if (r % 5 == 4) continue;
        const double teff = batch.labels[r][kLabelTeff];
        p[kPhotBpRp] = 0.4 + (6500.0 - teff) / 2500.0;
        p[kPhotG] = 9.0 + 0.001 * static_cast<double>(r % 7);
        if (r % 3 != 0) p[kParallax] = 2.0 + batch.labels[r][kLabelLogg];
    }
    writer.append(batch);
    writer.close();
}

}  // namespace

class TestPhotometryTraining : public QObject {
    Q_OBJECT
private slots:
    void trainingSetColumn();
    void trainingTablesCarryPhotometry();
    void photometricNetworkTrains();

private:
    QTemporaryDir dir_;
};

void TestPhotometryTraining::trainingSetColumn()
{
    const std::string path = dir_.filePath("phot.h5").toStdString();
    writePhotometricSet(path, 20, 3);
    const TrainingSetReader reader(path);
    QVERIFY(reader.header().photometry);
    const auto batch = reader.read(0, 20);
    QCOMPARE(batch.photometry.size(), std::size_t(20));
    QVERIFY(std::isnan(batch.photometry[0][kParallax]));
    QVERIFY(std::isfinite(batch.photometry[1][kParallax]));
    QVERIFY(std::isnan(batch.photometry[4][kPhotG]));
    // A file written without photometry reads as "none known".
    const TrainingSetReader plain(path + ".plain");
    QVERIFY(!plain.header().photometry);
    QVERIFY(std::isnan(plain.read(0, 1).photometry[0][kPhotG]));
    // h5py sees the column with its names.
    QProcess python;
    python.start("/usr/bin/python3",
                 {"-c",
                  "import sys\ntry:\n import h5py\nexcept ImportError:\n print('NOH5PY'); sys.exit(0)\n"
                  "f = h5py.File(sys.argv[1], 'r'); p = f['photometry']\n"
                  "print(p.shape[0], p.shape[1], ','.join(c.decode() if isinstance(c, bytes) else c for c in "
                  "p.attrs['columns']), repr(round(float(p[1, 1]), 6)))",
                  QString::fromStdString(path)});
    QVERIFY(python.waitForFinished(60000));
    const QString out = QString::fromUtf8(python.readAllStandardOutput()).trimmed();
    if (out.startsWith("NOH5PY")) QSKIP("h5py not installed");
    const double bpRp = batch.photometry[1][kPhotBpRp];
    QCOMPARE(out, QString("20 8 phot_g_mean_mag,bp_rp,parallax,parallax_error,j_m,h_m,ks_m,ebv %1")
                      .arg(QString::number(std::round(bpRp * 1e6) / 1e6, 'g', 12)));
}

void TestPhotometryTraining::trainingTablesCarryPhotometry()
{
    const std::string path = dir_.filePath("phot2.h5").toStdString();
    writePhotometricSet(path, 10, 4);
    Quiet quiet;
    auto table = train::loadSpectraTable(path, quiet);
    QCOMPARE(table.photometry.size(), std::size_t(10));
    QVERIFY(table.photometryOf(1).has(kParallax));
    QVERIFY(table.photometryOf(4).empty());
    const auto sub = table.subset({1, 2});
    QCOMPARE(sub.photometry.size(), std::size_t(2));
    QCOMPARE(sub.photometryOf(0)[kPhotBpRp], table.photometryOf(1)[kPhotBpRp]);
    // Joined with rows that have none (a rehearsal set written without photometry): missing there.
    const auto plain = train::loadSpectraTable(path + ".plain", quiet);
    table.append(plain);
    QCOMPARE(table.photometry.size(), std::size_t(20));
    QVERIFY(table.photometryOf(15).empty());
    auto other = plain;
    other.append(sub);
    QCOMPARE(other.photometry.size(), std::size_t(12));
    QVERIFY(other.photometryOf(0).empty() && other.photometryOf(10).has(kPhotBpRp));
}

void TestPhotometryTraining::photometricNetworkTrains()
{
    const std::string path = dir_.filePath("phot-train.h5").toStdString();
    writePhotometricSet(path, 160, 5);
    auto json = test::tinyTrainConfigJson(path, dir_.filePath("run").toStdString(), kPixels, 2);
    json["network"]["photometry"] = {
        {"enabled", true}, {"width", 8}, {"inputs", {"phot_g_mean_mag", "bp_rp", "parallax"}}};
    train::TrainOptions options;
    options.config = train::TrainConfig::fromJson(json);
    Quiet observer;
    const auto result = train::runTraining(options, observer);
    QCOMPARE(QString::fromStdString(result.status), QString("finished"));
    auto trained = ModelBundle::load(result.bundlePath);
    QVERIFY(trained.card().network.photometry.enabled);
    // The branch learned: its first layer moved away from the seeded initial weights.
    auto initial = ModelBundle::create(trained.card(), options.config.seed);
    const auto a = bundleNetwork(trained)->named_parameters()["photometry.in1.weight"];
    const auto b = bundleNetwork(initial)->named_parameters()["photometry.in1.weight"];
    QVERIFY((a - b).abs().max().item<double>() > 1e-4);
    // And the trained model says what it read.
    PredictorOptions po;
    po.device = "cpu";
    const Predictor predictor(std::move(trained), po);
    Spectrum s;
    for (std::size_t p = 0; p < kPixels; ++p) {
        const double w = test::kTinyLambdaMin + (test::kTinyLambdaMax - test::kTinyLambdaMin) * p / (kPixels - 1.0);
        s.wavelength.push_back(w);
        s.flux.push_back(test::tinyModelFlux(w, 5500.0, 4.0, 0.0));
    }
    s.finalize();
    Photometry phot;
    phot.set(kPhotBpRp, 0.8);
    const auto prediction = predictor.predict(s, phot);
    QCOMPARE(prediction.inputs, (std::vector<std::string>{"spectrum", "bp_rp"}));
}

QTEST_GUILESS_MAIN(TestPhotometryTraining)
#include "test_ml_photometry_training.moc"
