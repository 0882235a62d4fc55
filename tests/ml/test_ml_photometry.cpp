// Photometry (base/Photometry.h): catalog columns and header keywords by the ecosystem's names, missing
// and implausible entries, and what the Predictor says about the inputs a photometric model used.
#include "TestSupport.h"
#include "base/Csv.h"
#include "base/Error.h"
#include "base/Photometry.h"
#include "ml/Predictor.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <fstream>

using namespace remap;

namespace {

bool hasFlag(const Prediction& p, const std::string& flag)
{
    return std::find(p.flags.begin(), p.flags.end(), flag) != p.flags.end();
}

bool hasFlagStarting(const Prediction& p, const std::string& prefix)
{
    return std::any_of(p.flags.begin(), p.flags.end(), [&](const std::string& f) { return f.rfind(prefix, 0) == 0; });
}

// A small network on a 512-pixel grid that takes spectra already prepared.
ModelCard tinyCard(bool photometry)
{
    ModelCard card;
    card.name = "tiny";
    card.network.inputLength = 512;
    card.network.stemWidth = 4;
    card.network.stageWidths = {4, 8};
    card.network.blocksPerStage = {1, 1};
    card.network.stageKernels = {5, 3};
    card.network.embeddingSize = 4;
    card.network.photometry.enabled = photometry;
    card.network.photometry.inputs = {"phot_g_mean_mag", "bp_rp", "parallax", "ks_m"};
    return card;
}

Spectrum flatStar()
{
    Spectrum s;
    for (int i = 0; i < 512; ++i) {
        s.wavelength.push_back(5000.0 + i);
        s.flux.push_back(1.0 - 0.3 * (i % 50 == 0));
    }
    s.objectName = "flat";
    s.finalize();
    return s;
}

PredictorOptions cpu()
{
    PredictorOptions o;
    o.device = "cpu";
    return o;
}

}  // namespace

class TestPhotometry : public QObject {
    Q_OBJECT
private slots:
    void namesAndEntries();
    void catalogColumns();
    void headerKeywords();
    void implausibleValuesAreLeftOutWithAWarning();
    void predictionSaysWhichInputsItUsed();
};

void TestPhotometry::namesAndEntries()
{
    QCOMPARE(kPhotometryNames.size(), kPhotometryCount);
    QVERIFY(photometryEntry("PHOT_G_MEAN_MAG") == kPhotG);
    QVERIFY(photometryEntry("ks_m") == kTwoMassKs);
    QVERIFY(!photometryEntry("v_mag"));
    Photometry p;
    QVERIFY(p.empty());
    QVERIFY(std::isnan(p[kParallax]));
    QVERIFY(p.set(kParallax, -0.31));  // negative parallaxes are measurements
    QCOMPARE(p.count(), std::size_t(1));
    QCOMPARE(p.presentNames(), std::vector<std::string>{"parallax"});
}

void TestPhotometry::catalogColumns()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("catalog.csv").toStdString();
    // Gaia DR3 and 2MASS column names as the archives export them; the second star lacks 2MASS and
    // gives BP and RP separately and E(BP-RP) instead of E(B-V); the third has no photometry.
    std::ofstream(path) << "file,phot_g_mean_mag,bp_rp,phot_bp_mean_mag,phot_rp_mean_mag,parallax,parallax_error,"
                           "j_m,h_m,ks_m,ebv,ebpminrp_gspphot\n"
                           "a.fits,8.52,0.82,,,12.41,0.02,7.21,6.85,6.77,0.01,\n"
                           "b.fits,14.1,,14.6,13.5,-0.12,0.09,,,,,0.268\n"
                           "c.fits,,,,,,,,,,,\n";
    const auto table = csv::readTable(path);
    const auto a = photometryFromRow(table, table.rows[0]);
    QCOMPARE(a.count(), std::size_t(8));
    QCOMPARE(a[kPhotG], 8.52);
    QCOMPARE(a[kTwoMassKs], 6.77);
    const auto b = photometryFromRow(table, table.rows[1]);
    REMAP_COMPARE_ABS("BP - RP from the two magnitudes", b[kPhotBpRp], 1.1, 1e-12);
    REMAP_COMPARE_ABS("E(B-V) from E(BP-RP) / 1.339", b[kEbv], 0.268 / 1.339, 1e-12);
    QCOMPARE(b[kParallax], -0.12);
    QVERIFY(!b.has(kTwoMassJ));
    QVERIFY(photometryFromRow(table, table.rows[2]).empty());
    // A cell that is not a number is an error naming the file and line, not a silent gap.
    const std::string bad = dir.filePath("bad.csv").toStdString();
    std::ofstream(bad) << "file,parallax\na.fits,twelve\n";
    const auto badTable = csv::readTable(bad);
    try {
        (void)photometryFromRow(badTable, badTable.rows[0]);
        QFAIL("a non-numeric parallax was accepted");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("bad.csv") && QString(e.what()).contains("parallax"), e.what());
    }
}

