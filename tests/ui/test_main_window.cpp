// The main window end to end on the offscreen platform: spectra open off the GUI thread, a model from
// ModelSession fills every chart with exactly what Predictor computes, bad files and missing models
// give clear messages, and the window keeps working.
#include "InspectorView.h"
#include "MainWindow.h"
#include "ModelSession.h"
#include "PosteriorChartView.h"
#include "SaliencyChartView.h"
#include "SpectrumChartView.h"
#include "TestSupport.h"
#include "TinyModel.h"
#include "io/SpectrumReader.h"

#include <QComboBox>
#include <QImage>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QValueAxis>
#include <QtTest>

#include <numeric>

using remap::Param;
using remap::ui::InspectorView;
using remap::ui::MainWindow;

namespace {
constexpr int kWaitMs = 30000;

QString fixture(const char* name)
{
    return QString::fromStdString(remap::test::fixture(std::string("fits/") + name));
}

// Waits for the window to show `path` (a bad file or timeout fails the test).
bool waitShown(MainWindow& window, const QString& path)
{
    QSignalSpy shown(&window, &MainWindow::spectrumShown);
    window.openFile(path);
    if (!shown.wait(kWaitMs)) {
        qWarning("%s was not shown within %d ms", qPrintable(path), kWaitMs);
        return false;
    }
    const QString last = shown.last().first().toString();
    if (!last.endsWith(QFileInfo(path).fileName())) {
        qWarning("waited for %s but %s was shown", qPrintable(path), qPrintable(last));
        return false;
    }
    return true;
}
}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void opensFixtureWithoutModel();
    void largeSpectrumIsDecimatedForDisplay();
    void badFileShowsErrorAndWindowKeepsWorking();
    void firstStartOffersDemoWithoutBlocking();
    void predictionFillsEveryChart();
    void shownValuesAreThePredictorsValues();
    void saliencyFollowsParameterAndMethod();
    void zoomIsSharedBetweenSpectrumAndSaliency();
    void badFileWithModelThenGoodFile();
    void nearestTrainingSpectrumIsOverlaidWhenReadable();
    void neighboursAreListedWhenTheirSpectraAreMissing();
    void runOnOpenOffPreparesOnly();
    void catalogReferenceIsDrawn();
    void brokenModelIsReported();
    void chartsExportAsPngAndSvg();
    void settingsPersist();

private:
    QTemporaryDir dir_;
    QString model_;           // tiny bundle, reference set pointing at the IRAF fixture
    QString modelMissingNb_;  // tiny bundle whose neighbours' files do not exist
    std::unique_ptr<MainWindow> withModel(const QString& model);
};

void TestMainWindow::initTestCase()
{
    QCoreApplication::setOrganizationName("REMAP-tests");
    QCoreApplication::setApplicationName("test_main_window");
    QVERIFY(dir_.isValid());
    const auto sdss = remap::readSpectrum(fixture("spec-1234-52000-0123.fits").toStdString());
    model_ = dir_.filePath("tiny.remap");
    modelMissingNb_ = dir_.filePath("tiny-missing.remap");
    remap::test::saveTinyModel(model_.toStdString(), &sdss, fixture("iraf_linear.fits").toStdString());
    remap::test::saveTinyModel(modelMissingNb_.toStdString(), &sdss, "nowhere/training-star-1.fits");
}

void TestMainWindow::init()
{
    QSettings().clear();  // every test starts like a first run
    QSettings().setValue("firstStartDone", true);
}

std::unique_ptr<MainWindow> TestMainWindow::withModel(const QString& model)
{
    auto window = std::make_unique<MainWindow>(nullptr, false);
    QSignalSpy ready(window->modelSession(), &remap::ui::ModelSession::modelReady);
    window->modelSession()->load(model, "cpu");
    if (!ready.wait(kWaitMs)) return nullptr;
    return window;
}

