// Air/vacuum conversion against published wavelengths and the round-trip requirement.
#include "TestSupport.h"
#include "base/Error.h"
#include "prep/AirVacuum.h"

#include <QTest>

#include <cmath>

using namespace remap;

class TestAirVacuum : public QObject {
    Q_OBJECT
private slots:
    void roundTripBelow1e4Angstrom()
    {
        double worst = 0;
        for (double w = 3000.0; w <= 25000.0; w += 0.37) {
            worst = std::max(worst, std::abs(airToVacuum(vacuumToAir(w)) - w));
            worst = std::max(worst, std::abs(vacuumToAir(airToVacuum(w)) - w));
        }
        QVERIFY2(worst < 1e-4, qPrintable(QString("worst round-trip error %1 A").arg(worst)));
        QVERIFY2(worst < 1e-7, qPrintable(QString("round trip should be exact to rounding, got %1 A").arg(worst)));
    }

    // Morton (2000) eq. 8 evaluated by hand at 5000 A: s^2 = 4, n - 1 = 2.78973e-4.
    void mortonValueAt5000() { REMAP_COMPARE_ABS("vacuum 5000 A in air", vacuumToAir(5000.0), 4998.605, 0.002); }

    // Published air/vacuum pairs (SDSS emission-line table, NIST), quoted to 0.01 A.
    void publishedLinePairs_data()
    {
        QTest::addColumn<double>("air");
        QTest::addColumn<double>("vacuum");
        QTest::newRow("H-alpha") << 6562.80 << 6564.61;
        QTest::newRow("H-beta") << 4861.33 << 4862.68;
        QTest::newRow("[O III] 5007") << 5006.84 << 5008.24;
        QTest::newRow("Ca II K") << 3933.66 << 3934.78;
        QTest::newRow("Na I D1") << 5895.92 << 5897.56;
        QTest::newRow("Mg I b1") << 5183.60 << 5185.05;
    }
    void publishedLinePairs()
    {
        QFETCH(double, air);
        QFETCH(double, vacuum);
        REMAP_COMPARE_ABS("air -> vacuum", airToVacuum(air), vacuum, 0.011);
        REMAP_COMPARE_ABS("vacuum -> air", vacuumToAir(vacuum), air, 0.011);
    }

    void continuousAndMonotonicOverPhoenixRange()
    {
        double prev = vacuumToAir(500.0);
        for (double w = 500.01; w < 55000.0; w *= 1.0 + 1e-5) {
            const double a = vacuumToAir(w);
            QVERIFY2(a > prev, qPrintable(QString("not increasing at %1 A").arg(w)));
            prev = a;
        }
        QVERIFY(std::abs(vacuumToAir(1999.9999) - vacuumToAir(2000.0)) < 1e-3);
    }

    void spectrumConversion()
    {
        Spectrum s;
        s.wavelength = {6560.0, 6564.61, 6570.0};
        s.flux = {1, 2, 3};
        s.ivar = {4, 5, 6};
        s.mask = {0, 1, 0};
        s.medium = Medium::Vacuum;
        const Spectrum air = toMedium(s, Medium::Air);
        QVERIFY(air.medium == Medium::Air);
        REMAP_COMPARE_ABS("H-alpha pixel", air.wavelength[1], 6562.80, 0.011);
        QCOMPARE(air.flux, s.flux);
        QCOMPARE(air.mask, s.mask);
        const Spectrum back = toMedium(air, Medium::Vacuum);
        for (std::size_t i = 0; i < 3; ++i) QVERIFY(std::abs(back.wavelength[i] - s.wavelength[i]) < 1e-8);
        QCOMPARE(toMedium(s, Medium::Vacuum).wavelength, s.wavelength);

        QVERIFY_THROWS_EXCEPTION(Error, toMedium(s, Medium::Unknown));
        s.medium = Medium::Unknown;
        QVERIFY_THROWS_EXCEPTION(Error, toMedium(s, Medium::Air));
    }
};

QTEST_APPLESS_MAIN(TestAirVacuum)
#include "test_prep_air_vacuum.moc"
