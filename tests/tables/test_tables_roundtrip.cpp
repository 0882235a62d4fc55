// Each writer's file read back by astropy (the reference reader of ECSV, and a widely used one of
// VOTable and FITS): column names, types, units attached, descriptions, values bit-identical, keywords
// with their comments. Also the ASPCAP naming and failure behaviour (atomic, clear errors).

#include "AstropyRunner.h"
#include "TestSupport.h"
#include "base/Error.h"
#include "tables/AspcapTable.h"
#include "tables/TableWriters.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>

using namespace remap::tables;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

ResultTable sampleTable(bool unicode)
{
    ResultTable t;
    t.name = "RESULTS";
    t.description = "round-trip sample: every column type";
    t.addColumn({"FILE",
                 {},
                 "the spectrum's file",
                 "meta.id;meta.file",
                 std::vector<std::string>{"sun.fits", "a b \"quoted\", comma",
                                          unicode ? "\xc3\x9c"
                                                    "n\xc3\xaf"
                                                    "code \xe2\x98\x85"
                                                  : "plain",
                                          "#hash"}});
    t.addColumn({"TEFF", "K", "effective temperature: posterior median", "phys.temperature.effective",
                 std::vector<double>{5772.0, 4321.123456789012, kNaN, 1e-300}});
    t.addColumn(
        {"LOGG", "dex", "surface gravity", "phys.gravity", std::vector<double>{4.438, -0.5, 6.02214076e23, 0.1}});
    t.addColumn({"VHELIO", "km/s", "heliocentric radial velocity", {}, std::vector<double>{-12.25, 0.0, 300.5, kNaN}});
    t.addColumn({"FLAGS",
                 {},
                 "bitmask",
                 "meta.code.qual",
                 std::vector<std::int64_t>{0, -1, 9007199254740993LL, std::numeric_limits<std::int64_t>::max()}});
    t.addColumn({"GOOD", {}, "passed all checks", {}, std::vector<bool>{true, false, true, false}});
    t.setKeyword({"MODEL", std::string("deep-remap 'giants'"), "network name"});
    t.setKeyword({"MODELVER", std::int64_t{3}, "model version"});
    t.setKeyword({"SNRMIN", 12.5, "lowest S/N accepted"});
    t.setKeyword({"CALIB", true, "calibrated"});
    return t;
}

QString expectedUnit(const std::string& ours)
{
    if (ours == "km/s") return "km / s";  // astropy's canonical text for the same unit
    return QString::fromStdString(ours);
}

}  // namespace

