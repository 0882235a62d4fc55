// Layouts without a shared fixture: synthetic files written with FitsFile from known wavelength
// solutions; the expected wavelengths are computed here from the archive's formula.

#include "IoTestFiles.h"
#include "TestSupport.h"
#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/SpectrumReader.h"
#include "io/formats/IrafFormats.h"

#include <QObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using remap::FitsFile;
using namespace remap::iotest;

namespace {

void compareArrays(const char* what, const std::vector<double>& actual, const std::vector<double>& expected,
                   double relTol)
{
    QCOMPARE(actual.size(), expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i)
        REMAP_COMPARE_REL(QStringLiteral("%1[%2]").arg(what).arg(i), actual[i], expected[i], relTol);
}

std::vector<double> rows(const std::vector<std::vector<double>>& r)
{
    std::vector<double> out;
    for (const auto& row : r) out.insert(out.end(), row.begin(), row.end());
    return out;
}

std::string expectError(const std::string& path, const remap::ReadOptions& options = {})
{
    try {
        remap::readSpectrum(path, options);
    } catch (const remap::Error& e) {
        return e.what();
    }
    return "no error";
}

// 68-character WAT2 pieces, the last one shorter.
std::vector<std::string> splitWat(const std::string& text)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < text.size(); i += 68) out.push_back(text.substr(i, 68));
    return out;
}

}  // namespace

