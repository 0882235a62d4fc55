// PHOENIX HiRes: where the WAVE file is found, and how missing or mismatched ones are reported.

#include "IoTestFiles.h"
#include "TestSupport.h"
#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/SpectrumReader.h"
#include "io/formats/PhoenixFormats.h"

#include <QDir>
#include <QFile>
#include <QObject>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using remap::FitsFile;
using namespace remap::iotest;

namespace {

const std::string kFlux = "lte05800-4.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits";
const std::string kWave = "WAVE_PHOENIX-ACES-AGSS-COND-2011.fits";

void copyFixture(const std::string& name, const std::string& target)
{
    std::filesystem::create_directories(std::filesystem::path(target).parent_path());
    std::filesystem::copy_file(remap::test::fixture("fits/" + name), target,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(target, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::string errorOf(const std::string& path, const remap::ReadOptions& options = {})
{
    try {
        remap::readSpectrum(path, options);
    } catch (const remap::Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

class TestIoPhoenix : public QObject {
    Q_OBJECT

private slots:
    void waveFileInAParentFolder()
    {
        QTemporaryDir root;
        const std::string base = root.path().toStdString();
        const std::string flux = base + "/PHOENIX-ACES-AGSS-COND-2011/Z+0.5/" + kFlux;
        const std::string wave = base + "/" + kWave;
        copyFixture(kFlux, flux);
        copyFixture(kWave, wave);
        const auto s = remap::readSpectrum(flux);
        QCOMPARE(s.provenance.format, std::string("phoenix-hires"));
        QCOMPARE(std::filesystem::canonical(s.provenance.auxFile), std::filesystem::canonical(wave));
        QCOMPARE(s.size(), std::size_t(4419));
        REMAP_COMPARE_REL("first", s.wavelength.front(), 4800.0, 1e-12);
        QCOMPARE(*s.labels.teff, 5800.0);
        QCOMPARE(*s.labels.logg, 4.5);
        QCOMPARE(*s.labels.feh, 0.5);
        QCOMPARE(*s.labels.alpha, 0.0);
        QCOMPARE(s.fluxUnit, std::string("erg/s/cm^2/cm"));
        QCOMPARE(medium(s), std::string("vacuum"));
    }

    void nearestWaveFileWins()
    {
        QTemporaryDir root;
        const std::string base = root.path().toStdString();
        const std::string flux = base + "/a/b/" + kFlux;
        copyFixture(kFlux, flux);
        copyFixture(kWave, base + "/" + kWave);
        copyFixture(kWave, base + "/a/" + kWave);
        QCOMPARE(std::filesystem::canonical(remap::findPhoenixWaveFile(flux, "")),
                 std::filesystem::canonical(base + "/a/" + kWave));
        copyFixture(kWave, base + "/a/b/" + kWave);
        QCOMPARE(std::filesystem::canonical(remap::findPhoenixWaveFile(flux, "")),
                 std::filesystem::canonical(base + "/a/b/" + kWave));
    }

    void explicitWaveFileOrFolder()
    {
        QTemporaryDir root;
        const std::string base = root.path().toStdString();
        const std::string flux = base + "/grid/" + kFlux;
        const std::string wave = base + "/elsewhere/" + kWave;
        copyFixture(kFlux, flux);
        copyFixture(kWave, wave);
        remap::ReadOptions options;
        options.waveFile = wave;
        QCOMPARE(remap::readSpectrum(flux, options).provenance.auxFile, wave);
        options.waveFile = base + "/elsewhere";
        QCOMPARE(std::filesystem::canonical(remap::readSpectrum(flux, options).provenance.auxFile),
                 std::filesystem::canonical(wave));
        options.waveFile = base + "/nope.fits";
        const std::string message = errorOf(flux, options);
        QVERIFY2(message.find("nope.fits") != std::string::npos, message.c_str());
        QVERIFY2(message.find("does not exist") != std::string::npos, message.c_str());
    }

    void missingWaveFileIsAClearError()
    {
        QTemporaryDir root;
        const std::string flux = root.path().toStdString() + "/Z-0.0/" + kFlux;
        copyFixture(kFlux, flux);
        // Detection does not need the WAVE file: the abundance table never makes it 'tabular'.
        QCOMPARE(remap::detectSpectrumFormat(flux), std::string("phoenix-hires"));
        const std::string message = errorOf(flux);
        QVERIFY2(message.find(kFlux) != std::string::npos, message.c_str());
        QVERIFY2(message.find(kWave) != std::string::npos, message.c_str());
        QVERIFY2(message.find("not found") != std::string::npos, message.c_str());
    }

    void waveFileOfAnotherLengthIsRefused()
    {
        QTemporaryDir root;
        const std::string base = root.path().toStdString();
        const std::string flux = base + "/" + kFlux;
        copyFixture(kFlux, flux);
        {
            auto f = FitsFile::create(base + "/" + kWave);
            std::vector<double> wave(100);
            for (std::size_t i = 0; i < wave.size(); ++i) wave[i] = 5000.0 + double(i);
            f.createImage(wave, -64);
            f.close();
        }
        const std::string message = errorOf(flux);
        QVERIFY2(message.find("100 points") != std::string::npos, message.c_str());
        QVERIFY2(message.find("4419") != std::string::npos, message.c_str());
    }

    void changedWaveFileIsReloaded()
    {
        // The reader caches the last WAVE file; a rewritten file must not be served from the cache.
        QTemporaryDir root;
        const std::string base = root.path().toStdString();
        const std::string flux = base + "/" + kFlux;
        copyFixture(kFlux, flux);
        copyFixture(kWave, base + "/" + kWave);
        REMAP_COMPARE_REL("first", remap::readSpectrum(flux).wavelength.front(), 4800.0, 1e-12);
        {
            auto f = FitsFile::create(base + "/" + kWave);
            std::vector<double> wave(4419);
            for (std::size_t i = 0; i < wave.size(); ++i) wave[i] = 9000.0 + 0.5 * double(i);
            f.createImage(wave, -32);  // another file size too, whatever the time-stamp resolution
            f.close();
        }
        REMAP_COMPARE_REL("first after rewrite", remap::readSpectrum(flux).wavelength.front(), 9000.0, 1e-12);
    }
};

QTEST_GUILESS_MAIN(TestIoPhoenix)
#include "test_io_phoenix.moc"
