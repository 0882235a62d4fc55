// The inspector's parts on their own: chart export, masked-run shading, the posterior chart, the
// prediction runner's cache and superseding, and the model session.
#include "ChartExport.h"
#include "ModelSession.h"
#include "PosteriorChartView.h"
#include "PredictionRunner.h"
#include "SpectrumChartView.h"
#include "TestSupport.h"
#include "TinyModel.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <numeric>

using namespace remap;
using namespace remap::ui;

namespace {
constexpr int kWaitMs = 30000;
QString fixture(const char* name)
{
    return QString::fromStdString(test::fixture(std::string("fits/") + name));
}
InspectRequest inspectFile(const QString& path)
{
    InspectRequest r;
    r.path = path;
    return r;
}
}  // namespace

class TestUiParts : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void exportWritesPngAndSvgAndRejectsOthers();
    void maskedRunsAreContiguousIntervals();
    void posteriorChartDrawsTheHistogram();
    void runnerCachesPerFileAndModel();
    void newerRequestSupersedes();
    void runnerReportsUnreadableFiles();
    void sessionLoadsSupersedesAndFails();
    void defaultModelFollowsEnvironment();

private:
    QTemporaryDir dir_;
    QString model_;
};

void TestUiParts::initTestCase()
{
    QVERIFY(dir_.isValid());
    model_ = dir_.filePath("tiny.remap");
    test::saveTinyModel(model_.toStdString());
}

void TestUiParts::exportWritesPngAndSvgAndRejectsOthers()
{
    SpectrumChartView view;
    view.resize(640, 320);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSpectrum(readSpectrum(fixture("iraf_linear.fits").toStdString()));
    const QString png = dir_.filePath("chart.png"), svg = dir_.filePath("chart.svg");
    exportChart(&view, png);
    exportChart(&view, svg);
    const QImage image(png);
    QVERIFY(!image.isNull());
    QCOMPARE(image.width(), qRound(640 * view.devicePixelRatioF()));
    QFile f(svg);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(text.contains("<svg") && text.contains("<polyline") &&
            text.contains("wavelength"));  // vector, not a bitmap
    QVERIFY_THROWS_EXCEPTION(Error, exportChart(&view, dir_.filePath("chart.jpg")));
    QVERIFY_THROWS_EXCEPTION(Error, exportChart(&view, "/nonexistent-folder/chart.png"));
    addExportAction(&view);
    QCOMPARE(view.contextMenuPolicy(), Qt::ActionsContextMenu);
    QVERIFY(!view.actions().isEmpty());
}

void TestUiParts::maskedRunsAreContiguousIntervals()
{
    const std::vector<double> x{10, 11, 12, 13, 14, 15, 16, 17, 18};
    const std::vector<std::uint8_t> mask{1, 0, 1, 1, 0, 0, 0, 1, 0};
    const auto runs = maskedRuns(x, mask);
    QCOMPARE(runs.size(), 3);
    QCOMPARE(runs[0], (QPair<double, double>(9.5, 10.5)));
    QCOMPARE(runs[1], (QPair<double, double>(11.5, 13.5)));
    QCOMPARE(runs[2], (QPair<double, double>(16.5, 17.5)));
    // Too many runs for the display: the closest ones merge, covering every masked pixel.
    const auto merged = maskedRuns(x, mask, 2);
    QCOMPARE(merged.size(), 2);
    QCOMPARE(merged[0], (QPair<double, double>(9.5, 13.5)));
    QCOMPARE(merged[1], runs[2]);
    QVERIFY(maskedRuns(x, std::vector<std::uint8_t>(9, 0)).isEmpty());
}

void TestUiParts::posteriorChartDrawsTheHistogram()
{
    // A two-bin-wide bump: bins 20 21 22 of 0..99 (centres 0.5 .. 99.5).
    std::vector<double> centres(100), p(100, 0.0);
    std::iota(centres.begin(), centres.end(), 0.5);
    p[20] = 0.25;
    p[21] = 0.5;
    p[22] = 0.25;
    const auto post = summarizePosterior(centres, p);
    PosteriorChartView view("x");
    view.setPosterior(post, 30.0);
    const auto bars = view.barHeights();
    QCOMPARE(bars.size(), std::size_t(100));
    QCOMPARE(bars[21], 0.5);
    QCOMPARE(bars[20], 0.25);
    REMAP_COMPARE_ABS("sum", std::accumulate(bars.begin(), bars.end(), 0.0), 1.0, 1e-12);
    QCOMPARE(view.meanLine(), 21.5);  // by symmetry
    QVERIFY(view.hasReference());
    view.setPosterior(post);
    QVERIFY(!view.hasReference());
    view.clear();
    QVERIFY(view.barHeights().empty());
}