class TestIoLayouts : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    // apStar with 3 rows (combined, combined, visit) of 500 pixels.
    std::string writeApStar(bool oneD)
    {
        const std::string path = pathIn(dir_, oneD ? "apStar-1d.fits" : "apStar-3rows.fits");
        const long n = 500, nrows = oneD ? 1 : 3;
        auto f = FitsFile::create(path);
        f.createEmptyPrimary();
        f.writeKey("NVISITS", static_cast<long long>(oneD ? 1 : 2));
        keyString(f, "OBJID", "2M12345678+1234567");
        f.writeHistory("APOGEE Reduction Pipeline Version: r13");
        std::vector<std::vector<double>> flux, err, bits;
        for (long r = 0; r < nrows; ++r) {
            flux.push_back(starFlux(n, 50.0 * static_cast<double>(r + 1)));
            err.push_back(constant(n, 0.5));
            bits.push_back(constant(n, 0));
        }
        err[0][10] = 0.0;
        err[0][11] = -1.0;
        bits[0][20] = 1;     // BADPIX
        bits[0][21] = 4096;  // SIG_SKYLINE
        auto wcs = [&](const char* unit) {
            f.writeKey("CRVAL1", 4.179);
            f.writeKey("CDELT1", 6e-6);
            f.writeKey("CRPIX1", 1.0);
            keyString(f, "CTYPE1", "LOG-LINEAR");
            keyString(f, "BUNIT", unit);
        };
        const std::vector<long> shape = oneD ? std::vector<long>{n} : std::vector<long>{n, nrows};
        f.createImage(rows(flux), shape, -64);
        wcs("Flux (10^-17 erg/s/cm^2/Ang)");
        f.createImage(rows(err), shape, -64);
        wcs("Err (10^-17 erg/s/cm^2/Ang)");
        f.createImage(rows(bits), shape, 32);
        wcs("Pixel bitmask");
        f.close();
        return path;
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void apStarCombinedRow()
    {
        const std::string path = writeApStar(false);
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("apogee-apstar"));
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.size(), std::size_t(500));
        for (std::size_t i = 0; i < 500; i += 37)
            REMAP_COMPARE_REL("apStar wavelength", s.wavelength[i], std::pow(10.0, 4.179 + 6e-6 * double(i)), 1e-12);
        compareArrays("flux row 0", s.flux, starFlux(500, 50.0), 1e-12);
        QCOMPARE(medium(s), std::string("vacuum"));
        QCOMPARE(s.objectName, std::string("2M12345678+1234567"));
        QCOMPARE(s.fluxUnit, std::string("10^-17 erg/s/cm^2/Ang"));
        REMAP_COMPARE_REL("ivar = 1/err^2", s.ivar[0], 4.0, 1e-12);
        QCOMPARE(s.maskedCount(), std::size_t(4));  // err 0, err < 0, two bitmask pixels
        for (std::size_t i : {10, 11, 20, 21}) {
            QCOMPARE(int(s.mask[i]), 1);
            QCOMPARE(s.ivar[i], 0.0);
        }
    }

    void apStarOtherRow()
    {
        const std::string path = writeApStar(false);
        remap::ReadOptions options;
        options.row = 2;
        const auto s = remap::readSpectrum(path, options);
        compareArrays("flux row 2", s.flux, starFlux(500, 150.0), 1e-12);
        QCOMPARE(s.maskedCount(), std::size_t(0));
        options.row = 3;
        const std::string message = expectError(path, options);
        QVERIFY2(message.find("row 3") != std::string::npos && message.find("3 rows") != std::string::npos,
                 message.c_str());
    }

    void apStarSingleVisitIsOneDimensional()
    {
        const std::string path = writeApStar(true);
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.size(), std::size_t(500));
        compareArrays("flux", s.flux, starFlux(500, 50.0), 1e-12);
        remap::ReadOptions options;
        options.row = 1;
        QVERIFY(expectError(path, options).find("1-D") != std::string::npos);
    }

    void aspcapStar()
    {
        const std::string path = pathIn(dir_, "aspcapStar-dr17-2M0000.fits");
        const std::size_t n = 8575;
        std::vector<double> norm(n), err(n, 0.01);
        for (std::size_t i = 0; i < n; ++i) norm[i] = 1.0 - 0.2 * std::exp(-std::pow((double(i) - 4000.0) / 5.0, 2));
        err[100] = 0.0;
        {
            auto f = FitsFile::create(path);
            f.createEmptyPrimary();
            f.writeKey("NVISITS", 3LL);  // also an apStar signature: aspcapStar must still win
            keyString(f, "OBJID", "2M00000000+0000001");
            f.createImage(norm, -32);
            f.writeKey("CRVAL1", 4.179);
            f.writeKey("CDELT1", 6e-6);
            f.writeKey("CRPIX1", 1.0);
            f.createImage(err, -32);
            f.createImage(norm, -32);  // best-fit model
            f.createTable("ASPCAP", {{"ASPCAPFLAG", "K", ""}, {"PARAM", "9E", ""}}, 1);
            f.writeColumn(1, std::vector<double>{0.0});
            f.close();
        }
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("apogee-aspcapstar"));
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.size(), n);
        REMAP_COMPARE_REL("first", s.wavelength.front(), std::pow(10.0, 4.179), 1e-12);
        REMAP_COMPARE_REL("last", s.wavelength.back(), std::pow(10.0, 4.179 + 6e-6 * 8574.0), 1e-12);
        REMAP_COMPARE_REL("line core", s.flux[4000], 0.8, 1e-6);
        REMAP_COMPARE_REL("ivar", s.ivar[0], 1.0 / (0.01f * 0.01f), 1e-6);
        QCOMPARE(int(s.mask[100]), 1);
        QCOMPARE(medium(s), std::string("vacuum"));
        QCOMPARE(s.objectName, std::string("2M00000000+0000001"));
    }

    void lamostOldImageLogLinear()
    {
        const std::string path = pathIn(dir_, "spec-55859-F5902_sp01-001.fits");
        const long n = 3000;
        auto flux = starFlux(n, 500.0);
        auto ivar = constant(n, 0.25);
        auto cont = constant(n, 1.0);
        auto andmask = constant(n, 0.0);
        auto ormask = constant(n, 0.0);
        ivar[5] = 0.0;
        andmask[7] = 2.0;
        ormask[9] = 8.0;  // OR mask alone does not mask
        {
            auto f = FitsFile::create(path);
            f.createImage(rows({flux, ivar, cont, andmask, ormask}), {n, 5}, -32);
            keyString(f, "TELESCOP", "LAMOST");
            f.writeKey("CRVAL1", 3.5682);
            f.writeKey("CD1_1", 1e-4);
            f.writeKey("CRPIX1", 1.0);
            f.writeKey("DC-FLAG", 1LL);
            keyString(f, "OBJNAME", "J000000.00+000000.0");
            f.close();
        }
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("lamost-lrs"));
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.size(), std::size_t(n));
        for (long i = 0; i < n; i += 111)
            REMAP_COMPARE_REL("wavelength", s.wavelength[i], std::pow(10.0, 3.5682 + 1e-4 * double(i)), 1e-12);
        compareArrays("flux", s.flux, flux, 1e-6);
        QCOMPARE(s.ivar[0], 0.25);
        QCOMPARE(s.maskedCount(), std::size_t(2));
        QCOMPARE(int(s.mask[5]), 1);
        QCOMPARE(int(s.mask[7]), 1);
        QCOMPARE(int(s.mask[9]), 0);
        QCOMPARE(medium(s), std::string("vacuum"));
        QCOMPARE(s.objectName, std::string("J000000.00+000000.0"));
    }

    void lamostOldImageLinearAir()
    {
        const std::string path = pathIn(dir_, "lamost-linear.fits");
        const long n = 1000;
        const auto flux = starFlux(n, 10.0);
        {
            auto f = FitsFile::create(path);
            f.createImage(rows({flux, constant(n, 1.0), constant(n, 0.0), constant(n, 0.0), constant(n, 0.0)}), {n, 5},
                          -32);
            keyString(f, "TELESCOP", "LAMOST");
            f.writeKey("CRVAL1", 3700.0);
            f.writeKey("CD1_1", 1.5);
            f.writeKey("CRPIX1", 1.0);
            f.writeKey("DC-FLAG", 0LL);
            f.writeKey("VACUUM", false);
            f.close();
        }
        const auto s = remap::readSpectrum(path);
        REMAP_COMPARE_REL("first", s.wavelength.front(), 3700.0, 1e-12);
        REMAP_COMPARE_REL("last", s.wavelength.back(), 3700.0 + 1.5 * 999.0, 1e-12);
        QCOMPARE(medium(s), std::string("air"));
    }

    void lamostTableWithoutWavelengthColumnUsesHeader()
    {
        const std::string path = pathIn(dir_, "lamost-table-nowave.fits");
        const long n = 400;
        const auto flux = starFlux(n, 800.0);
        {
            auto f = FitsFile::create(path);
            f.createEmptyPrimary();
            keyString(f, "TELESCOP", "LAMOST");
            f.writeKey("CRVAL1", 3.5682);
            f.writeKey("CD1_1", 1e-4);
            f.writeKey("CRPIX1", 1.0);
            f.writeKey("DC-FLAG", 1LL);
            keyString(f, "VACUUM", "F");  // as text, not a logical
            f.createTable("COADD", {{"FLUX", "400E", ""}, {"IVAR", "400E", ""}, {"ANDMASK", "400E", ""}}, 1);
            f.writeColumn(1, flux);
            f.writeColumn(2, constant(n, 1.0));
            f.writeColumn(3, constant(n, 0.0));
            f.close();
        }
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.provenance.format, std::string("lamost-lrs"));
        REMAP_COMPARE_REL("last", s.wavelength.back(), std::pow(10.0, 3.5682 + 1e-4 * 399.0), 1e-12);
        QCOMPARE(medium(s), std::string("air"));
        compareArrays("flux", s.flux, flux, 1e-6);
    }

    void irafMultispecOrders()
    {
        const std::string path = pathIn(dir_, "multispec.fits");
        const long n = 300;
        // spec1 linear, spec2 log10, spec3 linear with z; padded so that a piece ends in a blank
        // and a number is cut across two cards.
        std::string wat = "wtype=multispec spec1 = \"1 1 0 4000. 0.05 300 0. 10.5 20.5\"";
        while (wat.size() < 67) wat += ' ';
        wat += " spec2 = \"2 2 1 3.62 1.0E-5 300 0. 30 40\" spec3 = \"3 3 0 5000.125 0.1 300 0.001 50 60\"";
        const auto pieces = splitWat(wat);
        QVERIFY(pieces.size() >= 2);
        QCOMPARE(pieces[0].back(), ' ');  // the trailing blank that must be kept
        {
            auto f = FitsFile::create(path);
            f.createImage(rows({starFlux(n, 1.0), starFlux(n, 2.0), starFlux(n, 3.0)}), {n, 3}, -32);
            keyString(f, "CTYPE1", "MULTISPE");
            keyString(f, "CTYPE2", "MULTISPE");
            keyString(f, "WAT0_001", "system=multispec");
            keyString(f, "WAT1_001", "wtype=multispec label=Wavelength units=angstroms");
            for (std::size_t i = 0; i < pieces.size(); ++i) {
                std::string number = std::to_string(i + 1);
                number.insert(0, 3 - number.size(), '0');
                f.writeRecord(quotedCard("WAT2_" + number, pieces[i]));
            }
            keyString(f, "OBJECT", "HD 100000");
            f.close();
        }
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("iraf-multispec"));
        remap::ReadOptions options;
        // By default the three disjoint orders are merged (test_io_echelle checks the merge itself).
        const auto merged = remap::readSpectrum(path, options);
        QCOMPARE(merged.provenance.orders, 3);
        REMAP_COMPARE_REL("merged first", merged.wavelength.front(), 4000.0, 1e-12);
        REMAP_COMPARE_REL("merged last (within one grid step)", merged.wavelength.back(),
                          (5000.125 + 0.1 * 299.0) / 1.001, 2e-5);
        options.order = 1;
        const auto s1 = remap::readSpectrum(path, options);
        QCOMPARE(s1.size(), std::size_t(n));
        REMAP_COMPARE_REL("spec1 first", s1.wavelength.front(), 4000.0, 1e-12);
        REMAP_COMPARE_REL("spec1 last", s1.wavelength.back(), 4000.0 + 0.05 * 299.0, 1e-12);
        compareArrays("spec1 flux", s1.flux, starFlux(n, 1.0), 1e-6);
        QCOMPARE(medium(s1), std::string("air"));
        QCOMPARE(s1.objectName, std::string("HD 100000"));

        options.order = 2;
        const auto s2 = remap::readSpectrum(path, options);
        REMAP_COMPARE_REL("spec2 first", s2.wavelength.front(), std::pow(10.0, 3.62), 1e-12);
        REMAP_COMPARE_REL("spec2 last", s2.wavelength.back(), std::pow(10.0, 3.62 + 1e-5 * 299.0), 1e-12);
        compareArrays("spec2 flux", s2.flux, starFlux(n, 2.0), 1e-6);

        options.order = 3;
        const auto s3 = remap::readSpectrum(path, options);
        REMAP_COMPARE_REL("spec3 first", s3.wavelength.front(), 5000.125 / 1.001, 1e-12);
        REMAP_COMPARE_REL("spec3 last", s3.wavelength.back(), (5000.125 + 0.1 * 299.0) / 1.001, 1e-12);

        options.order = 4;
        const std::string message = expectError(path, options);
        QVERIFY2(message.find("order 4") != std::string::npos && message.find("multispec.fits") != std::string::npos,
                 message.c_str());
    }

    void multispecJoinRestoresTrimmedBlanks()
    {
        // A writer that dropped the trailing blank of the first piece: 68-character padding restores it.
        std::string first = "wtype=multispec spec1 = \"1 1 0 4000. 0.05 300 0. 1 2\"";
        while (first.size() < 67) first += ' ';
        first += ' ';
        const std::string second = "spec2 = \"2 2 0 6000. 0.5 300 0. 1 2\"";
        const std::vector<std::string> records = {
            quotedCard("WAT2_001", first.substr(0, first.find_last_not_of(' ') + 1)), quotedCard("WAT2_002", second)};
        const std::string joined = remap::joinWat2(records);
        QCOMPARE(joined, first + second);
        const auto order2 = remap::parseMultispecOrder(joined, 2);
        QVERIFY(order2.has_value());
        QCOMPARE(order2->w1, 6000.0);
        QCOMPARE(order2->dw, 0.5);
        QVERIFY(!remap::parseMultispecOrder(joined, 3).has_value());
        // "spec1" must not match inside "spec10".
        QVERIFY(!remap::parseMultispecOrder("spec10 = \"10 10 0 1 1 5 0 1 2\"", 1).has_value());
    }

    void irafEquispecSecondAperture()
    {
        const std::string path = pathIn(dir_, "equispec-2ap.fits");
        const long n = 200;
        {
            auto f = FitsFile::create(path);
            f.createImage(rows({starFlux(n, 1.0), starFlux(n, 7.0)}), {n, 2}, -32);
            f.writeKey("CRVAL1", 6000.0);
            f.writeKey("CDELT1", 0.25);
            f.writeKey("CD1_1", 0.25);
            f.writeKey("CRPIX1", 1.0);
            f.writeKey("DC-FLAG", 0LL);
            keyString(f, "WAT0_001", "system=equispec");
            keyString(f, "WAT1_001", "wtype=linear label=Wavelength units=nanometers");
            f.close();
        }
        remap::ReadOptions options;
        options.order = 2;
        const auto s = remap::readSpectrum(path, options);
        QCOMPARE(s.provenance.format, std::string("iraf-1d"));
        compareArrays("aperture 2", s.flux, starFlux(n, 7.0), 1e-6);
        REMAP_COMPARE_REL("nm to Angstrom", s.wavelength.front(), 60000.0, 1e-12);
        options.order = 3;
        QVERIFY(expectError(path, options).find("aperture 3") != std::string::npos);
    }

    void wcs1dInverseVarianceMicronAndDq()
    {
        const std::string path = pathIn(dir_, "wcs1d-ivar.fits");
        const std::size_t n = 1000;
        auto ivar = constant(n, 16.0);
        auto dq = constant(n, 0.0);
        ivar[3] = 0.0;
        dq[8] = 1.0;
        {
            auto f = FitsFile::create(path);
            f.createEmptyPrimary();
            keyString(f, "OBJECT", "Vega");
            f.createImage(starFlux(n, 3.0), -64);
            keyString(f, "EXTNAME", "SCI");
            keyString(f, "CTYPE1", "WAVE");
            keyString(f, "CUNIT1", "um");
            f.writeKey("CRVAL1", 0.5);
            f.writeKey("CDELT1", 1e-5);
            f.writeKey("CRPIX1", 1.0);
            f.createImage(ivar, -64);
            keyString(f, "EXTNAME", "IVAR");
            f.createImage(dq, -64);
            keyString(f, "EXTNAME", "DQ");
            f.close();
        }
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("wcs1d"));
        const auto s = remap::readSpectrum(path);
        REMAP_COMPARE_REL("first", s.wavelength.front(), 5000.0, 1e-12);
        REMAP_COMPARE_REL("last", s.wavelength.back(), (0.5 + 1e-5 * 999.0) * 1e4, 1e-12);
        QCOMPARE(s.ivar[0], 16.0);
        QCOMPARE(s.maskedCount(), std::size_t(2));
        QCOMPARE(int(s.mask[3]), 1);
        QCOMPARE(int(s.mask[8]), 1);
        QCOMPARE(medium(s), std::string("vacuum"));
        QCOMPARE(s.objectName, std::string("Vega"));
        QCOMPARE(s.provenance.hdu, 1);
    }

    void wcs1dVarianceWithCd()
    {
        const std::string path = pathIn(dir_, "wcs1d-var.fits");
        const std::size_t n = 500;
        {
            auto f = FitsFile::create(path);
            f.createImage(starFlux(n, 3.0), -64);
            keyString(f, "EXTNAME", "FLUX");
            keyString(f, "CTYPE1", "AWAV");
            f.writeKey("CRVAL1", 6500.0);
            f.writeKey("CD1_1", 0.02);
            f.writeKey("CRPIX1", 11.0);  // CRVAL1 belongs to pixel 11
            f.createImage(constant(n, 0.04), -64);
            keyString(f, "EXTNAME", "VAR");
            f.close();
        }
        const auto s = remap::readSpectrum(path);
        REMAP_COMPARE_REL("first", s.wavelength.front(), 6500.0 - 10 * 0.02, 1e-12);
        REMAP_COMPARE_REL("pixel 11", s.wavelength[10], 6500.0, 1e-12);
        REMAP_COMPARE_REL("ivar = 1/var", s.ivar[17], 25.0, 1e-12);
        QCOMPARE(medium(s), std::string("air"));
    }

    void wcs1dLogAxes()
    {
        const std::size_t n = 800;
        {
            // '*-LOG' with CRVAL1 < 10: ln(Angstrom).
            const std::string path = pathIn(dir_, "wcs1d-ln.fits");
            auto f = FitsFile::create(path);
            f.createImage(starFlux(n), -32);
            keyString(f, "CTYPE1", "WAVE-LOG");
            f.writeKey("CRVAL1", std::log(5000.0));
            f.writeKey("CDELT1", 2e-5);
            f.writeKey("CRPIX1", 1.0);
            f.close();
            const auto s = remap::readSpectrum(path);
            QCOMPARE(s.provenance.format, std::string("wcs1d"));
            REMAP_COMPARE_REL("first", s.wavelength.front(), 5000.0, 1e-12);
            REMAP_COMPARE_REL("last", s.wavelength.back(), 5000.0 * std::exp(2e-5 * 799.0), 1e-12);
            QCOMPARE(medium(s), std::string("vacuum"));
        }
        {
            // FITS -LOG: lambda = CRVAL1 exp(CDELT1 (p - CRPIX1) / CRVAL1), here in nm.
            const std::string path = pathIn(dir_, "wcs1d-fitslog.fits");
            auto f = FitsFile::create(path);
            f.createImage(starFlux(n), -32);
            keyString(f, "CTYPE1", "AWAV-LOG");
            keyString(f, "CUNIT1", "nm");
            f.writeKey("CRVAL1", 500.0);
            f.writeKey("CDELT1", 0.01);
            f.writeKey("CRPIX1", 1.0);
            f.close();
            const auto s = remap::readSpectrum(path);
            REMAP_COMPARE_REL("last", s.wavelength.back(), 10.0 * 500.0 * std::exp(0.01 * 799.0 / 500.0), 1e-12);
            QCOMPARE(medium(s), std::string("air"));
        }
    }

    void tabularLoglamWithoutUnits()
    {
        const std::string path = pathIn(dir_, "table-loglam.fits");
        const std::size_t n = 600;
        std::vector<double> loglam(n), ivar(n, 9.0);
        for (std::size_t i = 0; i < n; ++i) loglam[i] = 3.6 + 1e-4 * double(i);
        ivar[50] = 0.0;
        {
            auto f = FitsFile::create(path);
            f.createEmptyPrimary();
            keyString(f, "MEDIUM", "air");
            f.createTable("SPEC", {{"loglam", "D", ""}, {"flux", "D", ""}, {"ivar", "D", ""}}, long(n));
            f.writeColumn(1, loglam);
            f.writeColumn(2, starFlux(n));
            f.writeColumn(3, ivar);
            f.close();
        }
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("tabular"));
        const auto s = remap::readSpectrum(path);
        REMAP_COMPARE_REL("first", s.wavelength.front(), std::pow(10.0, 3.6), 1e-12);
        REMAP_COMPARE_REL("last", s.wavelength.back(), std::pow(10.0, 3.6 + 1e-4 * 599.0), 1e-12);
        compareArrays("flux", s.flux, starFlux(n), 1e-12);
        QCOMPARE(s.ivar[0], 9.0);
        QCOMPARE(int(s.mask[50]), 1);
        QCOMPARE(medium(s), std::string("air"));
    }

    void tabularNanometreWithSigmaByUnit()
    {
        const std::string path = pathIn(dir_, "table-nm.fits");
        const std::size_t n = 300;
        std::vector<double> wave(n);
        for (std::size_t i = 0; i < n; ++i) wave[i] = 650.0 + 0.01 * double(i);
        {
            auto f = FitsFile::create(path);
            f.createEmptyPrimary();
            f.createTable("DATA",
                          {{"lam", "D", "nm"}, {"f", "D", "W m-2 nm-1"}, {"df", "D", "W m-2 nm-1"}, {"mask", "B", ""}},
                          long(n));
            f.writeColumn(1, wave);
            f.writeColumn(2, starFlux(n));
            f.writeColumn(3, constant(n, 0.5));
            auto mask = std::vector<std::uint8_t>(n, 0);
            mask[4] = 1;
            f.writeColumn(4, mask);
            f.close();
        }
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.provenance.format, std::string("tabular"));
        REMAP_COMPARE_REL("first", s.wavelength.front(), 6500.0, 1e-12);
        QCOMPARE(s.ivar[1], 4.0);
        QCOMPARE(int(s.mask[4]), 1);
        QCOMPARE(s.fluxUnit, std::string("W m-2 nm-1"));
        QCOMPARE(medium(s), std::string("vacuum"));  // the documented convention without a hint
    }

    void sdssFiveUpperCaseColumns()
    {
        const std::string path = pathIn(dir_, "spec-015000-59000-4567890123.fits");
        const std::size_t n = 1000;
        std::vector<double> loglam(n), ivar(n, 2.0), andMask(n, 0.0);
        for (std::size_t i = 0; i < n; ++i) loglam[i] = 3.5523 + 1e-4 * double(i);
        ivar[1] = 0.0;
        andMask[2] = 1 << 20;
        {
            auto f = FitsFile::create(path);
            f.createEmptyPrimary();
            keyString(f, "TELESCOP", "SDSS 2.5-M");
            f.writeKey("VACUUM", true);
            f.createTable(
                "COADD",
                {{"FLUX", "E", ""}, {"LOGLAM", "E", ""}, {"IVAR", "E", ""}, {"AND_MASK", "J", ""}, {"WRESL", "E", ""}},
                long(n));
            f.writeColumn(1, starFlux(n));
            f.writeColumn(2, loglam);
            f.writeColumn(3, ivar);
            f.writeColumn(4, andMask);
            f.close();
        }
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("sdss-spec"));
        const auto s = remap::readSpectrum(path);
        // loglam is float32 in the file: 10^(the stored float), not 10^(the double we meant).
        REMAP_COMPARE_REL("first", s.wavelength.front(), std::pow(10.0, double(float(3.5523))), 1e-12);
        QCOMPARE(s.maskedCount(), std::size_t(2));
        QCOMPARE(int(s.mask[1]), 1);
        QCOMPARE(int(s.mask[2]), 1);
        QCOMPARE(medium(s), std::string("vacuum"));
    }

    void sdssCoaddWithoutTelescopeIsStillSdss()
    {
        const std::string path = pathIn(dir_, "coadd-only.fits");
        const std::size_t n = 100;
        std::vector<double> loglam(n);
        for (std::size_t i = 0; i < n; ++i) loglam[i] = 3.7 + 1e-4 * double(i);
        {
            auto f = FitsFile::create(path);
            f.createEmptyPrimary();
            f.createTable("COADD", {{"flux", "E", ""}, {"loglam", "E", ""}}, long(n));
            f.writeColumn(1, starFlux(n));
            f.writeColumn(2, loglam);
            f.close();
        }
        QCOMPARE(remap::detectSpectrumFormat(path), std::string("sdss-spec"));
    }

    void sdssSpSpecImageUsesCoeff()
    {
        const std::string path = pathIn(dir_, "spSpec-51788-0401-161.fit");
        const long n = 3000;
        auto sigma = constant(n, 0.5);
        auto mask = constant(n, 0.0);
        sigma[12] = 0.0;
        mask[13] = 64.0;
        {
            auto f = FitsFile::create(path);
            f.createImage(rows({starFlux(n), constant(n, 0.0), sigma, mask}), {n, 4}, -32);
            keyString(f, "TELESCOP", "SDSS 2.5-M");
            f.writeKey("COEFF0", 3.5786);
            f.writeKey("COEFF1", 1e-4);
            f.writeKey("PLATEID", 401LL);
            f.writeKey("MJD", 51788LL);
            f.writeKey("FIBERID", 161LL);
            f.close();
        }
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.provenance.format, std::string("sdss-spec"));
        REMAP_COMPARE_REL("first", s.wavelength.front(), std::pow(10.0, 3.5786), 1e-12);
        REMAP_COMPARE_REL("last", s.wavelength.back(), std::pow(10.0, 3.5786 + 1e-4 * 2999.0), 1e-12);
        QCOMPARE(s.ivar[0], 4.0);
        QCOMPARE(s.maskedCount(), std::size_t(2));
        QCOMPARE(s.metadata.at("plate"), std::string("401"));
        QCOMPARE(s.metadata.at("mjd"), std::string("51788"));
        QCOMPARE(s.metadata.at("fiber"), std::string("161"));
    }

    void phoenixMedresVacuumLog()
    {
        const std::string path = pathIn(dir_, "lte06000-4.00-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits");
        const std::size_t n = 700;
        {
            auto f = FitsFile::create(path);
            f.createImage(starFlux(n, 1e14), -32);
            keyString(f, "CTYPE1", "WAVE-LOG");
            f.writeKey("CRVAL1", std::log(3000.0));
            f.writeKey("CDELT1", 1e-5);
            f.writeKey("CRPIX1", 1.0);
            f.writeKey("PHXTEFF", 6000LL);
            f.writeKey("PHXLOGG", 4.0);
            f.writeKey("PHXM_H", -0.0);
            f.writeKey("PHXALPHA", 0.4);
            f.close();
        }
        const auto s = remap::readSpectrum(path);
        QCOMPARE(s.provenance.format, std::string("phoenix-medres"));
        REMAP_COMPARE_REL("first", s.wavelength.front(), 3000.0, 1e-12);
        REMAP_COMPARE_REL("last", s.wavelength.back(), 3000.0 * std::exp(1e-5 * 699.0), 1e-12);
        QCOMPARE(medium(s), std::string("vacuum"));
        QCOMPARE(*s.labels.teff, 6000.0);
        QCOMPARE(*s.labels.alpha, 0.4);
        QCOMPARE(s.fluxUnit, std::string("erg/s/cm^2/cm"));
    }
};

QTEST_GUILESS_MAIN(TestIoLayouts)
#include "test_io_layouts.moc"
