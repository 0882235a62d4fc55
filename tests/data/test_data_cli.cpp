// `remap dataset spec|build|info` run as a separate process, the way users and scripts run it:
// outputs, JSON fields and exit statuses.
#include "TestSupport.h"
#include "TinyPhoenixGrid.h"
#include "data/TrainingSet.h"
#include "io/RemapSpectrumWriter.h"
#include "prep/PreprocessSpec.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace remap;

namespace {

using remap::test::Run;
using remap::test::runRemap;

nlohmann::json parse(const QByteArray& text)
{
    return nlohmann::json::parse(text.toStdString());
}

}  // namespace

class TestDataCli : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString path(const QString& name) const { return dir_.filePath(name); }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        std::vector<test::PhoenixModel> models;
        for (double f : {-0.5, 0.0})
            for (double g : {4.0, 4.5})
                for (double t : {5000.0, 5100.0, 5200.0}) models.push_back({t, g, f});
        test::writeTinyPhoenixGrid(path("grid").toStdString(), models);
    }

    void specWritesTheDefaultSpec()
    {
        const Run r = runRemap({"dataset", "spec", "-o", path("spec.json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        std::ifstream in(path("spec.json").toStdString());
        const auto j = nlohmann::json::parse(in);
        QVERIFY(PreprocessSpec::fromJson(j) == PreprocessSpec{});
    }

    void buildThenInfo()
    {
        const Run b = runRemap({"dataset", "build", "--phoenix", path("grid"), "--spec", path("spec.json"), "-o",
                                path("set.h5"), "--teff", "5000:5100", "--feh", "-0.5:0", "--interpolate", "5",
                                "--threads", "2", "-q", "--json"});
        QVERIFY2(b.exitCode == 0, b.err.constData());
        const auto report = parse(b.out);
        QCOMPARE(report["found"].get<int>(), 12);
        QCOMPARE(report["prepared"].get<int>(), 8);  // Teff 5000 and 5100 only
        QCOMPARE(report["interpolated"].get<int>(), 5);
        QCOMPARE(report["rows"].get<int>(), 13);

        const Run i = runRemap({"dataset", "info", path("set.h5"), "--json"});
        QVERIFY2(i.exitCode == 0, i.err.constData());
        const auto info = parse(i.out);
        QCOMPARE(info["rows"].get<int>(), 13);
        QCOMPARE(info["interpolated"].get<int>(), 5);
        QCOMPARE(info["kind"].get<std::string>(), std::string("phoenix-grid"));
        QCOMPARE(info["pixels"].get<int>(), 4096);
        QCOMPARE(info["labels"]["teff"]["min"].get<double>(), 5000.0);
        QCOMPARE(info["labels"]["teff"]["max"].get<double>(), 5100.0);
        QCOMPARE(info["labels"]["feh"]["min"].get<double>(), -0.5);
        int counted = 0;
        for (const auto& c : info["labels"]["logg"]["histogram"]["counts"]) counted += c.get<int>();
        QCOMPARE(counted, 13);
        QVERIFY(info["provenance"]["command"].get<std::string>().find("--interpolate 5") != std::string::npos);
        QVERIFY(info["provenance"].contains("time"));
        QVERIFY(info["preprocess_spec"] == PreprocessSpec{}.toJson());

        const Run text = runRemap({"dataset", "info", path("set.h5")});
        QVERIFY2(text.exitCode == 0, text.err.constData());
        QVERIFY(text.out.contains("phoenix-grid"));
        QVERIFY(text.out.contains("13 (5 interpolated)"));
        QVERIFY(text.out.contains("|#"));  // histogram bars
    }

    void badFilesGiveClearErrors()
    {
        std::ofstream(path("notes.h5").toStdString()) << "plain text\n";
        Run r = runRemap({"dataset", "info", path("notes.h5")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("notes.h5") && r.err.contains("not an HDF5 file"), r.err.constData());

        std::filesystem::copy_file(path("set.h5").toStdString(), path("cut.h5").toStdString());
        std::filesystem::resize_file(path("cut.h5").toStdString(), 4000);
        r = runRemap({"dataset", "info", path("cut.h5")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("cut.h5") && r.err.contains("truncated"), r.err.constData());

        std::ofstream(path("bad_spec.json").toStdString()) << "{\"version\": 1}";
        r = runRemap(
            {"dataset", "build", "--phoenix", path("grid"), "--spec", path("bad_spec.json"), "-o", path("x.h5"), "-q"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("bad_spec.json"), r.err.constData());
    }

    void usageErrors()
    {
        QCOMPARE(runRemap({"dataset", "build", "-o", path("x.h5")}).exitCode, 2);  // no input
        QCOMPARE(
            runRemap({"dataset", "build", "--phoenix", path("grid"), "--teff", "7000", "-o", path("x.h5")}).exitCode,
            2);
        std::ofstream(path("cat.csv").toStdString()) << "file\na.fits\n";
        QCOMPARE(runRemap({"dataset", "build", "--observed", path("cat.csv"), "--interpolate", "3", "-o", path("x.h5")})
                     .exitCode,
                 2);
    }

    void observedWithOneBadFileExitsThree()
    {
        const auto obs = path("obs").toStdString();
        std::filesystem::create_directories(obs);
        for (int k = 0; k < 2; ++k) {
            Spectrum s;
            for (double w = 4990.0; w <= 5710.0; w += 0.12) s.wavelength.push_back(w);
            s.flux = test::tinyPhoenixFlux({5500.0 + 100 * k, 4.4, 0.0}, s.wavelength);
            s.medium = Medium::Air;
            s.finalize();
            writeRemapSpectrum(s, obs + "/good" + std::to_string(k) + ".fits");
        }
        std::ofstream(obs + "/bad.fits") << "garbage";
        std::ofstream(obs + "/targets.csv") << "file,teff,logg,feh\ngood0.fits,5500,4.4,0\nbad.fits,,,\n"
                                               "good1.fits,5600,4.4,0\n";
        const Run r = runRemap({"dataset", "build", "--observed", QString::fromStdString(obs + "/targets.csv"), "-o",
                                path("obs.h5"), "-q"});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("skipped bad.fits"), r.err.constData());
        QVERIFY(r.out.contains("2 spectra"));
        const TrainingSetReader set(path("obs.h5").toStdString());
        QCOMPARE(set.rows(), std::size_t{2});
        QVERIFY(set.kind() == DatasetKind::Observed);
    }
};

QTEST_GUILESS_MAIN(TestDataCli)
#include "test_data_cli.moc"
