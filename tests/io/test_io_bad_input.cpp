// Everything the readers must refuse with a clear remap::Error (file, HDU, problem in words),
// --format overrides, and the promise that input files are never modified.

#include "IoTestFiles.h"
#include "TestSupport.h"
#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/SpectrumReader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using remap::FitsFile;
using namespace remap::iotest;

namespace {

std::string errorOf(const std::string& path, const remap::ReadOptions& options = {})
{
    try {
        const auto s = remap::readSpectrum(path, options);
        return "no error (" + std::to_string(s.size()) + " pixels)";
    } catch (const remap::Error& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("not a remap::Error: ") + e.what();
    }
}

#define REQUIRE_IN(message, word) \
    QVERIFY2((message).find(word) != std::string::npos, qPrintable(QString::fromStdString(message)))

std::string fixture(const std::string& name)
{
    return remap::test::fixture("fits/" + name);
}

}  // namespace

class TestIoBadInput : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void badFixturesSayWhatIsWrong_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("words");
        QTest::newRow("truncated") << "bad_truncated.fits" << QStringList{"truncated", "[HDU 1]"};
        QTest::newRow("not fits") << "bad_not_fits.fits" << QStringList{"not a FITS file"};
        QTest::newRow("empty") << "bad_empty.fits" << QStringList{"empty"};
        QTest::newRow("all nan") << "bad_all_nan.fits" << QStringList{"no usable pixel"};
        QTest::newRow("2-D image") << "bad_2d_image.fits" << QStringList{"2-D image", "is not a 1-D spectrum", "tried"};
        QTest::newRow("zero dispersion") << "bad_zero_dispersion.fits" << QStringList{"dispersion", "CDELT1"};
        QTest::newRow("sdss without loglam") << "bad_sdss_missing_loglam.fits" << QStringList{"loglam", "[HDU 1]"};
    }

    void badFixturesSayWhatIsWrong()
    {
        QFETCH(QString, name);
        QFETCH(QStringList, words);
        const std::string message = errorOf(fixture(name.toStdString()));
        REQUIRE_IN(message, name.toStdString());
        for (const auto& w : words) REQUIRE_IN(message, w.toStdString());
        QVERIFY2(message.find("not a remap::Error") == std::string::npos, message.c_str());
    }

    void detectionRefusesToo()
    {
        try {
            remap::detectSpectrumFormat(fixture("bad_2d_image.fits"));
            QFAIL("a 2-D image was detected as a spectrum");
        } catch (const remap::Error& e) {
            REQUIRE_IN(std::string(e.what()), "not a 1-D spectrum");
        }
    }

    void missingFileAndFolder()
    {
        REQUIRE_IN(errorOf(pathIn(dir_, "does-not-exist.fits")), "no such file");
        REQUIRE_IN(errorOf(dir_.path().toStdString()), "folder");
    }

    void unknownFormatNameIsAUsageError()
    {
        remap::ReadOptions options;
        options.format = "sdss";
        try {
            remap::readSpectrum(fixture("spec-1234-52000-0123.fits"), options);
            QFAIL("an unknown format name was accepted");
        } catch (const remap::UsageError& e) {
            REQUIRE_IN(std::string(e.what()), "unknown spectrum format 'sdss'");
            REQUIRE_IN(std::string(e.what()), "sdss-spec");
        }
    }

    void forcingAWrongFormatIsAClearError_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("word");
        QTest::newRow("sdss as phoenix") << "spec-1234-52000-0123.fits"
                                         << "phoenix-hires"
                                         << "looks like 'sdss-spec'";
        QTest::newRow("phoenix as tabular") << "lte05800-4.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"
                                            << "tabular"
                                            << "'tabular' layout";
        QTest::newRow("hires as medres") << "lte05800-4.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"
                                         << "phoenix-medres"
                                         << "phoenix-medres";
        QTest::newRow("iraf as apstar") << "iraf_loglin.fits"
                                        << "apogee-apstar"
                                        << "looks like 'iraf-1d'";
        QTest::newRow("apstar as lamost") << "apStar-dr17-2M00000000+0000000.fits"
                                          << "lamost-lrs"
                                          << "lamost-lrs";
        QTest::newRow("fits as text") << "iraf_linear.fits"
                                      << "text"
                                      << "not a text spectrum";
        QTest::newRow("wcs1d as remap") << "spec_wcs1d_nm.fits"
                                        << "remap-1d"
                                        << "looks like 'wcs1d'";
        QTest::newRow("tabular as sdss") << "tabular_micron.fits"
                                         << "sdss-spec"
                                         << "looks like 'tabular'";
    }

    void forcingAWrongFormatIsAClearError()
    {
        QFETCH(QString, file);
        QFETCH(QString, format);
        QFETCH(QString, word);
        remap::ReadOptions options;
        options.format = format.toStdString();
        const std::string message = errorOf(fixture(file.toStdString()), options);
        REQUIRE_IN(message, file.toStdString());
        REQUIRE_IN(message, word.toStdString());
    }

    void forcedGenericReaderStillAppliesDcFlag()
    {
        // specutils' trap: the generic WCS reader ignores DC-FLAG and gives 3.7 Angstrom.
        remap::ReadOptions options;
        options.format = "wcs1d";
        const auto s = remap::readSpectrum(fixture("iraf_loglin.fits"), options);
        REMAP_COMPARE_REL("first", s.wavelength.front(), 5000.0, 1e-9);
    }

    void forcedFitsFormatOnTextFile()
    {
        const std::string path = pathIn(dir_, "plain.txt");
        writeText(path, "5000 1\n5001 2\n");
        remap::ReadOptions options;
        options.format = "wcs1d";
        REQUIRE_IN(errorOf(path, options), "not a FITS file");
    }

    void damagedGzipAndBinaryFiles()
    {
        // gzip files are read (test_io_archive_traps); a damaged stream is refused, naming gzip.
        const std::string gz = pathIn(dir_, "spec.fits.gz");
        writeText(gz, std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8) + "junk");
        REQUIRE_IN(errorOf(gz), "gzip");
        const std::string bz = pathIn(dir_, "spec.fits.bz2");
        writeText(bz, "BZh91AY&SY junk");
        REQUIRE_IN(errorOf(bz), "bzip2");
        const std::string bin = pathIn(dir_, "spec.dat");
        writeText(bin, std::string("\x01\x02\x00\x03 binary", 11));
        REQUIRE_IN(errorOf(bin), "binary");
    }

    void irafWithoutSolution()
    {
        const std::string path = pathIn(dir_, "iraf-nosolution.fits");
        {
            auto f = FitsFile::create(path);
            f.createImage(starFlux(100), -32);
            f.writeKey("CRVAL1", 1.0);
            f.writeKey("CDELT1", 1.0);
            f.writeKey("CRPIX1", 1.0);
            f.writeKey("DC-FLAG", -1LL);
            keyString(f, "WAT0_001", "system=equispec");
            f.close();
        }
        REQUIRE_IN(errorOf(path), "no wavelength solution");
    }

    void multispecNonLinearWithTooFewCoefficients()
    {
        const std::string path = pathIn(dir_, "multispec-dtype2.fits");
        {
            auto f = FitsFile::create(path);
            f.createImage(starFlux(100), -32);
            keyString(f, "CTYPE1", "MULTISPE");
            keyString(f, "WAT0_001", "system=multispec");
            f.writeRecord(quotedCard("WAT2_001", "spec1 = \"1 1 2 4000. 0.1 100 0. 1 2 1. 0. 2 3 1 100 0.5 0.1\""));
            f.close();
        }
        // A Legendre function of order 3 with two coefficients: the error says what is missing.
        const std::string message = errorOf(path);
        REQUIRE_IN(message, "spec1 function 1 needs 9 numbers but only 8 remain");
        REQUIRE_IN(message, "multispec-dtype2.fits");
    }

    void multispecWithoutWat2()
    {
        const std::string path = pathIn(dir_, "multispec-nowat.fits");
        {
            auto f = FitsFile::create(path);
            f.createImage(starFlux(100), -32);
            keyString(f, "CTYPE1", "MULTISPE");
            f.close();
        }
        REQUIRE_IN(errorOf(path), "WAT2");
    }

    void wcs1dWithAFrequencyAxisOrUnknownUnit()
    {
        const std::string freq = pathIn(dir_, "freq.fits");
        {
            auto f = FitsFile::create(freq);
            f.createImage(starFlux(100), -32);
            keyString(f, "CTYPE1", "FREQ");
            f.writeKey("CRVAL1", 1e14);
            f.writeKey("CDELT1", 1e9);
            f.writeKey("CRPIX1", 1.0);
            f.close();
        }
        REQUIRE_IN(errorOf(freq), "CTYPE1 = 'FREQ'");
        const std::string hz = pathIn(dir_, "hz.fits");
        {
            auto f = FitsFile::create(hz);
            f.createImage(starFlux(100), -32);
            keyString(f, "CTYPE1", "WAVE");
            keyString(f, "CUNIT1", "Hz");
            f.writeKey("CRVAL1", 5000.0);
            f.writeKey("CDELT1", 1.0);
            f.writeKey("CRPIX1", 1.0);
            f.close();
        }
        REQUIRE_IN(errorOf(hz), "CUNIT1 = 'Hz'");
    }

    void oneDimensionalImageWithoutWavelengths()
    {
        const std::string path = pathIn(dir_, "nowcs.fits");
        {
            auto f = FitsFile::create(path);
            f.createImage(starFlux(100), -32);
            f.close();
        }
        REQUIRE_IN(errorOf(path), "no wavelength solution");
    }

    void headerOnlyFileListsTheLayoutsTried()
    {
        const std::string path = pathIn(dir_, "header-only.fits");
        {
            auto f = FitsFile::create(path);
            f.createEmptyPrimary();
            keyString(f, "OBJECT", "nothing");
            f.close();
        }
        const std::string message = errorOf(path);
        REQUIRE_IN(message, "no known spectrum layout");
        REQUIRE_IN(message, "phoenix-hires");
        REQUIRE_IN(message, "tabular");
    }

    void threeDimensionalCube()
    {
        const std::string path = pathIn(dir_, "cube.fits");
        {
            auto f = FitsFile::create(path);
            f.createImage(std::vector<double>(4 * 5 * 6, 1.0), {4, 5, 6}, -32);
            f.close();
        }
        REQUIRE_IN(errorOf(path), "3-D image");
    }

    void everyPixelMasked()
    {
        const std::string path = pathIn(dir_, "allmasked.fits");
        {
            auto f = FitsFile::create(path);
            f.createImage(starFlux(50), -32);
            keyString(f, "EXTNAME", "FLUX");
            keyString(f, "CTYPE1", "WAVE");
            f.writeKey("CRVAL1", 5000.0);
            f.writeKey("CDELT1", 1.0);
            f.writeKey("CRPIX1", 1.0);
            f.createImage(constant(50, 1.0), -32);
            keyString(f, "EXTNAME", "MASK");
            f.close();
        }
        REQUIRE_IN(errorOf(path), "no usable pixel");
    }

    void headerPromisingHugeDataIsTruncatedNotAllocated()
    {
        // NAXIS1 = 2e9 float64 pixels (16 GB) in a file of two blocks.
        const std::string path = pathIn(dir_, "huge.fits");
        std::string header;
        for (const std::string card :
             {"SIMPLE  =                    T", "BITPIX  =                  -64", "NAXIS   =                    1",
              "NAXIS1  =           2000000000", "CTYPE1  = 'WAVE    '", "CRVAL1  =               5000.0",
              "CDELT1  =                  1.0", "END"}) {
            std::string c = card;
            c.resize(80, ' ');
            header += c;
        }
        header.resize(2880 * 2, ' ');
        writeText(path, header);
        const std::string message = errorOf(path);
        REQUIRE_IN(message, "truncated");
    }

    void inputFilesAreNeverModified()
    {
        QTemporaryDir copy;
        const QDir fixtures(QString::fromStdString(remap::test::fixture("fits")));
        for (const QString& name : fixtures.entryList(QDir::Files)) {
            const QString target = copy.filePath(name);
            QVERIFY(QFile::copy(fixtures.filePath(name), target));
            QFile::setPermissions(target, QFile::ReadOwner | QFile::WriteOwner);  // writable: the test means something
            const std::string path = target.toStdString();
            const std::string before = readBytes(path);
            const auto mtime = std::filesystem::last_write_time(path);
            errorOf(path);
            try {
                remap::detectSpectrumFormat(path);
            } catch (const remap::Error&) {
            }
            QVERIFY2(readBytes(path) == before, qPrintable(name));
            QVERIFY2(std::filesystem::last_write_time(path) == mtime, qPrintable(name));
        }
        // Nothing new appeared next to them either.
        QCOMPARE(QDir(copy.path()).entryList(QDir::Files).size(), fixtures.entryList(QDir::Files).size());
    }
};

QTEST_GUILESS_MAIN(TestIoBadInput)
#include "test_io_bad_input.moc"
