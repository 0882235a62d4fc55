// Reads every fixture in ../shared/fixtures/fits/expected.json (written with astropy, an
// independent writer) and checks format, size, wavelength range, flux probes, medium and labels.

#include "TestSupport.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"

#include <nlohmann/json.hpp>

#include <QObject>
#include <QTest>

#include <algorithm>
#include <fstream>

using nlohmann::json;

namespace {

json loadExpected()
{
    std::ifstream in(remap::test::fixture("fits/expected.json"));
    if (!in) throw std::runtime_error("cannot open fits/expected.json");
    return json::parse(in);
}

// Index of the pixel whose wavelength is nearest to `wave`.
std::size_t nearestPixel(const std::vector<double>& wavelength, double wave)
{
    const auto it = std::lower_bound(wavelength.begin(), wavelength.end(), wave);
    if (it == wavelength.begin()) return 0;
    if (it == wavelength.end()) return wavelength.size() - 1;
    const auto i = static_cast<std::size_t>(it - wavelength.begin());
    return (wave - wavelength[i - 1] <= wavelength[i] - wave) ? i - 1 : i;
}

}  // namespace

class TestIoReaders : public QObject {
    Q_OBJECT

private slots:
    void expectedListsAllFixtures()
    {
        const json expected = loadExpected();
        int ok = 0, error = 0;
        for (const auto& [name, entry] : expected.items()) {
            const std::string path = remap::test::fixture("fits/" + name);
            QVERIFY2(std::ifstream(path).good(), path.c_str());
            (entry.at("expect") == "ok" ? ok : error)++;
        }
        QVERIFY(ok >= 8);
        QVERIFY(error >= 7);
    }

    void okFiles_data()
    {
        QTest::addColumn<QString>("name");
        const json expected = loadExpected();
        for (const auto& [name, entry] : expected.items())
            if (entry.at("expect") == "ok") QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }

    void okFiles()
    {
        QFETCH(QString, name);
        const json entry = loadExpected().at(name.toStdString());
        const std::string path = remap::test::fixture("fits/" + name.toStdString());
        remap::Spectrum s;
        try {
            s = remap::readSpectrum(path);
        } catch (const remap::Error& e) {
            QFAIL(e.what());
        }
        const std::string format = entry.at("format");
        QCOMPARE(s.provenance.format, format);
        QCOMPARE(remap::detectSpectrumFormat(path), format);
        QCOMPARE(s.provenance.file, path);
        QCOMPARE(static_cast<qlonglong>(s.size()), entry.at("npix").get<qlonglong>());
        REMAP_COMPARE_REL("first wavelength", s.wavelength.front(), entry.at("first").get<double>(), 1e-6);
        REMAP_COMPARE_REL("last wavelength", s.wavelength.back(), entry.at("last").get<double>(), 1e-6);
        for (const auto& probe : entry.at("probes")) {
            const double wave = probe.at(0), flux = probe.at(1);
            const std::size_t i = nearestPixel(s.wavelength, wave);
            REMAP_COMPARE_REL(QStringLiteral("wavelength of the pixel nearest %1").arg(wave), s.wavelength[i], wave,
                              1e-6);
            REMAP_COMPARE_REL(QStringLiteral("flux at %1 A").arg(wave), s.flux[i], flux, 1e-5);
        }
        QCOMPARE(std::string(remap::toString(s.medium)), entry.at("medium").get<std::string>());
        if (entry.contains("teff")) {
            QVERIFY(s.labels.teff.has_value());
            REMAP_COMPARE_REL("teff", *s.labels.teff, entry.at("teff").get<double>(), 1e-12);
        }
        if (entry.contains("logg")) {
            QVERIFY(s.labels.logg.has_value());
            REMAP_COMPARE_ABS("logg", *s.labels.logg, entry.at("logg").get<double>(), 1e-12);
        }
        if (entry.contains("feh")) {
            QVERIFY(s.labels.feh.has_value());
            REMAP_COMPARE_ABS("feh", *s.labels.feh, entry.at("feh").get<double>(), 1e-12);
        }
        if (entry.contains("masked"))
            QCOMPARE(static_cast<qlonglong>(s.maskedCount()), entry.at("masked").get<qlonglong>());
        if (entry.contains("wave_file"))
            QVERIFY(s.provenance.auxFile.find(entry.at("wave_file").get<std::string>()) != std::string::npos);
        // finalize() invariants hold for every reader.
        QVERIFY(std::is_sorted(s.wavelength.begin(), s.wavelength.end()));
        QCOMPARE(s.flux.size(), s.size());
        QCOMPARE(s.ivar.size(), s.size());
        QCOMPARE(s.mask.size(), s.size());
    }

    void errorFiles_data()
    {
        QTest::addColumn<QString>("name");
        const json expected = loadExpected();
        for (const auto& [name, entry] : expected.items())
            if (entry.at("expect") == "error") QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }

    void errorFiles()
    {
        QFETCH(QString, name);
        const std::string path = remap::test::fixture("fits/" + name.toStdString());
        try {
            const auto s = remap::readSpectrum(path);
            QFAIL(qPrintable("read without error: " + name + QStringLiteral(" (%1 pixels)").arg(s.size())));
        } catch (const remap::Error& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(name), qPrintable(message));
            QVERIFY2(!e.problem().empty(), qPrintable(message));
        }
    }

    void formatNamesAreTheDocumentedOnes()
    {
        auto names = remap::spectrumFormatNames();
        std::sort(names.begin(), names.end());
        const std::vector<std::string> expected = {
            "apogee-apstar", "apogee-aspcapstar", "echelle-image", "iraf-1d",        "iraf-multispec",
            "lamost-lrs",    "lamost-mrs",        "phoenix-hires", "phoenix-medres", "remap-1d",
            "sdss-spec",     "tabular",           "text",          "wcs1d"};
        QCOMPARE(names, expected);
    }

    void forcingTheRightFormatReadsTheSame()
    {
        const json expected = loadExpected();
        for (const auto& [name, entry] : expected.items()) {
            if (entry.at("expect") != "ok") continue;
            const std::string path = remap::test::fixture("fits/" + name);
            remap::ReadOptions options;
            options.format = entry.at("format");
            const auto s = remap::readSpectrum(path, options);
            QCOMPARE(static_cast<qlonglong>(s.size()), entry.at("npix").get<qlonglong>());
            REMAP_COMPARE_REL("first wavelength", s.wavelength.front(), entry.at("first").get<double>(), 1e-6);
        }
    }
};

QTEST_GUILESS_MAIN(TestIoReaders)
#include "test_io_readers.moc"
