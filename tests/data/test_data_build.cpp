// Building training sets from a tiny PHOENIX-layout tree and from an observed catalog: rows hold
// exactly what the one preprocessing chain produces, filters, grid interpolation (checked against
// a trilinear blend computed here by hand), determinism, cancel + resume, failures.
#include "TestSupport.h"
#include "TinyPhoenixGrid.h"
#include "base/Error.h"
#include "data/DatasetBuilder.h"
#include "data/GridInterpolator.h"
#include "data/TrainingSet.h"
#include "io/RemapSpectrumWriter.h"
#include "io/SpectrumReader.h"
#include "prep/Preprocessor.h"

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

using namespace remap;
namespace fs = std::filesystem;

namespace {

// The 12 in-range models form one complete box: 3 Teff x 2 log g x 2 [Fe/H] (2 grid cells).
const std::vector<double> kTeffs{5000, 5100, 5200};
const std::vector<double> kLoggs{4.0, 4.5};
const std::vector<double> kFehs{-0.5, 0.0};

std::vector<test::PhoenixModel> gridModels()
{
    std::vector<test::PhoenixModel> out;
    for (double f : kFehs)
        for (double g : kLoggs)
            for (double t : kTeffs) out.push_back({t, g, f});
    // Outside the default FGK filter: too hot, too high log g, too metal-poor.
    out.push_back({7200, 4.5, 0.0});
    out.push_back({5000, 6.0, 0.0});
    out.push_back({5000, 4.5, -3.0});
    return out;
}

bool sameLabel(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

// Cancels once `after` rows have been reported (thread-safe: workers poll it too).
class CancelAfter final : public ProgressObserver {
public:
    explicit CancelAfter(std::size_t after) : after_(after) {}
    void onProgress(std::size_t done, std::size_t, std::string_view stage) override
    {
        if (stage != "reading headers") done_ = done;
    }
    bool cancelRequested() const override { return done_ >= after_; }

private:
    std::size_t after_;
    std::atomic<std::size_t> done_{0};
};

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        qInfo("expected error: %s", e.what());
        return QString::fromStdString(e.what());
    }
    return {};
}

// Every dataset and attribute that the rows depend on, compared exactly.
void verifySameContents(const std::string& a, const std::string& b)
{
    const TrainingSetReader ra(a), rb(b);
    QCOMPARE(ra.rows(), rb.rows());
    QCOMPARE(ra.pixels(), rb.pixels());
    QVERIFY(ra.kind() == rb.kind());
    QVERIFY(ra.wavelength() == rb.wavelength());
    QVERIFY(ra.header().preprocessSpec == rb.header().preprocessSpec);
    QCOMPARE(ra.header().inputsDigest, rb.header().inputsDigest);
    const TrainingBatch x = ra.read(0, ra.rows()), y = rb.read(0, rb.rows());
    QVERIFY(std::memcmp(x.flux.data(), y.flux.data(), x.flux.size() * sizeof(float)) == 0);
    QVERIFY(std::memcmp(x.ivar.data(), y.ivar.data(), x.ivar.size() * sizeof(float)) == 0);
    QVERIFY(x.mask == y.mask);
    QVERIFY(x.source == y.source);
    QVERIFY(x.interpolated == y.interpolated);
    for (std::size_t r = 0; r < x.size(); ++r) {
        for (std::size_t c = 0; c < kLabelCount; ++c) QVERIFY(sameLabel(x.labels[r][c], y.labels[r][c]));
        QVERIFY(sameLabel(x.snr[r], y.snr[r]));
        QVERIFY(sameLabel(x.rv[r], y.rv[r]));
    }
}

}  // namespace

