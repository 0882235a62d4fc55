// `remap predict` and `remap saliency` as a user runs them: outputs, JSON, exit statuses.
#include "TestSupport.h"
#include "ml/ModelBundle.h"
#include "prep/PreprocessSpec.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace remap;

namespace {

using remap::test::Run;
using remap::test::runRemap;

QString fixture(const char* name)
{
    return QString::fromStdString(test::fixture(std::string("fits/") + name));
}

QStringList lines(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
}

}  // namespace

class TestCliPredict : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void jsonHasTheDocumentedFields();
    void failedFilesAreSkippedWithStatusThree();
    void tablesInEveryFormat();
    void catalogLabelsGoBesideThePredictions();
    void usageErrors();
    void cudaWithoutCuda();
    void saliencyCsv();
    void shardsMergeToTheUnshardedTable();

private:
    QString model() const { return dir_.filePath("model.remap"); }
    QTemporaryDir dir_;
};

void TestCliPredict::initTestCase()
{
    ModelCard card;
    card.name = "cli-test";
    card.network.stemWidth = 8;
    card.network.stageWidths = {8, 16};
    card.network.blocksPerStage = {1, 1};
    card.network.stageKernels = {5, 3};
    card.network.embeddingSize = 4;
    card.preprocess = PreprocessSpec{}.toJson();
    auto bundle = ModelBundle::create(card, 1);
    ReferenceSet ref;
    ref.names = {"train-a", "train-b"};
    ref.labels = {{5000, 4, 0}, {6000, 3, -1}};
    ref.embeddings = {1, 0, 0, 0, 0, 1, 0, 0};
    bundle.setReference(ref);
    bundle.save(model().toStdString());
}

