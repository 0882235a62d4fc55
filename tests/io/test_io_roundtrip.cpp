// The project's own remap-1d layout: write then read is bit-exact; the header is as documented.

#include "IoTestFiles.h"
#include "TestSupport.h"
#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/RemapSpectrumWriter.h"
#include "io/SpectrumReader.h"

#include <QDir>
#include <QObject>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <random>

using remap::FitsFile;
using namespace remap::iotest;

namespace {

bool sameBits(const std::vector<double>& a, const std::vector<double>& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// A MARVELS-like spectrum: 4096 pixels over 5000-5700 A in air, values with all 53 mantissa bits in use.
remap::Spectrum marvelsLike()
{
    remap::Spectrum s;
    const std::size_t n = 4096;
    std::mt19937_64 rng(12345);
    std::uniform_real_distribution<double> noise(-1.0, 1.0);
    for (std::size_t i = 0; i < n; ++i) {
        s.wavelength.push_back(5000.0 + 700.0 * double(i) / double(n - 1) + 1e-9 * noise(rng));
        s.flux.push_back(1.0 + 0.05 * noise(rng));
        s.ivar.push_back(2500.0 * (1.0 + 0.1 * noise(rng)));
        s.mask.push_back(0);
    }
    for (std::size_t i : {7, 100, 4095}) {
        s.mask[i] = 1;
        s.ivar[i] = 0.0;
    }
    s.medium = remap::Medium::Air;
    s.fluxUnit = "electrons";
    s.objectName = "TYC 1234-00567-1 (MARVELS plate 3425 star 17)";
    s.labels.teff = 5777.123456789012;
    s.labels.logg = 4.4381;
    s.labels.feh = -0.123456789;
    s.labels.alpha = 0.1;
    s.metadata["plate"] = "3425";
    s.metadata["beam"] = "2";
    s.metadata["note"] = "a value with 'quotes' and = signs";
    s.provenance.file = "source.fits";
    s.provenance.format = "wcs1d";
    return s;
}

}  // namespace

class TestIoRoundTrip : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void writeThenReadIsBitExact()
    {
        const auto original = marvelsLike();
        const std::string path = pathIn(dir_, "marvels-like.fits");
        remap::writeRemapSpectrum(original, path);
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("remap-1d"));
        const auto back = remap::readSpectrum(path);
        QCOMPARE(back.provenance.format, std::string("remap-1d"));
        QCOMPARE(back.provenance.file, path);
        QVERIFY(sameBits(back.wavelength, original.wavelength));
        QVERIFY(sameBits(back.flux, original.flux));
        QVERIFY(sameBits(back.ivar, original.ivar));
        QVERIFY(back.mask == original.mask);
        QCOMPARE(medium(back), std::string("air"));
        QCOMPARE(back.fluxUnit, original.fluxUnit);
        QCOMPARE(back.objectName, original.objectName);
        QVERIFY(back.labels.teff == original.labels.teff);
        QVERIFY(back.labels.logg == original.labels.logg);
        QVERIFY(back.labels.feh == original.labels.feh);
        QVERIFY(back.labels.alpha == original.labels.alpha);
        QVERIFY(back.metadata == original.metadata);
    }

    void headerIsTheDocumentedLayout()
    {
        const std::string path = pathIn(dir_, "layout.fits");
        remap::writeRemapSpectrum(marvelsLike(), path);
        auto f = FitsFile::open(path);
        f.moveTo(0);
        QVERIFY(f.imageShape().empty());
        QCOMPARE(*f.keyString("ORIGIN"), std::string("REMAP"));
        QCOMPARE(*f.keyString("REMAPFMT"), std::string("remap-1d"));
        QCOMPARE(*f.keyInt("FMTVER"), 1LL);
        QCOMPARE(*f.keyString("MEDIUM"), std::string("air"));
        QCOMPARE(*f.keyString("BUNIT"), std::string("electrons"));
        QCOMPARE(*f.keyDouble("REF_LOGG"), 4.4381);
        QVERIFY(f.moveToNamed("SPECTRUM"));
        QCOMPARE(f.currentHdu(), 1);
        QCOMPARE(f.rowCount(), 4096L);
        const auto cols = f.columns();
        QCOMPARE(cols.size(), std::size_t(4));
        const char* names[] = {"WAVELENGTH", "FLUX", "IVAR", "MASK"};
        for (int i = 0; i < 4; ++i) QCOMPARE(cols[i].name, std::string(names[i]));
        QCOMPARE(*f.keyString("TFORM1"), std::string("D"));
        QCOMPARE(*f.keyString("TUNIT1"), std::string("Angstrom"));
        QCOMPARE(*f.keyString("TFORM4"), std::string("B"));
        QVERIFY(f.moveToNamed("METADATA"));
    }

    void missingLabelsAndUnknownMediumRoundTrip()
    {
        remap::Spectrum s;
        s.wavelength = {6000.0, 6000.5, 6001.0};
        s.flux = {1.0, 2.0, 3.0};
        s.ivar = {0.0, 0.0, 0.0};
        s.mask = {0, 0, 0};
        const std::string path = pathIn(dir_, "bare.fits");
        remap::writeRemapSpectrum(s, path);
        const auto back = remap::readSpectrum(path);
        QCOMPARE(medium(back), std::string("unknown"));
        QVERIFY(!back.labels.any());
        QVERIFY(back.objectName.empty());
        QVERIFY(back.metadata.empty());
        QVERIFY(sameBits(back.flux, s.flux));
    }

    void fixtureThroughRemapIsUnchanged()
    {
        const auto sdss = remap::readSpectrum(remap::test::fixture("fits/spec-1234-52000-0123.fits"));
        const std::string path = pathIn(dir_, "from-sdss.fits");
        remap::writeRemapSpectrum(sdss, path);
        const auto back = remap::readSpectrum(path);
        QVERIFY(sameBits(back.wavelength, sdss.wavelength));
        QVERIFY(sameBits(back.flux, sdss.flux));
        QVERIFY(sameBits(back.ivar, sdss.ivar));
        QVERIFY(back.mask == sdss.mask);
        QCOMPARE(back.maskedCount(), std::size_t(25));
        QCOMPARE(back.metadata.at("plate"), std::string("1234"));
    }

    void overwriteIsAtomicAndLeavesNoTemporaries()
    {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "out.fits");
        auto s = marvelsLike();
        remap::writeRemapSpectrum(s, path);
        s.objectName = "second";
        remap::writeRemapSpectrum(s, path);
        QCOMPARE(remap::readSpectrum(path).objectName, std::string("second"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), qsizetype(1));
    }

    void inconsistentSpectrumIsRefusedAndOldFileKept()
    {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "keep.fits");
        remap::writeRemapSpectrum(marvelsLike(), path);
        const std::string before = readBytes(path);
        auto bad = marvelsLike();
        bad.flux.pop_back();
        try {
            remap::writeRemapSpectrum(bad, path);
            QFAIL("an inconsistent spectrum was written");
        } catch (const remap::Error& e) {
            QVERIFY2(std::string(e.what()).find("keep.fits") != std::string::npos, e.what());
        }
        QVERIFY(readBytes(path) == before);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), qsizetype(1));
        try {
            remap::writeRemapSpectrum(remap::Spectrum{}, path);
            QFAIL("an empty spectrum was written");
        } catch (const remap::Error&) {
        }
    }

    void newerLayoutVersionIsRefused()
    {
        const std::string path = pathIn(dir_, "v2.fits");
        {
            auto f = FitsFile::create(path);
            f.createEmptyPrimary();
            keyString(f, "ORIGIN", "REMAP");
            keyString(f, "REMAPFMT", "remap-1d");
            f.writeKey("FMTVER", 2LL);
            f.createTable("SPECTRUM", {{"WAVELENGTH", "D", "Angstrom"}, {"FLUX", "D", ""}}, 2);
            f.writeColumn(1, std::vector<double>{5000.0, 5001.0});
            f.writeColumn(2, std::vector<double>{1.0, 1.0});
            f.close();
        }
        try {
            remap::readSpectrum(path);
            QFAIL("version 2 was read");
        } catch (const remap::Error& e) {
            QVERIFY2(std::string(e.what()).find("version 2") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestIoRoundTrip)
#include "test_io_roundtrip.moc"
