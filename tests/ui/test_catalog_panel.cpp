// The catalog panel: a catalog CSV predicted off the GUI thread, one row per star (failures included),
// values equal to the Predictor's own, sorting, filtering, activation, export, cancellation and the
// Kiel diagram.
#include "CatalogFile.h"
#include "CatalogModel.h"
#include "CatalogPanel.h"
#include "KielChartView.h"
#include "ModelSession.h"
#include "TestSupport.h"
#include "UiTestModel.h"
#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/SpectrumReader.h"
#include "ml/Predictor.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtTest>

#include <cmath>

using namespace remap;
using namespace remap::ui;

namespace {

using Reference = std::optional<std::array<double, 3>>;

const char* kDemo[] = {"demo-k-giant.fits", "demo-metal-poor-dwarf.fits", "demo-sun-like-dwarf.fits"};

void writeText(const QString& path, const QString& text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Text));
    f.write(text.toUtf8());
}

QStringList readLines(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
    QStringList lines;
    QTextStream in(&f);
    while (!in.atEnd()) {
        const QString line = in.readLine();
        if (!line.isEmpty()) lines << line;
    }
    return lines;
}

}  // namespace

class TestCatalogPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void readsCatalogAndTruth();
    void badCatalogIsReported();
    void demoGiantsOpenWithTheirTruth();
    void runFillsTableWithOneRowPerStar();
    void valuesEqualDirectPrediction();
    void sortingAndFiltering();
    void clickingRowEmitsStarActivated();
    void exportsCsvAndFits();
    void cancelStopsRunAndPanelKeepsWorking();

private:
    void runSmallCatalog(CatalogPanel& panel);

    QTemporaryDir dir_;
    QString modelPath_, catalog_, bigCatalog_;
    std::unique_ptr<ModelSession> session_;
};

void TestCatalogPanel::initTestCase()
{
    QVERIFY(dir_.isValid());
    const QDir demo(QString::fromStdString(test::sourceDir()) + "/resources/demo");
    QDir(dir_.path()).mkdir("spectra");
    for (const char* name : kDemo)
        QVERIFY(QFile::copy(demo.filePath(name), dir_.filePath(QStringLiteral("spectra/") + name)));
    writeText(dir_.filePath("spectra/broken.fits"), "SIMPLE  = this is not a FITS file\n");
    // Reference labels from the demo files' headers (the giant has no [Fe/H] reference here).
    catalog_ = dir_.filePath("stars.csv");
    writeText(catalog_,
              "id,file,snr,teff,logg,feh\n"
              "# the demo stars and one unreadable file\n"
              "K1,spectra/demo-k-giant.fits,53.8,4750,2.60,\n"
              "MP1,spectra/demo-metal-poor-dwarf.fits,55.1,6100,4.20,-1.20\n"
              "BAD,spectra/broken.fits,,,,\n"
              "SUN,spectra/demo-sun-like-dwarf.fits,,5777,4.44,0.00\n");
    // Many rows (the same three files over and over) for cancellation.
    QString big = "id,file\n";
    for (int i = 0; i < 600; ++i) big += QStringLiteral("S%1,spectra/%2\n").arg(i).arg(kDemo[i % 3]);
    bigCatalog_ = dir_.filePath("big.csv");
    writeText(bigCatalog_, big);

    modelPath_ = QString::fromStdString(test::writeTinyModel(dir_.filePath("tiny.remap").toStdString()));
    session_ = std::make_unique<ModelSession>();
    QSignalSpy ready(session_.get(), &ModelSession::modelReady);
    session_->load(modelPath_, "cpu");
    QVERIFY(ready.wait(60000));
}

