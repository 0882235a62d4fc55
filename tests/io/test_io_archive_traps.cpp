// What real archive files do (issue 11), reproduced with astropy by trap_fixtures.py, and read
// value by value against astropy's reading or the archive's documented formula: wavelength keywords
// outside the WCS paper, unit contradictions and refusals, loose table columns, LAMOST MRS, broken
// headers, gzip and ':' in names, bad pixels, raw and normalized flux, text layouts.

#include "TrapFixtures.h"
#include "io/FitsFile.h"

#include <QObject>

using namespace remap;
using namespace remap::traptest;

class TestIoArchiveTraps : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    nlohmann::json all_ = nlohmann::json::array();
    QString writerError_;

    const nlohmann::json& find(const std::string& file)
    {
        for (const auto& e : all_)
            if (e["file"] == file) return e;
        static const nlohmann::json none;
        return none;
    }

private slots:
    void initTestCase()
    {
        if (!havePython()) QSKIP("no /usr/bin/python3 (astropy writes the fixtures)");
        QVERIFY(dir_.isValid());
        all_ = writeFixtures(dir_, {"axis", "tables", "headers", "names", "pixels", "text", "lamost"}, writerError_);
        QVERIFY2(writerError_.isEmpty(), qPrintable(writerError_));
        QVERIFY(all_.size() > 30);
    }

    void fixtureReadsLikeAstropy_data() { addRows(all_); }
    void fixtureReadsLikeAstropy()
    {
        QFETCH(int, index);
        runRow(dir_, all_, index);
    }

    // The refused unit contradiction reads once the user says the unit.
    void waveUnitOptionResolvesTheAmbiguity()
    {
        const auto& e = find("units_disagree_between_hdus.fits");
        QVERIFY(!e.is_null());
        ReadOptions o;
        o.waveUnit = "Angstrom";
        const Spectrum s = readSpectrum(pathOf(dir_, e), o);
        compareArray("wavelength", s.wavelength, e["wave"], 1e-10, 0.0);
        QVERIFY2(s.provenance.waveUnitSource.find("--wave-unit") != std::string::npos,
                 s.provenance.waveUnitSource.c_str());
        o.waveUnit = "parsec";
        QVERIFY_THROWS_EXCEPTION(UsageError, readSpectrum(pathOf(dir_, e), o));
    }

    // --columns names columns the reader could not have told, by name or 1-based number; a wrong name
    // is a usage error listing the columns.
    void columnsOptionNamesTheColumns()
    {
        const auto& e = find("table_abc.fits");
        ReadOptions o;
        o.columns = {"nope", "B"};
        try {
            readSpectrum(pathOf(dir_, e), o);
            QFAIL("an unknown column name must be refused");
        } catch (const UsageError& err) {
            QVERIFY2(std::string(err.what()).find("A, B, C, D") != std::string::npos, err.what());
        }
        o.columns = {"3", "2"};
        const Spectrum s = readSpectrum(pathOf(dir_, e), o);
        compareArray("wavelength", s.wavelength, e["wave"], 1e-12, 0.0);
        compareArray("flux", s.flux, e["flux"], 1e-12, 0.0);
        QVERIFY(!s.hasUncertainty());
    }

    // LAMOST MRS: --order 1 and 2 read one arm; the joined spectrum jumps over the gap.
    void lamostArms()
    {
        const auto& e = find("med-58409-TD062610N184524B01_sp01-020.fits");
        const int nblue = e["nblue"].get<int>();
        ReadOptions o;
        o.order = 1;
        const Spectrum blue = readSpectrum(pathOf(dir_, e), o);
        QCOMPARE(static_cast<int>(blue.size()), nblue);
        REMAP_COMPARE_REL("blue last", blue.wavelength.back(), e["wave"][nblue - 1].get<double>(), 1e-12);
        o.order = 2;
        const Spectrum red = readSpectrum(pathOf(dir_, e), o);
        REMAP_COMPARE_REL("red first", red.wavelength.front(), e["wave"][nblue].get<double>(), 1e-12);
        const Spectrum both = readSpectrum(pathOf(dir_, e));
        QCOMPARE(both.provenance.orders, 2);
        QVERIFY2(both.provenance.layout.find("gap") != std::string::npos, both.provenance.layout.c_str());
        // ORMASK alone (pixels 400-419) does not mask; ivar there is the file's.
        QCOMPARE(int(both.mask[405]), 0);
        REMAP_COMPARE_REL("ivar", both.ivar[405], 0.01, 1e-6);
        o.order = 3;
        QVERIFY_THROWS_EXCEPTION(Error, readSpectrum(pathOf(dir_, e), o));
    }

    // Repairs happen in memory only: the file on disk keeps its bytes.
    void repairedFilesAreNotChanged()
    {
        const auto& e = find("naxis1_late.fits");
        const std::string path = pathOf(dir_, e);
        std::ifstream before(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(before)), std::istreambuf_iterator<char>());
        readSpectrum(path);
        std::ifstream after(path, std::ios::binary);
        const std::string again((std::istreambuf_iterator<char>(after)), std::istreambuf_iterator<char>());
        QVERIFY(bytes == again);
        // Writing is refused for a file that only opens repaired... or compressed.
        const auto& gz = find("spec.fit.gz");
        QVERIFY_THROWS_EXCEPTION(Error, FitsFile::open(pathOf(dir_, gz), true));
    }

    void detectionNamesTheNewLayouts()
    {
        QCOMPARE(detectSpectrumFormat(pathOf(dir_, find("med-58409-TD062610N184524B01_sp01-020.fits"))),
                 std::string("lamost-mrs"));
        QCOMPARE(detectSpectrumFormat(pathOf(dir_, find("HD 10700:2019-10-01T03:04:05.fits.gz"))),
                 std::string("wcs1d"));
        QCOMPARE(detectSpectrumFormat(pathOf(dir_, find("uves_norm.txt.gz"))), std::string("text"));
    }
};

QTEST_GUILESS_MAIN(TestIoArchiveTraps)
#include "test_io_archive_traps.moc"
