// `remap info` as a user runs it: JSON contents and exit statuses.
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

namespace {
using remap::test::Run;
using remap::test::runRemap;

QString fixture(const char* name)
{
    return QString::fromStdString(remap::test::fixture(std::string("fits/") + name));
}
}  // namespace

class TestCliInfo : public QObject {
    Q_OBJECT
private slots:
    void jsonHasTheDocumentedFields()
    {
        const Run r = runRemap({"info", "--json", fixture("lte05800-4.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"),
                                fixture("spec-1234-52000-0123.fits")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray all = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(all.size(), 2);
        const QJsonObject phoenix = all[0].toObject();
        QCOMPARE(phoenix["format"].toString(), QString("phoenix-hires"));
        QCOMPARE(phoenix["npix"].toInt(), 4419);
        REMAP_COMPARE_REL("wave_min", phoenix["wave_min"].toDouble(), 4800.0, 1e-9);
        QCOMPARE(phoenix["medium"].toString(), QString("vacuum"));
        QCOMPARE(phoenix["teff"].toDouble(), 5800.0);
        QCOMPARE(phoenix["logg"].toDouble(), 4.5);
        QCOMPARE(phoenix["feh"].toDouble(), 0.5);
        const QJsonObject sdss = all[1].toObject();
        QCOMPARE(sdss["format"].toString(), QString("sdss-spec"));
        QCOMPARE(sdss["n_masked"].toInt(), 25);
        QVERIFY(sdss.contains("snr"));
        QVERIFY(!sdss.contains("teff"));
    }

    void failedFilesGiveStatusThreeAndTheRestStillPrint()
    {
        const Run r = runRemap({"info", "--json", fixture("bad_not_fits.fits"), fixture("iraf_linear.fits")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("bad_not_fits.fits"), r.err.constData());
        const QJsonArray all = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all[0].toObject()["npix"].toInt(), 6170);
    }

    void badUsageGivesStatusTwo()
    {
        QCOMPARE(runRemap({"info"}).exitCode, 2);
        QCOMPARE(runRemap({"info", "--format", "no-such-format", fixture("iraf_linear.fits")}).exitCode, 2);
        QCOMPARE(runRemap({"no-such-command"}).exitCode, 2);
    }

    void helpDescribesTheCommands()
    {
        const Run top = runRemap({"--help"});
        QCOMPARE(top.exitCode, 0);
        QVERIFY(top.out.contains("info"));
        const Run info = runRemap({"info", "--help"});
        QCOMPARE(info.exitCode, 0);
        QVERIFY(info.out.contains("--json"));
        QVERIFY(info.out.contains("--format"));
    }
};

QTEST_GUILESS_MAIN(TestCliInfo)
#include "test_cli_info.moc"