void TestCatalogPanel::readsCatalogAndTruth()
{
    const auto entries = readCatalogCsv(catalog_.toStdString());
    QCOMPARE(entries.size(), std::size_t(4));
    QCOMPARE(entries[0].id, std::string("K1"));
    QCOMPARE(QString::fromStdString(entries[0].path), QDir::cleanPath(dir_.filePath("spectra/demo-k-giant.fits")));
    QCOMPARE(entries[0].snr, 53.8);
    QCOMPARE(entries[0].reference[1], 2.60);
    QVERIFY(std::isnan(entries[0].reference[2]));
    QVERIFY(!entries[2].hasReference());

    // Truth joined by id; the catalog has none of the labels, and a quoted file name with a comma.
    const QString cat = dir_.filePath("plain.csv"), truth = dir_.filePath("truth.csv");
    writeText(cat, "id,file,snr\nA,\"spectra/a, b.fits\",40\nB,spectra/b.fits,50\n");
    writeText(truth, "id,file,teff,logg,feh,is_giant\nB,ignored.fits,4800,2.5,-0.4,1\n");
    const auto joined = readCatalogCsv(cat.toStdString(), truth.toStdString());
    QCOMPARE(joined[0].file, std::string("spectra/a, b.fits"));
    QVERIFY(!joined[0].hasReference());
    QCOMPARE(joined[1].reference[0], 4800.0);
    QCOMPARE(joined[1].reference[2], -0.4);
    // Without ids the truth is joined by file.
    writeText(cat, "file\nspectra/b.fits\n");
    writeText(truth, "file,teff\nspectra/b.fits,5100\n");
    QCOMPARE(readCatalogCsv(cat.toStdString(), truth.toStdString())[0].reference[0], 5100.0);
}

void TestCatalogPanel::badCatalogIsReported()
{
    const QString noFile = dir_.filePath("nofile.csv"), badNumber = dir_.filePath("badnumber.csv");
    writeText(noFile, "id,path\nA,a.fits\n");
    writeText(badNumber, "file,teff\na.fits,hot\n");
    QVERIFY_THROWS_EXCEPTION(Error, readCatalogCsv(noFile.toStdString()));
    try {
        readCatalogCsv(badNumber.toStdString());
        QFAIL("a non-numeric Teff was accepted");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("line 2") && QString(e.what()).contains("hot"), e.what());
    }
    CatalogPanel panel(session_.get());
    QSignalSpy errors(&panel, &CatalogPanel::errorOccurred);
    QVERIFY(!panel.openCatalog(noFile));
    QCOMPARE(errors.count(), 1);
    QVERIFY(errors.first().first().toString().contains("'file' column"));
    QVERIFY(!panel.run());  // nothing to run
}

void TestCatalogPanel::demoGiantsOpenWithTheirTruth()
{
    // The build synthesizes a small demo survey (resources/CMakeLists.txt); the button opens its giants.
    const auto [catalog, truth] = CatalogPanel::demoGiantCatalog();
    QVERIFY2(catalog.endsWith("giants.csv") && truth.endsWith("giants_truth.csv"), qPrintable(catalog));
    QFile f(catalog);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const int stars = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts).size() - 1;
    QVERIFY(stars > 0);
    CatalogPanel panel(session_.get());
    QSignalSpy loaded(&panel, &CatalogPanel::catalogLoaded);
    QVERIFY(panel.openDemoCatalog());
    QCOMPARE(loaded.count(), 1);
    QCOMPARE(loaded.first().at(1).toInt(), stars);
    QCOMPARE(panel.model()->rowCount(), stars);
}

void TestCatalogPanel::runSmallCatalog(CatalogPanel& panel)
{
    QVERIFY(panel.openCatalog(catalog_));
    QSignalSpy finished(&panel, &CatalogPanel::runFinished);
    QVERIFY(panel.run());
    QVERIFY(panel.isRunning());
    QVERIFY(finished.wait(120000));
    QCOMPARE(finished.first().first().toBool(), false);
}

void TestCatalogPanel::runFillsTableWithOneRowPerStar()
{
    CatalogPanel panel(session_.get());
    runSmallCatalog(panel);
    const CatalogModel* model = panel.model();
    QCOMPARE(model->rowCount(), 4);
    QCOMPARE(model->succeededCount(), 3);
    QCOMPARE(model->failedCount(), 1);
    // The unreadable file's row carries the reader's error, naming the file.
    QVERIFY(!model->prediction(2));
    const QString status = model->data(model->index(2, CatalogModel::Status)).toString();
    QVERIFY2(status.startsWith("failed") && status.contains("broken.fits"), qPrintable(status));
    for (int row : {0, 1, 3}) QVERIFY(model->prediction(row).has_value());
    // Residual = predicted mean - reference, and empty where the reference is unknown.
    const double teff = model->prediction(1)->teff.mean;
    QCOMPARE(model->data(model->index(1, CatalogModel::TeffResidual), CatalogModel::SortRole).toDouble(),
             teff - 6100.0);
    QVERIFY(model->data(model->index(0, CatalogModel::FehResidual)).toString().isEmpty());
    // The Kiel diagram has a point per successful row and a reference point per known (Teff, log g).
    QCOMPARE(panel.kielView()->pointCount(), 3);
    QCOMPARE(panel.kielView()->referencePointCount(), 3);
    panel.kielView()->setReferenceVisible(false);
    QCOMPARE(panel.kielView()->referencePointCount(), 0);
    QVERIFY(panel.summaryText().contains("3 predicted, 1 failed"));
    QVERIFY(panel.summaryText().contains("bias"));
}