class TestTablesRoundTrip : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString skipReason_;

    QJsonObject dump(const QString& path)
    {
        QString error;
        const auto json = remap::test::runAstropyTables({"dump", path}, &error);
        if (!error.isEmpty()) qWarning("%s", qPrintable(error));
        return json;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        remap::test::haveAstropy(&skipReason_);
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("extension");
        QTest::newRow("ecsv") << "ecsv";
        QTest::newRow("votable") << "vot";
        QTest::newRow("fits") << "fits";
    }

    void roundTrip()
    {
        if (!skipReason_.isEmpty()) QSKIP(qPrintable(skipReason_));
        QFETCH(QString, extension);
        const bool fits = extension == "fits";
        const ResultTable table = sampleTable(!fits);
        const QString path = dir_.filePath("sample." + extension);
        writeTable(path.toStdString(), table);
        const QJsonObject json = dump(path);
        const QJsonArray columns = json["columns"].toArray();
        QCOMPARE(columns.size(), qsizetype(table.columns().size()));

        for (std::size_t i = 0; i < table.columns().size(); ++i) {
            const TableColumn& ours = table.columns()[i];
            const QJsonObject theirs = columns[qsizetype(i)].toObject();
            const QString what = QString::fromStdString(ours.name);
            QCOMPARE(theirs["name"].toString(), what);
            if (ours.unit.empty()) {
                QVERIFY2(theirs["unit"].isNull(), qPrintable(what + " should have no unit"));
            } else {
                QCOMPARE(theirs["unit"].toString(), expectedUnit(ours.unit));
                // FITS knows no 'dex' (astropy keeps it as an unrecognized unit); everything else parses.
                if (!(fits && ours.unit == "dex")) QVERIFY2(theirs["unit_recognized"].toBool(), qPrintable(what));
            }
            if (!fits) QCOMPARE(theirs["description"].toString(), QString::fromStdString(ours.description));
            const QJsonArray values = theirs["values"].toArray();
            QCOMPARE(values.size(), qsizetype(table.rowCount()));
            for (std::size_t r = 0; r < table.rowCount(); ++r) {
                const QJsonValue v = values[qsizetype(r)];
                const QString cell = what + " row " + QString::number(r);
                switch (ours.type()) {
                    case ColumnType::Double: {
                        const double expected = ours.doubles()[r];
                        QCOMPARE(theirs["dtype"].toString(), QString("f"));
                        // astropy reads a NaN as a missing value (masked) in VOTable and FITS.
                        if (std::isnan(expected))
                            QCOMPARE(v.toString(), QString(extension == "ecsv" ? "nan" : "masked"));
                        else
                            QVERIFY2(v.isDouble() && v.toDouble() == expected, qPrintable(cell));
                        break;
                    }
                    case ColumnType::Int64:
                        QCOMPARE(theirs["dtype"].toString(), QString("i"));
                        QCOMPARE(v.toString(), QString::number(ours.ints()[r]));
                        break;
                    case ColumnType::Bool:
                        QCOMPARE(theirs["dtype"].toString(), QString("b"));
                        QCOMPARE(v.toBool(), bool(ours.bools()[r]));
                        break;
                    case ColumnType::String:
                        QCOMPARE(v.toString(), QString::fromStdString(ours.strings()[r]));
                        break;
                }
            }
        }

        if (extension == "ecsv") {
            const QJsonObject meta = json["keywords"].toObject();
            QCOMPARE(meta["MODEL"].toArray()[0].toString(), QString("deep-remap 'giants'"));
            QCOMPARE(meta["MODELVER"].toArray()[0].toString(), QString("3"));
            QCOMPARE(meta["SNRMIN"].toArray()[0].toDouble(), 12.5);
            QCOMPARE(meta["CALIB"].toArray()[0].toBool(), true);
            QCOMPARE(meta["keyword_comments"].toArray()[0].toObject()["SNRMIN"].toString(),
                     QString("lowest S/N accepted"));
            QCOMPARE(json["ucds"].toObject()["TEFF"].toString(), QString("phys.temperature.effective"));
        } else if (extension == "vot") {
            QCOMPARE(json["version"].toString(), QString("1.4"));
            const QJsonObject params = json["params"].toObject();
            QCOMPARE(params["MODEL"].toArray()[0].toString(), QString("deep-remap 'giants'"));
            QCOMPARE(params["MODEL"].toArray()[2].toString(), QString("network name"));
            QCOMPARE(params["MODELVER"].toArray()[0].toString(), QString("3"));
            QCOMPARE(params["SNRMIN"].toArray()[0].toDouble(), 12.5);
            QCOMPARE(params["CALIB"].toArray()[0].toBool(), true);
            QCOMPARE(json["ucds"].toObject()["TEFF"].toString(), QString("phys.temperature.effective"));
            QCOMPARE(json["table_description"].toString(), QString("round-trip sample: every column type"));
        } else {
            const QJsonObject keys = json["keywords"].toObject();
            QCOMPARE(keys["EXTNAME"].toArray()[0].toString(), QString("RESULTS"));
            QCOMPARE(keys["MODEL"].toArray()[0].toString(), QString("deep-remap 'giants'"));
            QCOMPARE(keys["MODEL"].toArray()[1].toString(), QString("network name"));
            QCOMPARE(keys["MODELVER"].toArray()[0].toString(), QString("3"));
            QCOMPARE(keys["SNRMIN"].toArray()[0].toDouble(), 12.5);
            QCOMPARE(keys["CALIB"].toArray()[0].toBool(), true);
            QCOMPARE(keys["TCOMM2"].toArray()[0].toString(), QString("effective temperature: posterior median"));
            QCOMPARE(keys["TUCD2"].toArray()[0].toString(), QString("phys.temperature.effective"));
            QVERIFY(json["comment_text"].toString().contains("round-trip sample"));
        }
    }

    void aspcapColumnsAndHeader()
    {
        if (!skipReason_.isEmpty()) QSKIP(qPrintable(skipReason_));
        StarResult sun;
        sun.file = "/data/sun.fits";
        sun.name = "Sun";
        sun.teff = {5770.0, 40.0, 5731.0, 5770.0, 5811.0};
        sun.logg = {4.43, 0.08, 4.35, 4.43, 4.51};
        sun.feh = {0.01, 0.05, -0.04, 0.01, 0.06};
        sun.snr = 250.0;
        sun.vhelio = 0.3;
        sun.flags = flagBit(starFlagFromCode("multimodal:logg")) | flagBit(starFlagFromCode("low_snr"));
        StarResult giant;
        giant.file = "/data/giant.fits";
        giant.teff.value = 4500.0;
        const ResultTable table = aspcapTable({sun, giant}, {"deep-remap", "2.1", "posterior median"});
        // astropy parses the VOTable with verify="exception": every UCD must be valid UCD1+.
        const QString votPath = dir_.filePath("aspcap.vot");
        writeVoTable(votPath.toStdString(), table);
        QCOMPARE(dump(votPath)["params"].toObject()["FLAGB06"].toArray()[0].toString(), QString("LOGG_MULTIMODAL"));
        const QString path = dir_.filePath("aspcap.fits");
        writeFitsTable(path.toStdString(), table);
        const QJsonObject json = dump(path);
        QStringList names;
        for (const auto& c : json["columns"].toArray()) names << c.toObject()["name"].toString();
        for (const char* n : {"FILE", "OBJ", "TEFF", "TEFF_ERR", "TEFF_P16", "TEFF_P50", "TEFF_P84", "LOGG", "LOGG_ERR",
                              "FE_H", "FE_H_ERR", "FE_H_P84", "SNR", "VHELIO", "FLAGS"})
            QVERIFY2(names.contains(n), n);
        const QJsonObject keys = json["keywords"].toObject();
        QCOMPARE(keys["MODEL"].toArray()[0].toString(), QString("deep-remap"));
        QCOMPARE(keys["MODELVER"].toArray()[0].toString(), QString("2.1"));
        // Bit 0 is LOW_SNR and bit 6 LOGG_MULTIMODAL: the header names every bit with its meaning.
        QCOMPARE(keys["FLAGB00"].toArray()[0].toString(), QString("LOW_SNR"));
        QCOMPARE(keys["FLAGB06"].toArray()[0].toString(), QString("LOGG_MULTIMODAL"));
        QVERIFY(keys["FLAGB06"].toArray()[1].toString().contains("more than one peak"));
        for (const auto& c : json["columns"].toArray()) {
            const QJsonObject col = c.toObject();
            if (col["name"] == "FLAGS") QCOMPARE(col["values"].toArray()[0].toString(), QString::number(1 + 64));
            if (col["name"] == "TEFF_ERR") QCOMPARE(col["values"].toArray()[0].toDouble(), 40.0);
            if (col["name"] == "LOGG") QCOMPARE(col["unit"].toString(), QString("dex"));
            if (col["name"] == "VHELIO") QCOMPARE(col["unit"].toString(), QString("km / s"));
            // No name: astropy reads an empty FITS text cell as missing.
            if (col["name"] == "OBJ") QCOMPARE(col["values"].toArray()[1].toString(), QString("masked"));
        }
    }

    void flagCodes()
    {
        QCOMPARE(starFlagFromCode("outside_trained_range:feh"), StarFlag::FehOutsideTrainedRange);
        QCOMPARE(starFlagFromCode("edge_pile_up:teff"), StarFlag::TeffEdgePileUp);
        QCOMPARE(starFlagFromCode("preprocessing:the wavelength grid has gaps"), StarFlag::PreprocessingWarning);
        QCOMPARE(starFlagFromCode("something new"), StarFlag::Other);
        QCOMPARE(flagBit(StarFlag::LoggMultimodal), std::uint64_t{64});
    }

    void fitsRefusesNonAsciiAndKeepsTheOldFile()
    {
        const QString path = dir_.filePath("keep.fits");
        writeFitsTable(path.toStdString(), sampleTable(false));
        QFile before(path);
        QVERIFY(before.open(QIODevice::ReadOnly));
        const QByteArray old = before.readAll();
        before.close();
        try {
            writeFitsTable(path.toStdString(), sampleTable(true));
            QFAIL("a non-ASCII cell was written to FITS");
        } catch (const remap::Error& e) {
            QVERIFY2(QString(e.what()).contains("row 2 of column 'FILE'"), e.what());
            QCOMPARE(QString::fromStdString(e.file()), path);
        }
        QFile after(path);
        QVERIFY(after.open(QIODevice::ReadOnly));
        QCOMPARE(after.readAll(), old);
        QCOMPARE(QDir(dir_.path()).entryList({".keep*"}, QDir::Files | QDir::Hidden).size(), 0);
    }

    void badInputIsRefusedClearly()
    {
        ResultTable t;
        t.addColumn({"A", {}, {}, {}, std::vector<double>{1.0, 2.0}});
        QVERIFY_THROWS_EXCEPTION(remap::Error, t.addColumn({"B", {}, {}, {}, std::vector<double>{1.0}}));
        QVERIFY_THROWS_EXCEPTION(remap::Error, t.addColumn({"a", {}, {}, {}, std::vector<double>{1.0, 2.0}}));
        QVERIFY_THROWS_EXCEPTION(remap::Error, t.setKeyword({"too_long_name", 1.0, {}}));
        QVERIFY_THROWS_EXCEPTION(remap::Error, writeTable(dir_.filePath("x.csvv").toStdString(), t));
        t.setKeyword({"NAXIS1", 1.0, {}});
        QVERIFY_THROWS_EXCEPTION(remap::Error, writeFitsTable(dir_.filePath("naxis.fits").toStdString(), t));
        QVERIFY(!QFile::exists(dir_.filePath("naxis.fits")));
    }
};

QTEST_GUILESS_MAIN(TestTablesRoundTrip)
#include "test_tables_roundtrip.moc"
