// `remap evaluate` as a user runs it, its metrics checked against the same predictions made here
// through the Predictor and reduced by hand.
#include "TestSupport.h"
#include "TinyTrainingData.h"
#include "io/SpectrumReader.h"
#include "ml/ModelBundle.h"
#include "ml/Predictor.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>

using namespace remap;

namespace {

constexpr int kPixels = 128;

using remap::test::Run;
using remap::test::runRemap;

PredictorOptions cpuOptions()
{
    PredictorOptions o;
    o.device = "cpu";
    return o;
}

// The star labels: Teff, log g, [Fe/H].
const std::array<std::array<double, 3>, 5> kLabels{
    {{4500.0, 4.5, -0.5}, {5200.0, 2.5, 0.0}, {5800.0, 4.4, 0.2}, {6200.0, 3.5, -1.2}, {4100.0, 1.5, -1.8}}};

// Robust sigma, bias, ... of residuals, computed here independently of train::computeMetrics.
struct Expected {
    int n = 0;
    double bias = 0, stddev = 0, mad = 0, rmse = 0, coverage = 0;
};

double medianOf(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

Expected expected(const std::vector<double>& mean, const std::vector<double>& ref, const std::vector<double>& p16,
                  const std::vector<double>& p84)
{
    Expected e;
    std::vector<double> r;
    int inside = 0;
    for (std::size_t i = 0; i < mean.size(); ++i) {
        if (std::isnan(ref[i])) continue;
        r.push_back(mean[i] - ref[i]);
        inside += (ref[i] >= p16[i] && ref[i] <= p84[i]) ? 1 : 0;
    }
    e.n = static_cast<int>(r.size());
    double s = 0, s2 = 0;
    for (double x : r) {
        s += x;
        s2 += x * x;
    }
    e.bias = s / e.n;
    e.rmse = std::sqrt(s2 / e.n);
    e.stddev = std::sqrt((s2 - e.n * e.bias * e.bias) / (e.n - 1));
    const double med = medianOf(r);
    std::vector<double> dev;
    for (double x : r) dev.push_back(std::abs(x - med));
    e.mad = 1.4826 * medianOf(dev);
    e.coverage = static_cast<double>(inside) / e.n;
    return e;
}

}  // namespace

class TestEvaluateCli : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void metricsMatchThePredictorsPredictions();
    void catalogLabelsWithoutTruth();
    void truthJoinedByFile();
    void tableAndOutputFile();
    void usageErrors();

private:
    QString path(const QString& name) const { return dir_.filePath(name); }
    QString model() const { return path("model.remap"); }
    void writeCsv(const QString& name, const std::string& text) const
    {
        std::ofstream(path(name).toStdString()) << text;
    }
    QTemporaryDir dir_;
};

void TestEvaluateCli::initTestCase()
{
    QVERIFY(dir_.isValid());
    ModelCard card;
    card.name = "evaluate-test";
    card.network = test::tinyNetworkConfig(kPixels);
    card.preprocess = nlohmann::json::object();  // spectra already on the network grid
    ModelBundle::create(card, 3).save(model().toStdString());

    // Five text spectra of the tiny model (128 pixels, 5000-5127 A) in a subfolder.
    QDir(dir_.path()).mkdir("spectra");
    for (std::size_t s = 0; s < kLabels.size(); ++s) {
        std::ofstream out(path(QString("spectra/star%1.txt").arg(s)).toStdString());
        out << "# wavelength flux\n";
        out.precision(10);
        for (int i = 0; i < kPixels; ++i) {
            const double lambda =
                test::kTinyLambdaMin + (test::kTinyLambdaMax - test::kTinyLambdaMin) * i / (kPixels - 1);
            out << lambda << ' ' << test::tinyModelFlux(lambda, kLabels[s][0], kLabels[s][1], kLabels[s][2]) << '\n';
        }
    }
    {
        std::ofstream bad(path("spectra/broken.txt").toStdString());
        bad << "this is not a spectrum\n";
    }
    // The catalog names the stars by id; S4 and SX have no truth row; the truth file has an extra star.
    writeCsv("catalog.csv",
             "id,file,snr\nS0,spectra/star0.txt,100\nS1,spectra/star1.txt,80\nS2,spectra/star2.txt,50\n"
             "S3,spectra/star3.txt,40\nS4,spectra/star4.txt,30\nSX,spectra/broken.txt,10\n");
    std::string truth = "id,teff,logg,feh\nS9,5000,4,0\n";
    for (int s = 3; s >= 0; --s)
        truth += "S" + std::to_string(s) + "," + std::to_string(kLabels[s][0]) + "," + std::to_string(kLabels[s][1]) +
                 "," + std::to_string(kLabels[s][2]) + "\n";
    writeCsv("truth.csv", truth);
}

