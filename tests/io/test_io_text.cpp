// The plain-text reader: separators, comments, headers, units, medium and error lines.

#include "IoTestFiles.h"
#include "TestSupport.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"

#include <QObject>
#include <QTemporaryDir>
#include <QTest>

using namespace remap::iotest;

class TestIoText : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    std::string write(const std::string& name, const std::string& text)
    {
        const std::string path = pathIn(dir_, name);
        writeText(path, text);
        return path;
    }

    std::string errorOf(const std::string& path)
    {
        try {
            remap::readSpectrum(path);
        } catch (const remap::Error& e) {
            return e.what();
        }
        return "no error";
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void csvWithHeaderAndSigma()
    {
        const auto path = write("spec.csv",
                                "wavelength,flux,error\n"
                                "5000.0,1.5,0.5\n"
                                "5000.5,1.25,0.25\n"
                                "5001.0,1.0,0\n");
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("text"));
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.provenance.format, std::string("text"));
        QCOMPARE(s.size(), std::size_t(3));
        QCOMPARE(s.wavelength[1], 5000.5);
        QCOMPARE(s.flux[1], 1.25);
        QCOMPARE(s.ivar[0], 4.0);     // 1 / 0.5^2
        QCOMPARE(s.ivar[1], 16.0);    // 1 / 0.25^2
        QCOMPARE(int(s.mask[2]), 1);  // sigma 0: no usable uncertainty
        QCOMPARE(medium(s), std::string("unknown"));
    }

    void whitespaceTwoColumnsWithCommentsAndCrlf()
    {
        const auto path = write("spec.txt",
                                "# a spectrum\r\n"
                                "\r\n"
                                "  6000   10   # trailing comment\r\n"
                                "\t6001\t11\r\n"
                                "6002 1.2e1\r\n");
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.size(), std::size_t(3));
        QCOMPARE(s.flux[2], 12.0);
        QVERIFY(!s.hasUncertainty());
        QCOMPARE(s.maskedCount(), std::size_t(0));
    }

    void threeColumnsWithCommentedHeaderInNanometres()
    {
        const auto path = write("spec.dat",
                                "# wave[nm] flux sigma\n"
                                "500.0 2.0 0.1\n"
                                "500.1 2.1 0.2\n");
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.wavelength[0], 5000.0);
        REMAP_COMPARE_REL("nm to Angstrom", s.wavelength[1], 5001.0, 1e-12);
        REMAP_COMPARE_REL("ivar", s.ivar[0], 100.0, 1e-12);
        REMAP_COMPARE_REL("ivar", s.ivar[1], 25.0, 1e-12);
    }

    void fourColumnsWithMaskAndAirComment()
    {
        const auto path = write("spec4.txt",
                                "# medium: air\n"
                                "# wavelength unit: um\n"
                                "0.50 1 0.5 0\n"
                                "0.51 1 0.5 1\n"
                                "0.52 1 0.5 0\n");
        const auto s = remap::readSpectrum(path);
        QCOMPARE(medium(s), std::string("air"));
        REMAP_COMPARE_REL("um to Angstrom", s.wavelength[2], 5200.0, 1e-12);
        QCOMPARE(s.maskedCount(), std::size_t(1));
        QCOMPARE(int(s.mask[1]), 1);
        QCOMPARE(s.ivar[1], 0.0);
    }

    void headerOrderAndUnitToken()
    {
        const auto path = write("reordered.txt",
                                "flux  wavelength (nm)  ivar\n"
                                "3.0   600.0            4\n"
                                "3.5   600.2            9\n");
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.wavelength[0], 6000.0);
        QCOMPARE(s.flux[1], 3.5);
        QCOMPARE(s.ivar[1], 9.0);
    }

    void semicolonsAndDescendingAxis()
    {
        const auto path = write("desc.csv", "7002;3\n7001;2\n7000;1\n");
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.wavelength.front(), 7000.0);
        QCOMPARE(s.flux.front(), 1.0);  // finalize() flipped the axis with its flux
    }

    void vacuumComment()
    {
        const auto path = write("vac.txt", "# medium = vacuum\n5000 1\n5001 1\n");
        QCOMPARE(medium(remap::readSpectrum(path)), std::string("vacuum"));
    }

    void garbageNamesTheLine()
    {
        const auto path = write("garbage.txt", "# header\n5000 1\n5001 1\n5002 x1\n5003 1\n");
        const std::string message = errorOf(path);
        QVERIFY2(message.find("garbage.txt") != std::string::npos, message.c_str());
        QVERIFY2(message.find("line 4") != std::string::npos, message.c_str());
        QVERIFY2(message.find("'x1' is not a number") != std::string::npos, message.c_str());
    }

    void inconsistentColumnsNamesTheLine()
    {
        const auto message = errorOf(write("ragged.txt", "5000 1 0.1\n5001 1\n"));
        QVERIFY2(message.find("line 2") != std::string::npos, message.c_str());
    }

    void oneColumnIsRefused()
    {
        const auto message = errorOf(write("onecol.txt", "1\n2\n3\n"));
        QVERIFY2(message.find("one column") != std::string::npos, message.c_str());
    }

    void onlyCommentsIsRefused()
    {
        const auto message = errorOf(write("comments.txt", "# nothing\n# here\n"));
        QVERIFY2(message.find("no data rows") != std::string::npos, message.c_str());
    }

    void proseIsRefusedWithALine()
    {
        const auto message = errorOf(write("prose.txt", "Dear colleague,\nplease find the spectrum attached.\n"));
        QVERIFY2(message.find("line 2") != std::string::npos, message.c_str());
    }

    void wavelengthsInMetresAreReadAsMetresAndSaidSo()
    {
        // 5e-7 as Angstrom, nm or um is no spectrum; only metres fit, and the reader says so.
        const auto s = remap::readSpectrum(write("metres.txt", "5.0e-7 1\n5.1e-7 1\n5.2e-7 1\n"));
        REMAP_COMPARE_REL("metres to Angstrom", s.wavelength[1], 5100.0, 1e-12);
        QCOMPARE(s.provenance.waveUnit, std::string("m"));
        QVERIFY(s.provenance.waveUnitSource.find("inferred") != std::string::npos);
        QVERIFY(!s.warnings.empty() && s.warnings[0].find("read as m") != std::string::npos);
    }

    void valuesThatFitNoUnitAreRefused()
    {
        // 0.01-0.02: 0.1 A, 1 nm, 100 um or 1e8 A; none is a stellar spectrum.
        const auto message = errorOf(write("nounit.txt", "0.010 1\n0.015 1\n0.020 1\n"));
        QVERIFY2(message.find("fit no wavelength unit") != std::string::npos, message.c_str());
        QVERIFY2(message.find("--wave-unit") != std::string::npos, message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestIoText)
#include "test_io_text.moc"
