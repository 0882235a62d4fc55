// PHOENIX-format grid: names, spacing, files the PHOENIX reader opens, resumability, cancellation.
#include "TestSupport.h"

#include "base/Error.h"
#include "io/SpectrumReader.h"
#include "synth/PhoenixGrid.h"
#include "synth/Synthesizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cmath>
#include <filesystem>

using namespace remap;
using namespace remap::synth;
namespace fs = std::filesystem;

namespace {

class CancelAfter final : public ProgressObserver {
public:
    explicit CancelAfter(std::size_t n) : n_(n) {}
    void onProgress(std::size_t done, std::size_t, std::string_view) override { done_ = done; }
    bool cancelRequested() const override { return done_ >= n_; }

private:
    std::size_t n_;
    std::atomic<std::size_t> done_{0};
};

GridSpec tinySpec()
{
    GridSpec spec;
    spec.teffMin = 5700;
    spec.teffMax = 5800;
    spec.loggMin = 4.0;
    spec.loggMax = 4.5;
    spec.fehMin = -0.5;
    spec.fehMax = 0.0;
    spec.windowMin = 5160.0;
    spec.windowMax = 5200.0;
    spec.threads = 2;
    return spec;
}

}  // namespace

class TestSynthGrid : public QObject {
    Q_OBJECT

private slots:
    void phoenixNames()
    {
        QCOMPARE(phoenixFileName(5800, 4.5, 0.0, 0.0),
                 std::string("lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"));
        QCOMPARE(phoenixFileName(3500, 0.0, -1.5, 0.2),
                 std::string("lte03500-0.00-1.5.Alpha=+0.20.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"));
        QCOMPARE(phoenixFileName(7000, 5.5, 0.5, 0.0),
                 std::string("lte07000-5.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"));
        QCOMPARE(phoenixFolderName(0.0, 0.0), std::string("Z-0.0"));
        QCOMPARE(phoenixFolderName(0.5, 0.0), std::string("Z+0.5"));
        QCOMPARE(phoenixFolderName(-1.0, 0.4), std::string("Z-1.0.Alpha=+0.40"));
    }

    void phoenixSpacing()
    {
        const GridSpec defaults;
        const auto points = phoenixGridPoints(defaults);
        // Teff 3800-7000 step 100 (33) x log g 0.5-5.0 step 0.5 (10) x [Fe/H] -2,-1.5,-1,-0.5,0,+0.5 (6).
        QCOMPARE(points.size(), std::size_t(33 * 10 * 6));
        GridSpec hot;
        hot.teffMin = 6900;
        hot.teffMax = 7600;
        hot.loggMin = hot.loggMax = 4.5;
        hot.fehMin = hot.fehMax = 0.0;
        std::vector<double> teffs;
        for (const auto& p : phoenixGridPoints(hot)) teffs.push_back(p.teff);
        QCOMPARE(teffs, (std::vector<double>{6900, 7000, 7200, 7400, 7600}));
        // Points outside the atmosphere grid's domain are left out: above 7500 K log g starts at 1.0.
        GridSpec lowGravity = hot;
        lowGravity.loggMin = lowGravity.loggMax = 0.5;
        teffs.clear();
        for (const auto& p : phoenixGridPoints(lowGravity)) teffs.push_back(p.teff);
        QCOMPARE(teffs, (std::vector<double>{6900, 7000, 7200, 7400}));
        GridSpec alpha = hot;
        alpha.teffMax = 7000;
        alpha.fehMin = -2.5;
        alpha.fehMax = 0.5;
        alpha.alphaVariants = true;
        // 6 metallicities of the PHOENIX sequence; +0.2/+0.4 variants only for [Fe/H] <= 0 (5 of them).
        QCOMPARE(phoenixGridPoints(alpha).size(), std::size_t(2 * (6 + 2 * 5)));
        GridSpec bad;
        bad.teffMin = 2000;
        QVERIFY_THROWS_EXCEPTION(UsageError, phoenixGridPoints(bad));
        bad = GridSpec{};
        bad.loggMin = 3;
        bad.loggMax = 2;
        QVERIFY_THROWS_EXCEPTION(UsageError, phoenixGridPoints(bad));
        bad = GridSpec{};
        bad.windowMax = bad.windowMin;
        QVERIFY_THROWS_EXCEPTION(UsageError, phoenixGridPoints(bad));
    }

    void writesAGridThePhoenixReaderReads()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string out = dir.path().toStdString();
        const Synthesizer synthesizer;
        SilentProgress progress;
        const GridSpec spec = tinySpec();
        const GridReport report = writePhoenixGrid(synthesizer, spec, out, progress);
        QCOMPARE(report.total, std::size_t(8));
        QCOMPARE(report.written, std::size_t(8));
        QVERIFY(fs::is_regular_file(fs::path(out) / kPhoenixWaveName));