void TestPhotometry::headerKeywords()
{
    // APOGEE apStar headers carry the 2MASS magnitudes as J, H, K; other archives write GAIA_G, PLX ...
    const std::map<std::string, std::string> apogee{{"J", "9.876"}, {"H", "9.321"}, {"K", "9.20"}, {"SNR", "120"}};
    const auto a = photometryFromMetadata(apogee);
    QCOMPARE(a.count(), std::size_t(3));
    QCOMPARE(a[kTwoMassJ], 9.876);
    QCOMPARE(a[kTwoMassKs], 9.2);
    const std::map<std::string, std::string> gaia{
        {"gaia_g", "12.5"}, {"GAIA_BP", "13.0"}, {"GAIA_RP", "11.9"}, {"plx", "0.85"}, {"EBPMINRP_GSPPHOT", "0.1339"}};
    const auto g = photometryFromMetadata(gaia);
    QCOMPARE(g[kPhotG], 12.5);
    REMAP_COMPARE_ABS("BP - RP", g[kPhotBpRp], 1.1, 1e-12);
    QCOMPARE(g[kParallax], 0.85);
    REMAP_COMPARE_ABS("E(B-V)", g[kEbv], 0.1, 1e-12);
    // A keyword that is not a number is left out with a warning, not replaced by another keyword.
    const auto w = photometryFromMetadata({{"PARALLAX", "n/a"}, {"PLX", "3.0"}});
    QVERIFY(!w.has(kParallax));
    QCOMPARE(w.warnings.size(), std::size_t(1));
    QVERIFY(QString::fromStdString(w.warnings[0]).contains("PARALLAX"));
}

void TestPhotometry::implausibleValuesAreLeftOutWithAWarning()
{
    // 99.99 and -9999 are the "no value" markers of many catalogs.
    Photometry p;
    QVERIFY(!p.set(kPhotG, 99.99, "column phot_g_mean_mag"));
    QVERIFY(!p.set(kParallaxError, -9999.0));
    QVERIFY(!p.set(kPhotBpRp, std::nan("")));
    QVERIFY(p.empty());
    QCOMPARE(p.warnings.size(), std::size_t(3));
    QVERIFY(QString::fromStdString(p.warnings[0]).contains("phot_g_mean_mag = 99.99"));
}

void TestPhotometry::predictionSaysWhichInputsItUsed()
{
    const Predictor photometric(ModelBundle::create(tinyCard(true), 3), cpu());
    QCOMPARE(photometric.photometryInputs().size(), std::size_t(4));
    Photometry phot;
    phot.set(kPhotG, 10.2);
    phot.set(kParallax, 5.5);
    phot.set(kTwoMassJ, 9.0);  // the model does not read J
    phot.set(kEbv, 50.0);      // implausible: left out with a warning
    const auto with = photometric.predict(flatStar(), phot);
    QCOMPARE(with.inputs, (std::vector<std::string>{"spectrum", "phot_g_mean_mag", "parallax"}));
    QVERIFY(hasFlag(with, "photometry_inputs:phot_g_mean_mag+parallax"));
    QVERIFY(hasFlagStarting(with, "photometry: ebv = 50"));
    QVERIFY(!hasFlag(with, "spectrum_only"));
    // The same model without photometry still predicts, and says so.
    const auto without = photometric.predict(flatStar(), Photometry{});
    QCOMPARE(without.inputs, std::vector<std::string>{"spectrum"});
    QVERIFY(hasFlag(without, "spectrum_only"));
    QVERIFY(std::abs(without.teff.mean - with.teff.mean) > 0.0);
    // predict(spectrum) reads header keywords the reader kept.
    auto star = flatStar();
    star.metadata["K"] = "8.1";
    const auto fromHeader = photometric.predict(star);
    QVERIFY(hasFlag(fromHeader, "photometry_inputs:ks_m"));
    // Batch = single with photometry, and the count must match.
    const auto prepared = photometric.prepare(flatStar());
    const auto batch = photometric.predictPrepared({prepared, prepared}, {}, {Photometry{}, phot});
    QCOMPARE(batch[1].teff.mean, with.teff.mean);
    QCOMPARE(batch[0].teff.mean, without.teff.mean);
    QVERIFY_THROWS_EXCEPTION(Error, photometric.predictPrepared({prepared, prepared}, {}, {phot}));
    // A spectrum-only model ignores photometry and says so.
    const Predictor spectral(ModelBundle::create(tinyCard(false), 3), cpu());
    const auto ignored = spectral.predict(flatStar(), phot);
    QVERIFY(hasFlag(ignored, "photometry_ignored"));
    QCOMPARE(ignored.inputs, std::vector<std::string>{"spectrum"});
    QVERIFY(!hasFlag(spectral.predict(flatStar()), "spectrum_only"));
}

QTEST_GUILESS_MAIN(TestPhotometry)
#include "test_ml_photometry.moc"