void TestEvaluateCli::metricsMatchThePredictorsPredictions()
{
    const Run r = runRemap({"evaluate", "-q", "--model", model(), "--catalog", path("catalog.csv"), "--truth",
                            path("truth.csv"), "--json", "--device", "cpu", "--threads", "2"});
    QCOMPARE(r.exitCode, 3);  // broken.txt failed, the others went on
    QVERIFY2(r.err.contains("skipped spectra/broken.txt"), r.err.constData());
    QVERIFY2(r.err.contains("2 of 6 stars have no row"), r.err.constData());  // S4 and the broken SX
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j["stars"].toInt(), 5);
    QCOMPARE(j["model"].toString(), model());
    QCOMPARE(j["model_name"].toString(), QString("evaluate-test"));
    const QJsonArray failed = j["failed"].toArray();
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed[0].toObject()["id"].toString(), QString("SX"));
    QVERIFY(!failed[0].toObject()["error"].toString().isEmpty());

    // The same five stars through the Predictor, reduced by hand (star 4 has no truth).
    const Predictor predictor(model().toStdString(), cpuOptions());
    std::vector<Prediction> predictions;
    for (std::size_t s = 0; s < kLabels.size(); ++s)
        predictions.push_back(
            predictor.predict(readSpectrum(path(QString("spectra/star%1.txt").arg(s)).toStdString())));
    const QJsonObject metrics = j["metrics"].toObject();
    for (int p = 0; p < 3; ++p) {
        std::vector<double> mean, ref, p16, p84;
        for (std::size_t s = 0; s < kLabels.size(); ++s) {
            const Prediction& pred = predictions[s];
            mean.push_back(pred[p].mean);
            p16.push_back(pred[p].p16);
            p84.push_back(pred[p].p84);
            ref.push_back(s == 4 ? std::nan("") : kLabels[s][static_cast<std::size_t>(p)]);
        }
        const Expected e = expected(mean, ref, p16, p84);
        const char* name = p == 0 ? "teff" : p == 1 ? "logg" : "feh";
        const QJsonObject m = metrics[name].toObject();
        // The CLI ran the stars as one batch, here one at a time: float32 rounding may differ a little.
        const double tol = p == 0 ? 1e-2 : 1e-5;  // K, dex
        QCOMPARE(m["n"].toInt(), 4);
        REMAP_COMPARE_ABS(QString("%1 bias").arg(name), m["bias"].toDouble(), e.bias, tol);
        REMAP_COMPARE_ABS(QString("%1 std").arg(name), m["std"].toDouble(), e.stddev, tol);
        REMAP_COMPARE_ABS(QString("%1 mad").arg(name), m["mad"].toDouble(), e.mad, tol);
        REMAP_COMPARE_ABS(QString("%1 rmse").arg(name), m["rmse"].toDouble(), e.rmse, tol);
        REMAP_COMPARE_ABS(QString("%1 coverage").arg(name), m["coverage68"].toDouble(), e.coverage, 1e-12);
        QVERIFY(e.rmse > 0.0);
    }
    QVERIFY(metrics["loss"].isNull());  // not computed by evaluate
}