        const std::string file = out + "/Z-0.5/lte05800-4.50-0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits";
        QVERIFY2(fs::is_regular_file(file), file.c_str());
        QCOMPARE(detectSpectrumFormat(file), std::string("phoenix-hires"));
        const Spectrum s = readSpectrum(file);
        QCOMPARE(s.provenance.format, std::string("phoenix-hires"));
        QVERIFY(s.medium == Medium::Vacuum);
        QVERIFY(s.labels.teff && s.labels.logg && s.labels.feh && s.labels.alpha);
        REMAP_COMPARE_ABS("Teff label", *s.labels.teff, 5800.0, 1e-9);
        REMAP_COMPARE_ABS("log g label", *s.labels.logg, 4.5, 1e-9);
        REMAP_COMPARE_ABS("[M/H] label", *s.labels.feh, -0.5, 1e-9);
        REMAP_COMPARE_ABS("[alpha/M] label", *s.labels.alpha, 0.0, 1e-9);

        // The flux equals a fresh synthesis (float32 precision) on the WAVE file's axis.
        StellarParameters p;
        p.teff = 5800;
        p.logg = 4.5;
        p.feh = -0.5;
        p.alpha = 0.0;
        const auto grid = linearWavelengthGrid(spec.windowMin, spec.windowMax, spec.step);
        QCOMPARE(s.size(), grid.size());
        SynthesisResult fresh;
        SynthesisWorkspace ws;
        synthesizer.synthesize(p, grid, fresh, ws);
        for (std::size_t i = 0; i < grid.size(); ++i) {
            REMAP_COMPARE_ABS("wavelength", s.wavelength[i], grid[i], 1e-9);
            REMAP_COMPARE_REL("flux", s.flux[i], fresh.flux[i], 1e-6);
        }

        // Resumable: a second run finds every file complete.
        const GridReport again = writePhoenixGrid(synthesizer, spec, out, progress);
        QCOMPARE(again.skipped, std::size_t(8));
        QCOMPARE(again.written, std::size_t(0));
        // A different wavelength axis in the same folder is refused.
        GridSpec other = spec;
        other.windowMax = 5210.0;
        QVERIFY_THROWS_EXCEPTION(Error, writePhoenixGrid(synthesizer, other, out, progress));
    }

    void cancellationLeavesValidFiles()
    {
        QTemporaryDir dir;
        const std::string out = dir.path().toStdString();
        CancelAfter cancel(2);
        GridSpec spec = tinySpec();
        spec.threads = 1;
        QVERIFY_THROWS_EXCEPTION(Cancelled, writePhoenixGrid(Synthesizer(), spec, out, cancel));
        std::size_t files = 0;
        for (const auto& entry : fs::recursive_directory_iterator(out)) {
            if (!entry.is_regular_file()) continue;
            const std::string name = entry.path().filename().string();
            QVERIFY2(name.front() != '.',
                     qPrintable("a temporary file was left behind: " + QString::fromStdString(name)));
            if (name.find("lte") == 0) {
                ++files;
                QCOMPARE(readSpectrum(entry.path().string()).size(), std::size_t(4001));
            }
        }
        QCOMPARE(files, std::size_t(2));
        // Resuming finishes the rest.
        SilentProgress progress;
        const GridReport report = writePhoenixGrid(Synthesizer(), spec, out, progress);
        QCOMPARE(report.skipped, std::size_t(2));
        QCOMPARE(report.written, std::size_t(6));
    }

    void selfContainedStarFile()
    {
        QTemporaryDir dir;
        const std::string file = dir.path().toStdString() + "/star.fits";
        StellarParameters p;
        p.teff = 5000;
        p.logg = 2.5;
        p.feh = -1.0;
        const auto grid = logWavelengthGrid(5100.0, 5200.0, 2e-6);
        const Synthesizer synthesizer;
        const Spectrum s = synthesizer.synthesizeSpectrum(p, grid);
        writePhoenixFluxFile(file, s, p, 2.0, true);
        QCOMPARE(detectSpectrumFormat(file), std::string("phoenix-medres"));
        const Spectrum back = readSpectrum(file);
        QVERIFY(back.medium == Medium::Vacuum);
        QCOMPARE(back.size(), grid.size());
        for (std::size_t i = 0; i < grid.size(); i += 97) {
            REMAP_COMPARE_REL("ln-lambda axis", back.wavelength[i], grid[i], 1e-9);
            REMAP_COMPARE_REL("flux", back.flux[i], s.flux[i], 1e-6);
        }
        REMAP_COMPARE_ABS("alpha label from the Galactic trend", *back.labels.alpha, 0.3, 1e-9);
        // A linear grid cannot carry ln-lambda keywords.
        QVERIFY_THROWS_EXCEPTION(
            Error, writePhoenixFluxFile(file, synthesizer.synthesizeSpectrum(p, linearWavelengthGrid(5100, 5110, 0.01)),
                                        p, 2.0, true));
    }
};

QTEST_APPLESS_MAIN(TestSynthGrid)
#include "test_synth_grid.moc"