void TestCatalogPanel::valuesEqualDirectPrediction()
{
    CatalogPanel panel(session_.get());
    runSmallCatalog(panel);
    PredictorOptions cpu;
    cpu.device = "cpu";
    const Predictor direct(modelPath_.toStdString(), cpu);
    for (int row : {0, 1, 3}) {
        const auto& entry = panel.model()->entry(row);
        const Prediction expected = direct.predict(readSpectrum(entry.path));
        const Prediction& got = *panel.model()->prediction(row);
        QCOMPARE(got.source, entry.file);  // named like `remap predict --catalog` names it
        for (int p = 0; p < 3; ++p) {
            REMAP_COMPARE_ABS("posterior mean", got[p].mean, expected[p].mean,
                              1e-6 * std::fabs(expected[p].mean) + 1e-9);
            REMAP_COMPARE_ABS("p16", got[p].p16, expected[p].p16, 1e-6 * std::fabs(expected[p].p16) + 1e-9);
            for (std::size_t k = 0; k < expected[p].probabilities.size(); ++k)
                REMAP_COMPARE_ABS("probability", got[p].probabilities[k], expected[p].probabilities[k], 1e-6);
        }
        REMAP_COMPARE_ABS("S/N", got.snr, expected.snr, 1e-9);
        QCOMPARE(got.flags, expected.flags);
    }
}

void TestCatalogPanel::sortingAndFiltering()
{
    CatalogPanel panel(session_.get());
    runSmallCatalog(panel);
    auto* proxy = panel.proxy();
    const CatalogModel* model = panel.model();

    // Descending by predicted Teff: the three predictions in order, the failed row last.
    proxy->sort(CatalogModel::Teff, Qt::DescendingOrder);
    std::vector<double> teffs;
    for (int r = 0; r < 3; ++r)
        teffs.push_back(proxy->index(r, CatalogModel::Teff).data(CatalogModel::SortRole).toDouble());
    QVERIFY(teffs[0] >= teffs[1] && teffs[1] >= teffs[2]);
    std::vector<double> expected;
    for (int row : {0, 1, 3}) expected.push_back(model->prediction(row)->teff.mean);
    std::sort(expected.rbegin(), expected.rend());
    QCOMPARE(teffs, expected);
    QCOMPARE(proxy->index(3, CatalogModel::Id).data().toString(), QString("BAD"));
    proxy->sort(CatalogModel::Id, Qt::AscendingOrder);
    QStringList ids;
    for (int r = 0; r < proxy->rowCount(); ++r) ids << proxy->index(r, CatalogModel::Id).data().toString();
    QCOMPARE(ids, (QStringList{"BAD", "K1", "MP1", "SUN"}));

    proxy->setText("metal-poor");
    QCOMPARE(proxy->rowCount(), 1);
    QCOMPARE(proxy->index(0, CatalogModel::Id).data().toString(), QString("MP1"));
    proxy->setText(QString());
    proxy->setSubset(CatalogFilterProxy::Subset::Failed);
    QCOMPARE(proxy->rowCount(), 1);
    QCOMPARE(proxy->index(0, CatalogModel::Id).data().toString(), QString("BAD"));
    // Giants and dwarfs split the predicted stars by predicted log g.
    int giants = 0;
    for (int row : {0, 1, 3}) giants += model->prediction(row)->logg.mean < 3.5 ? 1 : 0;
    proxy->setSubset(CatalogFilterProxy::Subset::Giants);
    QCOMPARE(proxy->rowCount(), giants);
    proxy->setSubset(CatalogFilterProxy::Subset::Dwarfs);
    QCOMPARE(proxy->rowCount(), 3 - giants);
}