void TestMainWindow::opensFixtureWithoutModel()
{
    MainWindow window(nullptr, false);
    QSignalSpy failed(&window, &MainWindow::errorShown);
    QVERIFY(waitShown(window, fixture("spec-1234-52000-0123.fits")));
    QCOMPARE(failed.count(), 0);
    // 3334 SDSS pixels are drawn as read (no model: no normalization); 25 of them are masked.
    QVERIFY(!window.spectrumView()->isNormalized());
    QCOMPARE(window.spectrumView()->plottedPointCount(), 3334);
    QCOMPARE(window.spectrumView()->maskedPointCount(), 25);
    QVERIFY(!window.spectrumView()->shadedRegions().isEmpty());
    QVERIFY(window.summaryText().contains("sdss-spec"));
    QVERIFY2(window.inspector()->messageText().contains("Open model"), qPrintable(window.inspector()->messageText()));
    QCOMPARE(window.inspector()->saliencyView()->plottedPointCount(), 0);
    QVERIFY(window.inspector()->posteriorView(Param::Teff)->barHeights().empty());
}

void TestMainWindow::largeSpectrumIsDecimatedForDisplay()
{
    MainWindow window(nullptr, false);
    QVERIFY(waitShown(window, fixture("lte05800-4.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits")));
    QVERIFY(window.spectrumView()->plottedPointCount() > 1000);
    QVERIFY(window.spectrumView()->plottedPointCount() <= 8000);
    QVERIFY(window.summaryText().contains("5800"));  // the file's Teff, shown as its reference
}

void TestMainWindow::badFileShowsErrorAndWindowKeepsWorking()
{
    MainWindow window(nullptr, false);
    QSignalSpy failed(&window, &MainWindow::errorShown);
    window.openFile(fixture("bad_truncated.fits"));
    QVERIFY(failed.wait(kWaitMs));
    QVERIFY(failed.first().first().toString().contains("bad_truncated.fits"));
    QVERIFY(window.inspector()->messageText().contains("bad_truncated.fits"));
    QVERIFY(waitShown(window, fixture("iraf_linear.fits")));
    QCOMPARE(window.spectrumView()->plottedPointCount(), 6170);
    QVERIFY(!window.inspector()->messageText().contains("bad_truncated.fits"));  // the error went away
}

void TestMainWindow::firstStartOffersDemoWithoutBlocking()
{
    QSettings().remove("firstStartDone");
    QVERIFY2(!MainWindow::demoStar().isEmpty(), "resources/demo should be found from a build tree");
    {
        MainWindow window(nullptr, false);
        QVERIFY(window.firstStartOffered());
        QVERIFY(waitShown(window, MainWindow::demoStar()));  // the demo spectrum opens like any file
    }
    QSettings().setValue("firstStartDone", true);
    MainWindow again(nullptr, false);
    QVERIFY(!again.firstStartOffered());
}

void TestMainWindow::predictionFillsEveryChart()
{
    auto window = withModel(model_);
    QVERIFY(window);
    QVERIFY(waitShown(*window, fixture("spec-1234-52000-0123.fits")));
    auto* inspector = window->inspector();
    QVERIFY(inspector->current() && inspector->current()->prediction);
    // The normalized spectrum on the 256-pixel network grid, with a saliency value per grid pixel.
    QVERIFY(window->spectrumView()->isNormalized());
    QCOMPARE(window->spectrumView()->plottedPointCount(), 256);
    QCOMPARE(inspector->saliencyView()->plottedPointCount(), 256);
    const remap::LabelBins bins;
    for (Param p : remap::kAllParams) {
        const auto bars = inspector->posteriorView(p)->barHeights();
        QCOMPARE(static_cast<int>(bars.size()), bins[p].count);
        REMAP_COMPARE_ABS("posterior bars sum", std::accumulate(bars.begin(), bars.end(), 0.0), 1.0, 1e-6);
    }
    QVERIFY(inspector->messageText().isEmpty());
    QVERIFY(window->summaryText().contains("tiny-ui-test"));
}