void TestEvaluateCli::catalogLabelsWithoutTruth()
{
    writeCsv("labelled.csv", "file,teff,logg,feh\nspectra/star0.txt,4500,4.5,-0.5\nspectra/star1.txt,,2.5,nan\n");
    const Run r = runRemap({"evaluate", "-q", "--model", model(), "--catalog", path("labelled.csv"), "--json"});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonObject metrics = QJsonDocument::fromJson(r.out).object()["metrics"].toObject();
    QCOMPARE(metrics["teff"].toObject()["n"].toInt(), 1);
    QCOMPARE(metrics["logg"].toObject()["n"].toInt(), 2);
    QCOMPARE(metrics["feh"].toObject()["n"].toInt(), 1);
    // One star: the RMSE is |mean - reference| of that star.
    const Predictor predictor(model().toStdString(), cpuOptions());
    const auto pred = predictor.predict(readSpectrum(path("spectra/star0.txt").toStdString()));
    REMAP_COMPARE_ABS("teff rmse of one star", metrics["teff"].toObject()["rmse"].toDouble(),
                      std::abs(pred.teff.mean - 4500.0), 1e-2);
}

void TestEvaluateCli::truthJoinedByFile()
{
    // No id column anywhere: the truth rows are matched by file, each resolved against its own CSV.
    QDir(dir_.path()).mkdir("truth");
    writeCsv("truth/by_file.csv", "file,teff,logg,feh\n../spectra/star2.txt,5800,4.4,0.2\n");
    writeCsv("plain.csv", "file\nspectra/star2.txt\nspectra/star3.txt\n");
    const Run r = runRemap({"evaluate", "-q", "--model", model(), "--catalog", path("plain.csv"), "--truth",
                            path("truth/by_file.csv"), "--json"});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.err.contains("1 of 2 stars have no row"), r.err.constData());
    const QJsonObject metrics = QJsonDocument::fromJson(r.out).object()["metrics"].toObject();
    QCOMPARE(metrics["teff"].toObject()["n"].toInt(), 1);
    const Predictor predictor(model().toStdString(), cpuOptions());
    const auto pred = predictor.predict(readSpectrum(path("spectra/star2.txt").toStdString()));
    REMAP_COMPARE_ABS("feh bias", metrics["feh"].toObject()["bias"].toDouble(), pred.feh.mean - 0.2, 1e-5);
}

void TestEvaluateCli::tableAndOutputFile()
{
    const QString out = path("predictions.csv");
    const Run r = runRemap({"evaluate", "-q", "--model", model(), "--catalog", path("catalog.csv"), "--truth",
                            path("truth.csv"), "-o", out});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.out.contains("RMSE") && r.out.contains("Teff [K]"), r.out.constData());
    QVERIFY2(r.out.contains("5 stars predicted, 1 failed"), r.out.constData());
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 6);
    QVERIFY(lines[0].contains("teff_ref"));
    QVERIFY2(lines[1].contains(",4500,4.5,-0.5,"), qPrintable(lines[1]));  // star0 with its truth
}

void TestEvaluateCli::usageErrors()
{
    Run r = runRemap({"evaluate", "--model", model()});  // no catalog
    QCOMPARE(r.exitCode, 2);
    qunsetenv("REMAP_MODEL");
    qputenv("REMAP_NO_SHIPPED_MODEL", "1");
    r = runRemap({"evaluate", "--catalog", path("catalog.csv")});  // no model anywhere
    qunsetenv("REMAP_NO_SHIPPED_MODEL");
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("--model"), r.err.constData());
    writeCsv("nofile.csv", "id,teff\nA,5000\n");
    r = runRemap({"evaluate", "--model", model(), "--catalog", path("nofile.csv")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("no 'file' column"), r.err.constData());
    writeCsv("badtruth.csv", "name,teff\nA,5000\n");
    r = runRemap({"evaluate", "--model", model(), "--catalog", path("catalog.csv"), "--truth", path("badtruth.csv")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("neither an 'id' nor a 'file' column"), r.err.constData());
}

QTEST_GUILESS_MAIN(TestEvaluateCli)
#include "test_evaluate_cli.moc"
