// `remap info` as a user runs it: JSON contents and exit statuses.
#include "TestSupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {
using remap::test::Run;
using remap::test::runRemap;

QString fixture(const char* name)
{
    return QString::fromStdString(remap::test::fixture(std::string("fits/") + name));
}

// Writes `content` to `name` in `dir`; returns the path.
QString writeFile(const QTemporaryDir& dir, const char* name, const QByteArray& content)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (f.open(QIODevice::WriteOnly)) f.write(content);
    return path;
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

    // Where the unit and the medium came from, the layout, the flux kind, masked fractions by cause and
    // the warnings, for a FITS WCS file (nm in CUNIT1, air in CTYPE1) and a text file (nm by range).
    void jsonSaysWhereEachInterpretationCameFrom()
    {
        QTemporaryDir dir;
        const QString text = writeFile(dir, "spec:nm.txt",
                                       "480.0 1.0\n480.1 0.0\n480.2 0.0\n480.3 0.0\n480.4 0.9\n480.5 nan\n480.6 1.0\n");
        const Run r = runRemap({"info", "--json", fixture("spec_wcs1d_nm.fits"), text});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray all = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(all.size(), 2);
        const QJsonObject wcs = all[0].toObject();
        QCOMPARE(wcs["wave_unit"].toString(), QString("nm"));
        QVERIFY2(wcs["wave_unit_source"].toString().contains("CUNIT1"), qPrintable(wcs["wave_unit_source"].toString()));
        QCOMPARE(wcs["medium"].toString(), QString("air"));
        QVERIFY(wcs["medium_source"].toString().contains("CTYPE1 = 'AWAV'"));
        QVERIFY(wcs["layout"].toString().contains("1-D image"));
        QVERIFY(wcs["flux_kind"].toString().startsWith("normalized"));
        QVERIFY(wcs["warnings"].isArray());
        const QJsonObject txt = all[1].toObject();
        QCOMPARE(txt["format"].toString(), QString("text"));
        QCOMPARE(txt["wave_unit"].toString(), QString("nm"));
        QVERIFY(txt["wave_unit_source"].toString().contains("inferred from the range"));
        QCOMPARE(txt["medium_source"].toString(), QString("not stated"));
        const QJsonObject masked = txt["masked_fraction"].toObject();
        REMAP_COMPARE_REL("zero run fraction", masked["zero_or_negative"].toDouble(), 3.0 / 7.0, 1e-12);
        REMAP_COMPARE_REL("NaN fraction", masked["non_finite"].toDouble(), 1.0 / 7.0, 1e-12);
        const QJsonArray warnings = txt["warnings"].toArray();
        QVERIFY(warnings.size() >= 3);
        QString joined;
        for (const auto& w : warnings) joined += w.toString() + "\n";
        QVERIFY2(joined.contains("read as nm") && joined.contains("zero or negative") && joined.contains("NaN"),
                 qPrintable(joined));
    }

    // The text report names the same things, one line each, and lists the warnings.
    void textReportListsWarnings()
    {
        const std::string harps =
            remap::test::fixturesDir() + "/../physics/solar_spectra/sun_HARPS_Ganymede_2007_3783-6913A.fits";
        if (!QFile::exists(QString::fromStdString(harps))) QSKIP("../shared/physics is not beside the checkout");
        const Run r = runRemap({"info", QString::fromStdString(harps)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (const char* part :
             {"layout", "unit        Angstrom", "medium      air (instrument HARPS", "flux        not normalized",
              "1.1 % zero or negative runs", "warnings    1", "5304.7-5337.6 A"})
            QVERIFY2(r.out.contains(part), qPrintable(QString("'%1' not in:\n%2").arg(part, QString(r.out))));
    }

    // A refusal names the file and the problem and the option that overrides; the option then reads it.
    void refusalsNameTheOverride()
    {
        QTemporaryDir dir;
        const QString text = writeFile(dir, "tiny.txt", "0.010 1\n0.015 1\n0.020 1\n");
        const Run refused = runRemap({"info", text});
        QCOMPARE(refused.exitCode, 3);
        QVERIFY2(refused.err.contains("tiny.txt") && refused.err.contains("--wave-unit"), refused.err.constData());
        const Run forced = runRemap({"info", "--json", "--wave-unit", "um", text});
        QVERIFY2(forced.exitCode == 0, forced.err.constData());
        const QJsonObject s = QJsonDocument::fromJson(forced.out).array()[0].toObject();
        REMAP_COMPARE_REL("um", s["wave_min"].toDouble(), 100.0, 1e-12);
        QVERIFY(s["wave_unit_source"].toString().contains("--wave-unit"));
    }

    // --columns picks columns by number (text without a header: flux first, wavelength second).
    void columnsOption()
    {
        QTemporaryDir dir;
        const QString text = writeFile(dir, "swapped.txt", "# flux wavelength\n1.5 6000.0\n1.25 6000.5\n1.0 6001.0\n");
        const Run r = runRemap({"info", "--json", "--columns", "2,1", text});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject s = QJsonDocument::fromJson(r.out).array()[0].toObject();
        QCOMPARE(s["wave_min"].toDouble(), 6000.0);
        QVERIFY2(s["columns"].toString().contains("--columns"), qPrintable(s["columns"].toString()));
        QCOMPARE(runRemap({"info", "--columns", "2", text}).exitCode, 2);  // needs 2 or 3 names
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
        QVERIFY(info.out.contains("--columns"));
        QVERIFY(info.out.contains("--wave-unit"));
        QVERIFY(info.out.contains("merges the orders"));
    }
};

QTEST_GUILESS_MAIN(TestCliInfo)
#include "test_cli_info.moc"