void TestCliPredict::jsonHasTheDocumentedFields()
{
    const Run r = runRemap({"predict", "-q", "--model", model(), "--json", "--neighbours", "1",
                            fixture("tabular_micron.fits"), fixture("spec-1234-52000-0123.fits")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonArray all = QJsonDocument::fromJson(r.out).array();
    QCOMPARE(all.size(), 2);
    const QJsonObject first = all[0].toObject();
    QCOMPARE(first["file"].toString(), fixture("tabular_micron.fits"));
    for (const char* p : {"teff", "logg", "feh"})
        for (const char* k : {"mean", "median", "mode", "p16", "p84"})
            QVERIFY2(first[p].toObject().contains(k), qPrintable(QString("%1.%2").arg(p, k)));
    const double teff = first["teff"].toObject()["median"].toDouble();
    QVERIFY(teff > 3500 && teff < 7000);
    QVERIFY(first["flags"].isArray());
    QCOMPARE(first["neighbours"].toArray().size(), 1);
}

void TestCliPredict::failedFilesAreSkippedWithStatusThree()
{
    const Run r = runRemap({"predict", "-q", "--model", model(), "--json", fixture("bad_not_fits.fits"),
                            fixture("tabular_micron.fits"), fixture("apStar-dr17-2M00000000+0000000.fits")});
    QCOMPARE(r.exitCode, 3);
    QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 1);
    QVERIFY2(r.err.contains("skipped") && r.err.contains("bad_not_fits.fits"), r.err.constData());
    QVERIFY2(r.err.contains("does not overlap"), r.err.constData());  // APOGEE is infrared
    QVERIFY2(r.err.contains("2 of 3 spectra failed"), r.err.constData());
}

void TestCliPredict::tablesInEveryFormat()
{
    for (const char* name : {"out.csv", "out.fits", "out.h5"}) {
        const QString out = dir_.filePath(name);
        const Run r =
            runRemap({"predict", "-q", "--model", model(), "-o", out, "--threads", "2", "--batch", "2",
                      fixture("tabular_micron.fits"), fixture("iraf_linear.fits"), fixture("spec_wcs1d_nm.fits")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(QFile::exists(out), name);
        QVERIFY2(r.out.contains("3 predictions written"), r.out.constData());
    }
    const auto csv = lines(dir_.filePath("out.csv"));
    QCOMPARE(csv.size(), 4);
    QVERIFY(csv[0].startsWith("file,teff_mean,"));
    QVERIFY2(csv[2].contains("many_masked_pixels"), qPrintable(csv[2]));  // iraf_linear covers 5000-5308 A
}

void TestCliPredict::catalogLabelsGoBesideThePredictions()
{
    const QString catalog = dir_.filePath("catalog.csv");
    {
        std::ofstream c(catalog.toStdString());
        c << "file,teff,logg,feh\n" << fixture("tabular_micron.fits").toStdString() << ",5750,4.4,0.1\n";
    }
    const QString out = dir_.filePath("cat.csv");
    const Run r = runRemap({"predict", "-q", "--model", model(), "--catalog", catalog, "-o", out});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const auto csv = lines(out);
    QCOMPARE(csv.size(), 2);
    QVERIFY(csv[0].contains("teff_ref,logg_ref,feh_ref"));
    QVERIFY2(csv[1].contains(",5750,4.4,0.1,"), qPrintable(csv[1]));
}

void TestCliPredict::usageErrors()
{
    qunsetenv("REMAP_MODEL");
    qputenv("REMAP_NO_SHIPPED_MODEL", "1");
    Run r = runRemap({"predict", fixture("tabular_micron.fits")});  // no model anywhere
    qunsetenv("REMAP_NO_SHIPPED_MODEL");
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("--model"), r.err.constData());
    r = runRemap({"predict", "--model", model(), "-o", dir_.filePath("x.xlsx"), fixture("tabular_micron.fits")});
    QCOMPARE(r.exitCode, 2);
    r = runRemap({"predict", "--model", model()});
    QCOMPARE(r.exitCode, 2);
    r = runRemap({"predict", "--model", dir_.filePath("absent.remap"), fixture("tabular_micron.fits")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("does not exist"), r.err.constData());
    // $REMAP_MODEL is the default.
    auto env = QProcessEnvironment::systemEnvironment();
    QProcess p;
    env.insert("REMAP_MODEL", model());
    p.setProcessEnvironment(env);
    p.start(REMAP_PREDICT_EXE, {"predict", "-q", "--json", fixture("tabular_micron.fits")});
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitCode(), 0);
}

void TestCliPredict::cudaWithoutCuda()
{
    const Run r = runRemap({"predict", "--model", model(), "--device", "cuda", fixture("tabular_micron.fits")});
    if (r.exitCode == 0) QSKIP("CUDA is available here");
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("CUDA was requested but is not available"), r.err.constData());
}

void TestCliPredict::saliencyCsv()
{
    const QString out = dir_.filePath("saliency.csv");
    const Run r = runRemap({"saliency", "--model", model(), "--method", "gradxinput", "--param", "logg", "-o", out,
                            fixture("tabular_micron.fits")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const auto csv = lines(out);
    QCOMPARE(csv.size(), 4097);
    QCOMPARE(csv[0], QString("wavelength,flux,mask,saliency"));
    QVERIFY(csv[1].startsWith("5000.0000,"));
    QVERIFY2(r.out.contains("gradxinput saliency of logg"), r.out.constData());
}

void TestCliPredict::shardsMergeToTheUnshardedTable()
{
    // A job array of 3 tasks over 5 spectra: `remap merge` gives the table one run writes, in every format.
    const QStringList files{fixture("tabular_micron.fits"), fixture("iraf_linear.fits"), fixture("spec_wcs1d_nm.fits"),
                            fixture("spec-1234-52000-0123.fits"), fixture("iraf_loglin.fits")};
    for (const QString ext : {"csv", "h5", "fits"}) {
        const QString whole = dir_.filePath("whole." + ext), sharded = dir_.filePath("sharded." + ext);
        Run r = runRemap(QStringList{"predict", "-q", "--model", model(), "-o", whole} + files);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (int k = 1; k <= 3; ++k) {
            r = runRemap(
                QStringList{"predict", "-q", "--model", model(), "-o", sharded, "--shard", QString("%1/3").arg(k)} +
                files);
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QVERIFY(QFile::exists(dir_.filePath(QString("sharded.shard-%1-of-3.%2").arg(k).arg(ext))));
        }
        r = runRemap({"merge", sharded});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("5 rows merged from 3 shards"), r.out.constData());
        if (ext == "csv") {
            QCOMPARE(lines(sharded), lines(whole));
            continue;
        }
        // HDF5 and FITS read back by h5py / astropy, independent readers: every column equal.
        const QString code =
            ext == "h5"
                ? QString(
                      "import h5py, numpy, sys\n"
                      "a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])\n"
                      "names = []\n"
                      "a.visit(lambda n: names.append(n) if isinstance(a[n], h5py.Dataset) else None)\n"
                      "assert sorted(names) == sorted(n for n in names if n in b), names\n"
                      "for n in names:\n"
                      " x, y = a[n][()], b[n][()]\n"
                      " assert numpy.array_equal(x, y, equal_nan=x.dtype.kind == 'f'), n\n"
                      "print('SAME', len(names))")
                : QString(
                      "from astropy.io import fits; import numpy, sys\n"
                      "a, b = fits.getdata(sys.argv[1], 'PREDICTIONS'), fits.getdata(sys.argv[2], 'PREDICTIONS')\n"
                      "assert a.columns.names == b.columns.names\n"
                      "for n in a.columns.names: assert numpy.array_equal(a[n], b[n], equal_nan=a[n].dtype.kind == "
                      "'f'), n\n"
                      "ha, hb = fits.getheader(sys.argv[1], 'PREDICTIONS'), fits.getheader(sys.argv[2], "
                      "'PREDICTIONS')\n"
                      "assert all(ha[k] == hb[k] for k in ('TEFF_MIN', 'TEFF_NBIN', 'FEH_MAX'))\n"
                      "assert fits.getheader(sys.argv[1])['MODEL'] == fits.getheader(sys.argv[2])['MODEL']\n"
                      "print('SAME', len(a.columns.names))");
        QProcess python;
        python.start("/usr/bin/python3", {"-c", code, whole, sharded});
        QVERIFY(python.waitForFinished(120000));
        const QString out = QString::fromUtf8(python.readAllStandardOutput() + python.readAllStandardError());
        if (out.contains("No module named")) QSKIP("h5py or astropy not installed");
        QVERIFY2(out.startsWith("SAME"), qPrintable(ext + ": " + out));
    }
    // A missing shard is refused, naming it; bad shard specs are usage errors.
    QVERIFY(QFile::remove(dir_.filePath("sharded.shard-2-of-3.csv")));
    Run r = runRemap({"merge", dir_.filePath("sharded.csv")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("shards 2 of 3 are missing"), r.err.constData());
    r = runRemap({"predict", "-q", "--model", model(), "-o", dir_.filePath("x.csv"), "--shard", "4/3", files[0]});
    QCOMPARE(r.exitCode, 2);
    r = runRemap({"predict", "-q", "--model", model(), "--shard", "1/3", files[0]});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("--shard needs -o"), r.err.constData());
}

QTEST_GUILESS_MAIN(TestCliPredict)
#include "test_ml_cli.moc"
