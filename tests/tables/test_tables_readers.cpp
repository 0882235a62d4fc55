// The readers on tables astropy wrote (what another tool sends over SAMP): values, types, nulls,
// units; the spectra's locations found in the table; and bad files refused with the file's name.

#include "AstropyRunner.h"
#include "TestSupport.h"
#include "base/Error.h"
#include "tables/SpectrumSources.h"
#include "tables/TableReaders.h"
#include "tables/TableWriters.h"

#include <QFile>
#include <QJsonArray>
#include <QObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace remap::tables;

class TestTablesReaders : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString skipReason_;
    QJsonObject made_;

    QString write(const QString& name, const QByteArray& text)
    {
        QFile f(dir_.filePath(name));
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(f.fileName()));
        f.write(text);
        return f.fileName();
    }

    void expectRefused(const QString& path, const char* words)
    {
        try {
            readTableFile(path.toStdString());
            QFAIL(qPrintable("read without complaint: " + path));
        } catch (const remap::Error& e) {
            QVERIFY2(QString(e.what()).contains(words), e.what());
            QVERIFY2(QString(e.what()).contains(path), e.what());
        }
    }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        if (!remap::test::haveAstropy(&skipReason_)) return;
        QString error;
        made_ = remap::test::runAstropyTables({"make", dir_.path()}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void readsWhatAstropyWrote_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("votable") << "spectra.vot";
        QTest::newRow("fits") << "spectra.fits";
    }

    void readsWhatAstropyWrote()
    {
        if (!skipReason_.isEmpty()) QSKIP(qPrintable(skipReason_));
        QFETCH(QString, file);
        const ResultTable table = readTableFile(dir_.filePath(file).toStdString());
        const QJsonArray columns = made_["columns"].toArray();
        QCOMPARE(table.columns().size(), std::size_t(columns.size()));
        QCOMPARE(table.rowCount(), std::size_t(4));
        for (const auto& c : columns) {
            const QJsonObject theirs = c.toObject();
            const TableColumn* ours = table.findColumn(theirs["name"].toString().toStdString());
            QVERIFY2(ours, qPrintable(theirs["name"].toString()));
            const QJsonArray values = theirs["values"].toArray();
            for (qsizetype r = 0; r < values.size(); ++r) {
                const QJsonValue v = values[r];
                if (theirs["dtype"] == "U") {
                    // FITS pads text with blanks and astropy strips them: compare trimmed.
                    QCOMPARE(QString::fromStdString(ours->strings()[std::size_t(r)]).trimmed(), v.toString());
                } else if (theirs["dtype"] == "f") {
                    const double x = ours->doubles()[std::size_t(r)];
                    if (v.toString() == "nan")
                        QVERIFY(std::isnan(x));
                    else
                        QCOMPARE(x, v.toDouble());
                } else if (theirs["dtype"] == "b") {
                    QCOMPARE(bool(ours->bools()[std::size_t(r)]), v.toBool());
                } else if (theirs["dtype"] == "i") {
                    // A null integer: the column is read as double with NaN there.
                    if (v.toString() == "masked")
                        QVERIFY(std::isnan(ours->doubles()[std::size_t(r)]));
                    else if (ours->type() == ColumnType::Int64)
                        QCOMPARE(QString::number(ours->ints()[std::size_t(r)]), v.toString());
                    else
                        QCOMPARE(ours->doubles()[std::size_t(r)], v.toString().toDouble());
                }
            }
        }
        // The unit text as astropy serializes km/s: FITS "km s-1", VOTable (VOUnit) "km.s-1".
        QCOMPARE(table.findColumn("snr")->unit, std::string(file.endsWith("fits") ? "km s-1" : "km.s-1"));
        const TableKeyword* survey = table.findKeyword("SURVEY");
        if (file.endsWith("fits")) {
            QVERIFY(survey);
            QCOMPARE(std::get<std::string>(survey->value), std::string("TEST"));
        }

        const SpectrumSourceList list = spectrumSources(table, "/tables");
        QCOMPARE(list.locationColumn, std::string("access_url"));
        QCOMPARE(list.nameColumn, std::string("target"));
        QCOMPARE(list.sources.size(), std::size_t(3));
        QCOMPARE(list.sources[0].location, std::string("/data/a b.fits"));
        QVERIFY(!list.sources[0].isUrl);
        QCOMPARE(list.sources[0].name, std::string("HD 1"));
        QCOMPARE(list.sources[1].location, std::string("https://example.org/ssa?id=2"));
        QVERIFY(list.sources[1].isUrl);
        QCOMPARE(list.sources[2].location, std::string("/tables/rel/c.fits"));
        QCOMPARE(list.emptyRows, std::vector<std::size_t>{3});
    }

    void ownFilesReadBack()
    {
        ResultTable t;
        t.addColumn({"spec", {}, "file", "meta.ref.url", std::vector<std::string>{"file://localhost/x/y.fits"}});
        t.addColumn({"teff", "K", "temperature", {}, std::vector<double>{5000.25}});
        t.setKeyword({"MODEL", std::string("m"), "c"});
        for (const char* ext : {"vot", "fits"}) {
            const QString path = dir_.filePath(QString("own.") + ext);
            writeTable(path.toStdString(), t);
            const ResultTable back = readTableFile(path.toStdString());
            QCOMPARE(back.findColumn("teff")->doubles()[0], 5000.25);
            QCOMPARE(back.findColumn("teff")->unit, std::string("K"));
            QCOMPARE(back.findColumn("teff")->description, std::string("temperature"));
            QCOMPARE(back.findKeyword("MODEL")->comment, std::string("c"));
            QCOMPARE(spectrumSources(back).sources.at(0).location, std::string("/x/y.fits"));
        }
    }

    void fileUrls()
    {
        QCOMPARE(localPathFromFileUrl("file:///a%20b/x.fits").value_or("?"), std::string("/a b/x.fits"));
        QCOMPARE(localPathFromFileUrl("file:/a/x.fits").value_or("?"), std::string("/a/x.fits"));
        QCOMPARE(localPathFromFileUrl("FILE://localhost/a").value_or("?"), std::string("/a"));
        QVERIFY(!localPathFromFileUrl("file://otherhost/a"));
        QVERIFY(!localPathFromFileUrl("http://x/a"));
        QVERIFY(!localPathFromFileUrl("file:///a%2"));
        QVERIFY(!localPathFromFileUrl("file:///a%00b"));
    }

    void badFilesAreRefused()
    {
        expectRefused(write("trunc.vot",
                            "<?xml version='1.0'?><VOTABLE><RESOURCE><TABLE><FIELD name='a' "
                            "datatype='double'/><DATA><TABLEDATA><TR><TD>1</TD>"),
                      "not a readable VOTable");
        expectRefused(write("html.vot", "<html><body>404</body></html>"), "root element is not VOTABLE");
        expectRefused(write("bin2.vot",
                            "<VOTABLE><RESOURCE><TABLE><FIELD name='a' datatype='double'/><DATA>"
                            "<BINARY2><STREAM encoding='base64'>AAAA</STREAM></BINARY2></DATA></TABLE>"
                            "</RESOURCE></VOTABLE>"),
                      "only TABLEDATA is read");
        expectRefused(write("lol.vot",
                            "<?xml version='1.0'?><!DOCTYPE VOTABLE [<!ENTITY a 'aaaaaaaa'>]>"
                            "<VOTABLE>&a;</VOTABLE>"),
                      "declares XML entities");
        expectRefused(write("cells.vot",
                            "<VOTABLE><RESOURCE><TABLE><FIELD name='a' datatype='double'/><DATA>"
                            "<TABLEDATA><TR><TD>1</TD><TD>2</TD></TR></TABLEDATA></DATA></TABLE>"
                            "</RESOURCE></VOTABLE>"),
                      "row 1 has 2 cells for 1 FIELDs");
        expectRefused(write("num.vot",
                            "<VOTABLE><RESOURCE><TABLE><FIELD name='a' datatype='double'/><DATA>"
                            "<TABLEDATA><TR><TD>12x</TD></TR></TABLEDATA></DATA></TABLE>"
                            "</RESOURCE></VOTABLE>"),
                      "row 1 of column 'a': '12x' is not a double");
        expectRefused(write("empty.vot", ""), "VOTable");
        expectRefused(write("none.vot", "<VOTABLE><RESOURCE/></VOTABLE>"), "holds no TABLE");
        QByteArray fitsHead("SIMPLE  =                    T");
        fitsHead.resize(2880, ' ');
        expectRefused(write("short.fits", fitsHead.left(100)), "shorter than one FITS header block");
        try {
            ResultTable t;
            t.addColumn({"teff", {}, {}, {}, std::vector<double>{1.0}});
            spectrumSources(t);
            QFAIL("a table without locations was accepted");
        } catch (const remap::Error& e) {
            QVERIFY2(QString(e.what()).contains("meta.ref.url"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestTablesReaders)
#include "test_tables_readers.moc"