void TestUiParts::runnerCachesPerFileAndModel()
{
    ModelSession session;
    QSignalSpy ready(&session, &ModelSession::modelReady);
    session.load(model_, "cpu");
    QVERIFY(ready.wait(kWaitMs));
    QCOMPARE(session.generation(), 1);
    PredictionRunner runner(&session);
    QSignalSpy finished(&runner, &PredictionRunner::finished);
    const InspectRequest a = inspectFile(fixture("iraf_linear.fits"));
    runner.inspect(a);
    QVERIFY(finished.wait(kWaitMs));
    const auto first = runner.result();
    QVERIFY(first->prediction);
    QCOMPARE(first->generation, 1);
    runner.inspect(inspectFile(fixture("spec-1234-52000-0123.fits")));
    QVERIFY(finished.wait(kWaitMs));
    runner.inspect(a);
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(runner.result().get(), first.get());  // the same object: served from the cache
    QCOMPARE(runner.cachedCount(), 2);
    // A new model (generation 2) means a new computation for the same file.
    session.load(model_, "cpu");
    QVERIFY(ready.wait(kWaitMs));
    runner.inspect(a);
    QVERIFY(finished.wait(kWaitMs));
    QVERIFY(runner.result().get() != first.get());
    QCOMPARE(runner.result()->generation, 2);
}

void TestUiParts::newerRequestSupersedes()
{
    ModelSession session;
    QSignalSpy ready(&session, &ModelSession::modelReady);
    session.load(model_, "cpu");
    QVERIFY(ready.wait(kWaitMs));
    PredictionRunner runner(&session);
    QSignalSpy finished(&runner, &PredictionRunner::finished);
    QSignalSpy busy(&runner, &PredictionRunner::busyChanged);
    runner.inspect(inspectFile(fixture("lte05800-4.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits")));
    runner.inspect(inspectFile(fixture("iraf_linear.fits")));
    QVERIFY(finished.wait(kWaitMs));
    QTest::qWait(200);  // nothing else may arrive
    QCOMPARE(finished.count(), 1);
    QVERIFY(finished.first().first().toString().endsWith("iraf_linear.fits"));
    QVERIFY(!runner.isBusy());
    QVERIFY(!busy.isEmpty() && busy.last().first().toBool() == false);
}

void TestUiParts::runnerReportsUnreadableFiles()
{
    ModelSession session;  // no model: read only
    PredictionRunner runner(&session);
    QSignalSpy failed(&runner, &PredictionRunner::failed);
    QSignalSpy finished(&runner, &PredictionRunner::finished);
    runner.inspect(inspectFile(fixture("bad_empty.fits")));
    QVERIFY(failed.wait(kWaitMs));
    QVERIFY(failed.first().at(1).toString().contains("bad_empty.fits"));
    runner.inspect(inspectFile(fixture("iraf_linear.fits")));
    QVERIFY(finished.wait(kWaitMs));
    QVERIFY(!runner.result()->predictor);
    QVERIFY(!runner.result()->prepared);
    QCOMPARE(runner.result()->spectrum.size(), std::size_t(6170));
}

void TestUiParts::sessionLoadsSupersedesAndFails()
{
    ModelSession session;
    QSignalSpy ready(&session, &ModelSession::modelReady);
    QSignalSpy failed(&session, &ModelSession::modelFailed);
    session.load(dir_.filePath("does-not-exist.remap"), "cpu");
    session.load(model_, "cpu");  // supersedes the first while it loads
    QVERIFY(ready.wait(kWaitMs));
    QCOMPARE(ready.first().first().toString(), model_);
    QCOMPARE(failed.count(), 0);
    QVERIFY(session.predictor());
    QCOMPARE(session.predictor()->deviceName(), std::string("cpu"));
    session.load(dir_.filePath("does-not-exist.remap"), "cpu");
    QVERIFY(!session.predictor());  // none while loading
    QVERIFY(failed.wait(kWaitMs));
    QVERIFY(session.lastError().contains("does-not-exist.remap"));
    QCOMPARE(session.generation(), 1);
    if (!cudaAvailable()) {
        session.load(model_, "cuda");
        QVERIFY(failed.wait(kWaitMs));
        QVERIFY(session.lastError().contains("CUDA"));
    }
}

void TestUiParts::defaultModelFollowsEnvironment()
{
    const QByteArray old = qgetenv("REMAP_MODEL");
    qputenv("REMAP_MODEL", model_.toUtf8());
    QCOMPARE(ModelSession::defaultModelPath(), model_);
    if (old.isEmpty())
        qunsetenv("REMAP_MODEL");
    else
        qputenv("REMAP_MODEL", old);
}

QTEST_MAIN(TestUiParts)
#include "test_ui_parts.moc"