class TestDataBuild : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string grid_;
    std::map<std::string, test::PhoenixModel> modelOf_;  // by relative path
    std::string reference_;                              // uninterrupted build with interpolation

    std::string path(const std::string& name) const
    {
        return dir_.filePath(QString::fromStdString(name)).toStdString();
    }

    static DatasetBuildOptions options()
    {
        DatasetBuildOptions o;
        o.threads = 3;
        o.batchRows = 5;
        o.timestamp = false;
        return o;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        grid_ = path("phoenix");
        fs::create_directories(grid_);
        for (const auto& m : gridModels()) {
            test::writeTinyPhoenixModel(grid_, m, test::tinyPhoenixWavelengths());
            modelOf_[test::phoenixRelativePath(m)] = m;
        }
        test::writeTinyPhoenixWaveFile(grid_, test::tinyPhoenixWavelengths());
        // Not PHOENIX HiRes names: ignored by the walk.
        std::ofstream(grid_ + "/Z-0.0/README.txt") << "notes\n";
        std::ofstream(grid_ + "/Z-0.0/lte05000-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-MedRes.fits") << "x\n";

        reference_ = path("reference.h5");
        auto o = options();
        o.interpolate = 10;
        o.seed = 7;
        SilentProgress quiet;
        const auto report = buildPhoenixTrainingSet(grid_, reference_, o, quiet);
        QCOMPARE(report.rows, std::size_t{22});
    }

    void buildsOneRowPerSelectedFileHoldingWhatPrepareGives()
    {
        const std::string out = path("plain.h5");
        SilentProgress quiet;
        const auto report = buildPhoenixTrainingSet(grid_, out, options(), quiet);
        QCOMPARE(report.found, std::size_t{15});
        QCOMPARE(report.inputs, std::size_t{12});
        QCOMPARE(report.rows, std::size_t{12});
        QVERIFY(report.failures.empty());
        QVERIFY(!fs::exists(partialPathFor(out)));

        const TrainingSetReader r(out);
        const PreprocessSpec spec;
        QCOMPARE(r.rows(), std::size_t{12});
        QCOMPARE(r.pixels(), spec.nPixels);
        QVERIFY(r.wavelength() == spec.grid());
        QVERIFY(r.kind() == DatasetKind::PhoenixGrid);
        QVERIFY(r.preprocessSpec() == spec);
        QCOMPARE(r.provenance()["inputs"]["count"].get<std::size_t>(), std::size_t{12});
        QVERIFY(r.provenance().contains("filters"));
        QVERIFY(!r.provenance().contains("time"));

        const Preprocessor chain(spec);
        const TrainingBatch rows = r.read(0, r.rows());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const std::string& source = rows.source[i];
            QVERIFY2(modelOf_.count(source), source.c_str());
            const auto& m = modelOf_[source];
            // Labels are the header values the tree was written with.
            QCOMPARE(rows.labels[i][kLabelTeff], m.teff);
            QCOMPARE(rows.labels[i][kLabelLogg], m.logg);
            QCOMPARE(rows.labels[i][kLabelFeh], m.feh);
            QCOMPARE(rows.labels[i][kLabelAlpha], 0.0);
            QCOMPARE(rows.interpolated[i], std::uint8_t{0});
            // The file holds exactly what the one chain produces for that file.
            const PreparedSpectrum want = chain.prepare(readSpectrum(grid_ + "/" + source));
            const TrainingRow got = rows.row(i);
            QVERIFY2(got.flux == want.flux, source.c_str());
            QVERIFY(got.ivar == want.ivar);
            QVERIFY(got.mask == want.mask);
            QVERIFY(sameLabel(got.snr, want.snr));
            QVERIFY(sameLabel(got.rv, want.rvKms));
        }
        // Sorted by relative path: deterministic order.
        QVERIFY(std::is_sorted(rows.source.begin(), rows.source.end()));
    }

    void honoursFilterRanges()
    {
        auto o = options();
        o.filter.teff = parseLabelRange("5050:5200", "Teff");
        o.filter.logg = parseLabelRange("4.5:4.5", "log g");
        o.filter.feh = parseLabelRange("-0.5:0.5", "[Fe/H]");
        SilentProgress quiet;
        buildPhoenixTrainingSet(grid_, path("narrow.h5"), o, quiet);
        const TrainingSetReader r(path("narrow.h5"));
        QCOMPARE(r.rows(), std::size_t{4});
        for (const auto& l : r.labels()) {
            QVERIFY(l[kLabelTeff] >= 5100 && l[kLabelTeff] <= 5200);
            QCOMPARE(l[kLabelLogg], 4.5);
        }
        o.filter = LabelFilter{};
        o.filter.teff = parseLabelRange("3500:7500", "Teff");
        o.filter.feh = parseLabelRange("-3:0.5", "[Fe/H]");
        buildPhoenixTrainingSet(grid_, path("wide.h5"), o, quiet);
        QCOMPARE(TrainingSetReader(path("wide.h5")).rows(), std::size_t{14});  // all but log g 6.0

        o.filter.teff = parseLabelRange("8000:9000", "Teff");
        const QString e = errorOf([&] { buildPhoenixTrainingSet(grid_, path("none.h5"), o, quiet); });
        QVERIFY2(e.contains("passes the label filters"), qPrintable(e));
        // A single Teff column has no grid cell to interpolate in: refused before any work.
        o.filter = LabelFilter{};
        o.filter.teff = parseLabelRange("5000:5000", "Teff");
        o.interpolate = 5;
        const QString noCell = errorOf([&] { buildPhoenixTrainingSet(grid_, path("nocell.h5"), o, quiet); });
        QVERIFY2(noCell.contains("complete grid cell"), qPrintable(noCell));
        QVERIFY(!fs::exists(partialPathFor(path("nocell.h5"))));
        QVERIFY(!errorOf([] { parseLabelRange("5000", "Teff"); }).isEmpty());
        QVERIFY(!errorOf([] { parseLabelRange("6000:5000", "Teff"); }).isEmpty());
        QCOMPARE(parseLabelRange("-2.5:-0.5", "[Fe/H]").min, -2.5);
    }

    void interpolatedRowsAreTrilinearBlendsInsideGridCells()
    {
        const TrainingSetReader r(reference_);
        const TrainingBatch all = r.read(0, r.rows());
        std::map<std::tuple<double, double, double>, std::size_t> rowOf;
        for (std::size_t i = 0; i < 12; ++i) {
            QCOMPARE(all.interpolated[i], std::uint8_t{0});
            rowOf[{all.labels[i][0], all.labels[i][1], all.labels[i][2]}] = i;
        }
        std::set<int> cellsSeen;
        for (std::size_t i = 12; i < all.size(); ++i) {
            QCOMPARE(all.interpolated[i], std::uint8_t{1});
            const double t = all.labels[i][0], g = all.labels[i][1], f = all.labels[i][2];
            QVERIFY(t >= 5000 && t <= 5200 && g >= 4.0 && g <= 4.5 && f >= -0.5 && f <= 0.0);
            QCOMPARE(all.labels[i][kLabelAlpha], 0.0);
            // Hand-made trilinear weights in the cell holding (t, g, f).
            const int cell = t < 5100 ? 0 : 1;
            cellsSeen.insert(cell);
            const double t0 = kTeffs[static_cast<std::size_t>(cell)], t1 = t0 + 100;
            const double u = (t - t0) / (t1 - t0), v = (g - 4.0) / 0.5, w = (f + 0.5) / 0.5;
            for (std::size_t p = 0; p < r.pixels(); p += 37) {
                double want = 0;
                for (int c = 0; c < 8; ++c) {
                    const double tc = c & 1 ? t1 : t0, gc = c & 2 ? 4.5 : 4.0, fc = c & 4 ? 0.0 : -0.5;
                    const double weight = (c & 1 ? u : 1 - u) * (c & 2 ? v : 1 - v) * (c & 4 ? w : 1 - w);
                    want += weight * all.flux[rowOf.at({tc, gc, fc}) * r.pixels() + p];
                }
                REMAP_COMPARE_ABS("interpolated flux", all.flux[i * r.pixels() + p], want,
                                  1e-5 * std::abs(want) + 1e-7);
            }
        }
        QCOMPARE(static_cast<int>(cellsSeen.size()), 2);  // 10 draws land in both cells

        // On a grid node the interpolation reproduces that node exactly, edges and corners included.
        TrainingBatch nodes(r.pixels());
        for (std::size_t i = 0; i < 12; ++i) nodes.append(all.row(i));
        const GridInterpolator interpolator(nodes.labels);
        QCOMPARE(interpolator.cells().size(), std::size_t{2});
        for (std::size_t i = 0; i < 12; ++i) {
            const auto point = interpolator.locate(nodes.labels[i]);
            QVERIFY(point);
            const TrainingRow blended = blendRows(nodes, *point);
            QVERIFY(blended.flux == nodes.row(i).flux);
            QVERIFY(blended.mask == nodes.row(i).mask);
        }
        QVERIFY(!interpolator.locate({6000, 4.5, 0.0, 0.0}));
        // The stream is reproducible and depends on the seed.
        QVERIFY(interpolator.draw(7, 3).labels == interpolator.draw(7, 3).labels);
        QVERIFY(interpolator.draw(7, 3).labels != interpolator.draw(8, 3).labels);
    }

    void buildingTwiceGivesIdenticalDatasets()
    {
        auto o = options();
        o.interpolate = 10;
        o.seed = 7;
        o.threads = 1;
        o.batchRows = 64;
        SilentProgress quiet;
        buildPhoenixTrainingSet(grid_, path("again.h5"), o, quiet);
        verifySameContents(reference_, path("again.h5"));
        // With --no-timestamp even the provenance is the same.
        QVERIFY(TrainingSetReader(reference_).provenance() == TrainingSetReader(path("again.h5")).provenance());
    }

    void cancelThenResumeEqualsAnUninterruptedBuild_data()
    {
        QTest::addColumn<int>("cancelAfter");
        QTest::addColumn<int>("rowsKept");
        QTest::newRow("while preparing") << 7 << 7;
        QTest::newRow("while interpolating") << 16 << 16;
    }

    void cancelThenResumeEqualsAnUninterruptedBuild()
    {
        QFETCH(int, cancelAfter);
        QFETCH(int, rowsKept);
        const std::string out = path("resumed-" + std::to_string(cancelAfter) + ".h5");
        auto o = options();
        o.interpolate = 10;
        o.seed = 7;
        o.batchRows = 3;
        CancelAfter cancel(static_cast<std::size_t>(cancelAfter));
        bool cancelled = false;
        try {
            buildPhoenixTrainingSet(grid_, out, o, cancel);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        QVERIFY(!fs::exists(out));
        QVERIFY(fs::exists(partialPathFor(out)));
        // Finished rows, including a part batch in hand, are in the partial file.
        QCOMPARE(TrainingSetWriter::openForAppend(partialPathFor(out)).rows(), static_cast<std::size_t>(rowsKept));

        o.threads = 2;  // a different thread count must not matter
        SilentProgress quiet;
        const auto report = buildPhoenixTrainingSet(grid_, out, o, quiet);
        QCOMPARE(report.resumedRows, static_cast<std::size_t>(rowsKept));
        QVERIFY(!report.notes.empty() && report.notes.front().find("continuing") != std::string::npos);
        QVERIFY(!fs::exists(partialPathFor(out)));
        verifySameContents(reference_, out);
    }

    void partialFromOtherSettingsIsNotResumed()
    {
        const std::string out = path("restart.h5");
        auto o = options();
        o.interpolate = 10;
        o.seed = 7;
        o.batchRows = 3;
        o.filter.teff = parseLabelRange("5000:5100", "Teff");
        CancelAfter cancel(4);
        QVERIFY_THROWS_EXCEPTION(Cancelled, buildPhoenixTrainingSet(grid_, out, o, cancel));
        o.filter = LabelFilter{};
        SilentProgress quiet;
        auto report = buildPhoenixTrainingSet(grid_, out, o, quiet);
        QCOMPARE(report.resumedRows, std::size_t{0});
        QVERIFY(!report.notes.empty() && report.notes.front().find("starting over") != std::string::npos);
        verifySameContents(reference_, out);

        // A partial file that is not HDF5 at all (killed while creating it) is replaced too.
        std::ofstream(partialPathFor(out)) << "garbage";
        report = buildPhoenixTrainingSet(grid_, out, o, quiet);
        QVERIFY(report.notes.front().find("starting over") != std::string::npos);
        verifySameContents(reference_, out);
    }

    void observedCatalogReportsTheBadFileAndBuildsTheRest()
    {
        const std::string obs = path("observed");
        fs::create_directories(obs + "/spectra");
        std::uint64_t state = 12345;
        const auto noise = [&] {  // uniform in [-0.5, 0.5): a fixed LCG
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            return static_cast<double>(state >> 11) * 0x1.0p-53 - 0.5;
        };
        for (int k = 0; k < 4; ++k) {
            test::PhoenixModel m{5200.0 + 200 * k, 4.4, -0.2};
            Spectrum s;
            for (double w = 4990.0; w <= 5710.0; w += 0.12) s.wavelength.push_back(w);
            const auto clean = test::tinyPhoenixFlux(m, s.wavelength);
            for (double f : clean) {
                const double sigma = 0.02 * f;
                s.flux.push_back(f + sigma * noise());
                s.ivar.push_back(1.0 / (sigma * sigma));
            }
            s.medium = Medium::Air;
            s.finalize();
            writeRemapSpectrum(s, obs + "/spectra/s" + std::to_string(k) + ".fits");
        }
        std::ofstream(obs + "/spectra/broken.fits") << "SIMPLE  = this is not a FITS file";
        std::ofstream(obs + "/catalog.csv") << "# targets\n"
                                               "file,snr,TEFF,logg,feh\n"
                                               "spectra/s0.fits,50,5200,4.4,-0.2\n"
                                               "spectra/s1.fits,60,,,\n"
                                               "spectra/broken.fits,10,5000,4.5,-0.2\n"
                                               "\"spectra/s2.fits\",70,5600,4.4,nan\n"
                                               "spectra/s3.fits,80,5800,4.4,-0.2\n";
        SilentProgress quiet;
        const std::string out = path("observed.h5");
        const auto report = buildObservedTrainingSet(obs + "/catalog.csv", out, options(), quiet);
        QCOMPARE(report.failures.size(), std::size_t{1});
        QCOMPARE(report.failures.front().source, std::string("spectra/broken.fits"));
        QVERIFY(!report.failures.front().reason.empty());
        QCOMPARE(report.rows, std::size_t{4});

        const TrainingSetReader r(out);
        QVERIFY(r.kind() == DatasetKind::Observed);
        QVERIFY(r.sources() ==
                (std::vector<std::string>{"spectra/s0.fits", "spectra/s1.fits", "spectra/s2.fits", "spectra/s3.fits"}));
        const auto labels = r.labels();
        QCOMPARE(labels[0][kLabelTeff], 5200.0);
        QCOMPARE(labels[0][kLabelFeh], -0.2);
        QVERIFY(std::isnan(labels[1][kLabelTeff]) && std::isnan(labels[1][kLabelLogg]));
        QCOMPARE(labels[2][kLabelTeff], 5600.0);
        QVERIFY(std::isnan(labels[2][kLabelFeh]));
        for (const auto& l : labels) QVERIFY(std::isnan(l[kLabelAlpha]));  // no alpha column
        const PreparedSpectrum want = Preprocessor(PreprocessSpec{}).prepare(readSpectrum(obs + "/spectra/s3.fits"));
        QVERIFY(r.read(3, 1).flux == want.flux);
        QVERIFY(r.snr()[3] > 10);

        // Nothing usable: an error, and no file left behind.
        std::ofstream(obs + "/bad.csv") << "file,teff\nspectra/broken.fits,5000\nspectra/missing.fits,5100\n";
        QString e = errorOf([&] { buildObservedTrainingSet(obs + "/bad.csv", path("bad.h5"), options(), quiet); });
        QVERIFY2(e.contains("none of the 2"), qPrintable(e));
        QVERIFY(!fs::exists(path("bad.h5")) && !fs::exists(partialPathFor(path("bad.h5"))));
        std::ofstream(obs + "/nofile.csv") << "name,teff\na.fits,5000\n";
        e = errorOf([&] { readObservedCatalog(obs + "/nofile.csv"); });
        QVERIFY2(e.contains("nofile.csv") && e.contains("'file' column"), qPrintable(e));
        std::ofstream(obs + "/badnum.csv") << "file,teff\na.fits,hot\n";
        e = errorOf([&] { readObservedCatalog(obs + "/badnum.csv"); });
        QVERIFY2(e.contains("line 2") && e.contains("'hot'"), qPrintable(e));
        // Interpolation is for grids only.
        auto o = options();
        o.interpolate = 3;
        QVERIFY(!errorOf([&] { buildObservedTrainingSet(obs + "/catalog.csv", path("x.h5"), o, quiet); }).isEmpty());
    }

    void recognisesPhoenixNames()
    {
        QVERIFY(isPhoenixHiResName("lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"));
        QVERIFY(isPhoenixHiResName("lte03500-0.00+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"));
        QVERIFY(isPhoenixHiResName("lte06000-4.00-1.0.Alpha=+0.20.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"));
        QVERIFY(!isPhoenixHiResName("WAVE_PHOENIX-ACES-AGSS-COND-2011.fits"));
        QVERIFY(!isPhoenixHiResName("lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits.gz"));
    }
};

QTEST_GUILESS_MAIN(TestDataBuild)
#include "test_data_build.moc"