void TestCatalogPanel::clickingRowEmitsStarActivated()
{
    CatalogPanel panel(session_.get());
    panel.resize(1200, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    runSmallCatalog(panel);
    panel.proxy()->sort(CatalogModel::Id, Qt::DescendingOrder);  // SUN, MP1, K1, BAD
    QSignalSpy activated(&panel, &CatalogPanel::starActivated);
    QTableView* table = panel.tableView();
    const QModelIndex mp1 = panel.proxy()->index(1, CatalogModel::Id);
    QCOMPARE(mp1.data().toString(), QString("MP1"));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(mp1).center());
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated[0][0].toString(), QDir::cleanPath(dir_.filePath("spectra/demo-metal-poor-dwarf.fits")));
    const auto reference = activated[0][1].value<Reference>();
    QVERIFY(reference.has_value());
    QCOMPARE((*reference)[0], 6100.0);
    QCOMPARE((*reference)[1], 4.20);
    QCOMPARE((*reference)[2], -1.20);
    // A star without reference labels comes without them.
    const QModelIndex bad = panel.proxy()->index(3, CatalogModel::Id);
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(bad).center());
    QCOMPARE(activated.count(), 2);
    QVERIFY(activated[1][0].toString().endsWith("broken.fits"));
    QVERIFY(!activated[1][1].value<Reference>().has_value());
}

void TestCatalogPanel::exportsCsvAndFits()
{
    CatalogPanel panel(session_.get());
    runSmallCatalog(panel);
    QSignalSpy exported(&panel, &CatalogPanel::exported);
    const QString csv = dir_.filePath("out/predictions.csv"), fits = dir_.filePath("out/predictions.fits");
    QDir(dir_.path()).mkdir("out");
    QVERIFY(panel.exportResults(csv));
    QVERIFY(panel.exportResults(fits));
    QCOMPARE(exported.count(), 2);

    const QStringList lines = readLines(csv);
    QCOMPARE(lines.size(), 1 + 3);  // header + the successful rows
    QVERIFY(lines[0].startsWith("file,teff_mean,"));
    QVERIFY(lines[0].contains("teff_ref"));
    QVERIFY(lines[1].startsWith("spectra/demo-k-giant.fits,"));
    QVERIFY(lines[3].startsWith("spectra/demo-sun-like-dwarf.fits,"));

    auto file = FitsFile::open(fits.toStdString());
    QCOMPARE(file.keyString("MODEL").value_or(""), std::string("tiny-marvels-ui-test"));
    QVERIFY(file.moveToNamed("PREDICTIONS"));
    QCOMPARE(file.rowCount(), 3L);
    const auto mean = file.readColumn(*file.findColumn("TEFF_MEAN"));
    REMAP_COMPARE_ABS("Teff mean in FITS", mean[1], panel.model()->prediction(1)->teff.mean, 1e-6);
    const auto ref = file.readColumn(*file.findColumn("LOGG_REF"));
    REMAP_COMPARE_ABS("log g reference in FITS", ref[2], 4.44, 1e-9);

    // An unknown extension is refused with a message; nothing is written.
    QSignalSpy errors(&panel, &CatalogPanel::errorOccurred);
    QVERIFY(!panel.exportResults(dir_.filePath("out/predictions.xlsx")));
    QCOMPARE(errors.count(), 1);
    QVERIFY(!QFile::exists(dir_.filePath("out/predictions.xlsx")));
}

void TestCatalogPanel::cancelStopsRunAndPanelKeepsWorking()
{
    CatalogPanel panel(session_.get());
    panel.setChunkSize(4);
    QVERIFY(panel.openCatalog(bigCatalog_));
    QCOMPARE(panel.model()->rowCount(), 600);
    QSignalSpy finished(&panel, &CatalogPanel::runFinished);
    QSignalSpy started(&panel, &CatalogPanel::runStarted);
    QVERIFY(panel.run());
    QCOMPARE(started.count(), 1);
    QVERIFY(!panel.run());  // one run at a time
    // Wait for the first results, then cancel.
    QTRY_VERIFY_WITH_TIMEOUT(panel.model()->finishedCount() > 0, 60000);
    panel.cancel();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toBool(), true);
    QVERIFY(!panel.isRunning());
    const int done = panel.model()->finishedCount();
    QVERIFY2(done > 0 && done < 600, qPrintable(QString::number(done)));
    QCOMPARE(panel.kielView()->pointCount(), panel.model()->succeededCount());
    QVERIFY(panel.summaryText().contains("cancelled"));

    // The panel keeps working: the small catalog runs to completion afterwards.
    runSmallCatalog(panel);
    QCOMPARE(panel.model()->succeededCount(), 3);
    QCOMPARE(panel.kielView()->pointCount(), 3);
}

QTEST_MAIN(TestCatalogPanel)
#include "test_catalog_panel.moc"