void TestMainWindow::shownValuesAreThePredictorsValues()
{
    // The one-code-path rule: what the window shows is Predictor::predict on the same file.
    auto window = withModel(model_);
    QVERIFY(window);
    const QString path = QFileInfo(fixture("iraf_linear.fits")).canonicalFilePath();  // as the window names it
    QVERIFY(waitShown(*window, path));
    remap::PredictorOptions cpu;
    cpu.device = "cpu";
    const remap::Predictor direct(model_.toStdString(), cpu);
    const auto spectrum = remap::readSpectrum(path.toStdString());
    const auto expected = direct.predict(spectrum);
    const auto& shown = *window->inspector()->current()->prediction;
    QCOMPARE(QString::fromStdString(shown.source), QString::fromStdString(expected.source));
    QCOMPARE(shown.flags, expected.flags);
    QCOMPARE(shown.snr, expected.snr);
    for (int p = 0; p < 3; ++p) {
        QCOMPARE(shown[p].mean, expected[p].mean);
        QCOMPARE(shown[p].median, expected[p].median);
        QCOMPARE(shown[p].hdi68Lo, expected[p].hdi68Lo);
        const auto bars = window->inspector()->posteriorView(static_cast<Param>(p))->barHeights();
        for (std::size_t k = 0; k < bars.size(); ++k)
            REMAP_COMPARE_ABS("bar = probability", bars[k], expected[p].probabilities[k], 1e-12);
        QCOMPARE(window->inspector()->posteriorView(static_cast<Param>(p))->meanLine(), expected[p].mean);
    }
    // The summary prints the median like `remap predict` does.
    QVERIFY2(window->summaryText().contains(QString::number(expected.teff.median, 'f', 0)),
             qPrintable(window->summaryText()));
    QVERIFY(window->summaryText().contains(QString::number(expected.logg.median, 'f', 2)));
}

void TestMainWindow::saliencyFollowsParameterAndMethod()
{
    auto window = withModel(model_);
    QVERIFY(window);
    const QString path = QFileInfo(fixture("iraf_linear.fits")).canonicalFilePath();  // as the window names it
    QVERIFY(waitShown(*window, path));
    auto* inspector = window->inspector();
    QSignalSpy shown(inspector, &InspectorView::shown);
    inspector->setSaliencyChoice({Param::Logg, remap::SaliencyMethod::IntegratedGradients});
    QVERIFY(shown.wait(kWaitMs));
    remap::PredictorOptions cpu;
    cpu.device = "cpu";
    const remap::Predictor direct(model_.toStdString(), cpu);
    const auto expected = direct.saliency(remap::readSpectrum(path.toStdString()), Param::Logg,
                                          remap::SaliencyMethod::IntegratedGradients);
    const auto* values = inspector->current()->saliencyFor({Param::Logg, remap::SaliencyMethod::IntegratedGradients});
    QVERIFY(values);
    QCOMPARE(values->size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        REMAP_COMPARE_ABS("saliency", (*values)[i], expected[i], 1e-6 * (1.0 + std::abs(expected[i])));
    QCOMPARE(inspector->saliencyView()->plottedPointCount(), 256);
    // Both maps stay cached with the file: going back needs no new computation.
    QVERIFY(inspector->current()->saliencyFor({Param::Teff, remap::SaliencyMethod::Gradient}));
}

void TestMainWindow::zoomIsSharedBetweenSpectrumAndSaliency()
{
    auto window = withModel(model_);
    QVERIFY(window);
    QVERIFY(waitShown(*window, fixture("iraf_linear.fits")));
    auto* spectrum = window->inspector()->spectrumView();
    auto* saliency = window->inspector()->saliencyView();
    spectrum->setXRange(5100.0, 5150.0);
    QCOMPARE(saliency->xAxis()->min(), 5100.0);
    QCOMPARE(saliency->xAxis()->max(), 5150.0);
    saliency->setXRange(5120.0, 5200.0);
    QCOMPARE(spectrum->xAxis()->min(), 5120.0);
    window->inspector()->resetZoom();
    QVERIFY(std::abs(spectrum->xAxis()->min() - 5050.0) < 1e-6);
    QVERIFY(std::abs(saliency->xAxis()->max() - 5250.0) < 1e-6);
}

void TestMainWindow::badFileWithModelThenGoodFile()
{
    auto window = withModel(model_);
    QVERIFY(window);
    QSignalSpy failed(window.get(), &MainWindow::errorShown);
    window->openFile(fixture("bad_not_fits.fits"));
    QVERIFY(failed.wait(kWaitMs));
    QVERIFY(window->inspector()->messageText().contains("bad_not_fits.fits"));
    QVERIFY(waitShown(*window, fixture("spec-1234-52000-0123.fits")));
    QVERIFY(window->inspector()->current()->prediction);
    QVERIFY(window->inspector()->messageText().isEmpty());
    // A readable spectrum the model cannot use (APOGEE H band, no overlap with 5050-5250 A) is shown as
    // read, with the reason.
    QVERIFY(waitShown(*window, fixture("apStar-dr17-2M00000000+0000000.fits")));
    QVERIFY(!window->inspector()->current()->modelError.isEmpty());
    QVERIFY(!window->spectrumView()->isNormalized());
    QVERIFY(window->spectrumView()->plottedPointCount() > 0);
    QVERIFY2(window->inspector()->messageText().contains("could not be applied"),
             qPrintable(window->inspector()->messageText()));
}

void TestMainWindow::nearestTrainingSpectrumIsOverlaidWhenReadable()
{
    auto window = withModel(model_);
    QVERIFY(window);
    QVERIFY(waitShown(*window, fixture("spec-1234-52000-0123.fits")));
    auto* inspector = window->inspector();
    const auto& r = *inspector->current();
    QCOMPARE(r.neighbours.size(), std::size_t(2));
    QVERIFY(r.neighbours.front().name.find("iraf_linear.fits") != std::string::npos);
    QVERIFY2(r.nearest.has_value(), qPrintable(r.nearestNote));
    inspector->setShowNeighbour(true);
    QVERIFY(window->spectrumView()->overlayVisible());
    QCOMPARE(window->spectrumView()->overlayPointCount(), 256);  // the IRAF fixture covers the whole grid
    QVERIFY(inspector->neighbourCaption().contains("iraf_linear.fits"));
    QCOMPARE(inspector->neighbourTable()->rowCount(), 2);
    inspector->setShowNeighbour(false);
    QVERIFY(!window->spectrumView()->overlayVisible());
}

void TestMainWindow::neighboursAreListedWhenTheirSpectraAreMissing()
{
    auto window = withModel(modelMissingNb_);
    QVERIFY(window);
    QVERIFY(waitShown(*window, fixture("spec-1234-52000-0123.fits")));
    auto* inspector = window->inspector();
    inspector->setShowNeighbour(true);
    QVERIFY(!inspector->current()->nearest);
    QCOMPARE(window->spectrumView()->overlayPointCount(), 0);
    QVERIFY(inspector->neighbourCaption().contains("not available"));
    QCOMPARE(inspector->neighbourTable()->rowCount(), 2);
    QCOMPARE(inspector->neighbourTable()->item(0, 0)->text(), QString("nowhere/training-star-1.fits"));
    QCOMPARE(inspector->neighbourTable()->item(0, 1)->text(), QString("5777"));
}

void TestMainWindow::runOnOpenOffPreparesOnly()
{
    auto window = withModel(model_);
    QVERIFY(window);
    window->inspector()->setRunOnOpen(false);
    QVERIFY(waitShown(*window, fixture("spec-1234-52000-0123.fits")));
    auto* inspector = window->inspector();
    QVERIFY(window->spectrumView()->isNormalized());  // prepared, but the network has not run
    QVERIFY(!inspector->current()->prediction);
    QVERIFY(inspector->posteriorView(Param::Feh)->barHeights().empty());
    QVERIFY(inspector->messageText().contains("Run model"));
    QSignalSpy shown(window.get(), &MainWindow::spectrumShown);
    inspector->runModel();
    QVERIFY(shown.wait(kWaitMs));
    QVERIFY(inspector->current()->prediction);
    QVERIFY(!inspector->posteriorView(Param::Feh)->barHeights().empty());
}

void TestMainWindow::catalogReferenceIsDrawn()
{
    auto window = withModel(model_);
    QVERIFY(window);
    QSignalSpy shown(window.get(), &MainWindow::spectrumShown);
    window->showStar(fixture("spec-1234-52000-0123.fits"), std::array<double, 3>{5800.0, 4.4, NAN});
    QVERIFY(shown.wait(kWaitMs));
    QVERIFY(window->inspector()->posteriorView(Param::Teff)->hasReference());
    QVERIFY(window->inspector()->posteriorView(Param::Logg)->hasReference());
    QVERIFY(!window->inspector()->posteriorView(Param::Feh)->hasReference());  // NaN: unknown
    QVERIFY(window->summaryText().contains("reference 5800"));
}

void TestMainWindow::brokenModelIsReported()
{
    const QString broken = dir_.filePath("broken.remap");
    QFile f(broken);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a model");
    f.close();
    MainWindow window(nullptr, false);
    QSignalSpy failedModel(window.modelSession(), &remap::ui::ModelSession::modelFailed);
    window.openModel(broken);
    QVERIFY(failedModel.wait(kWaitMs));
    QVERIFY(failedModel.first().at(1).toString().contains("broken.remap"));
    QVERIFY(!window.modelSession()->predictor());
    QVERIFY(waitShown(window, fixture("spec-1234-52000-0123.fits")));  // the spectrum still shows
    QVERIFY(!window.spectrumView()->isNormalized());
    QVERIFY(window.inspector()->messageText().contains("could not be loaded"));
    QVERIFY(window.inspector()->messageText().contains("Open model"));
}

void TestMainWindow::chartsExportAsPngAndSvg()
{
    auto window = withModel(model_);
    QVERIFY(window);
    window->resize(1200, 800);
    window->show();
    QVERIFY(waitShown(*window, fixture("spec-1234-52000-0123.fits")));
    QTemporaryDir out;
    for (const char* format : {"png", "svg"}) {
        const QStringList files = window->inspector()->exportCharts(out.path(), format);
        QCOMPARE(files.size(), 5);
        for (const auto& file : files) {
            QVERIFY2(QFileInfo(file).size() > 0, qPrintable(file));
            if (QLatin1String(format) == QLatin1String("png")) {
                QVERIFY(!QImage(file).isNull());
            } else {
                QFile svg(file);
                QVERIFY(svg.open(QIODevice::ReadOnly));
                QVERIFY(svg.readAll().contains("<svg"));
            }
        }
    }
}

void TestMainWindow::settingsPersist()
{
    {
        MainWindow window(nullptr, false);
        window.inspector()->setSaliencyChoice({Param::Feh, remap::SaliencyMethod::SmoothGrad});
        window.inspector()->setShowNeighbour(true);
        window.close();  // saves
    }
    MainWindow again(nullptr, false);
    QCOMPARE(again.inspector()->saliencyChoice().param, Param::Feh);
    QCOMPARE(again.inspector()->saliencyChoice().method, remap::SaliencyMethod::SmoothGrad);
    QCOMPARE(QSettings().value("inspector/saliencyMethod").toString(), QString("smoothgrad"));
}

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
