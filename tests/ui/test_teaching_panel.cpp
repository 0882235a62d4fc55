// Teaching mode: slider moves synthesize, observe and predict off the GUI thread; the posteriors are
// distributions, the information is the synthesizer's Cramer-Rao computation and follows the S/N.
#include "ModelSession.h"
#include "TeachingEngine.h"
#include "TeachingPanel.h"
#include "TeachingText.h"
#include "TestSupport.h"
#include "UiTestModel.h"
#include "synth/InformationContent.h"

#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace remap;
using namespace remap::ui;

namespace {

// Waits until every request made so far is shown completely.
bool waitForUpdates(TeachingPanel& panel, int timeoutMs = 60000)
{
    QSignalSpy shown(&panel, &TeachingPanel::updateShown);
    QElapsedTimer t;
    t.start();
    while (panel.isUpdating()) {
        if (t.elapsed() > timeoutMs) return false;
        shown.wait(200);
    }
    return true;
}

double maxAbsDifference(const std::vector<double>& a, const std::vector<double>& b)
{
    double d = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
    return d;
}

}  // namespace

class TestTeachingPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void withoutModelSpectrumAndInformationWork();
    void sliderMoveUpdatesSpectrumAndNetwork();
    void crlbGrowsWhenSnrDrops();
    void rapidMovesCoalesce();
    void explanationFollowsParameters();

private:
    QTemporaryDir dir_;
    std::unique_ptr<ModelSession> session_;
};

void TestTeachingPanel::initTestCase()
{
    QVERIFY(dir_.isValid());
    session_ = std::make_unique<ModelSession>();
    QSignalSpy ready(session_.get(), &ModelSession::modelReady);
    session_->load(QString::fromStdString(test::writeTinyModel(dir_.filePath("tiny.remap").toStdString())), "cpu");
    QVERIFY(ready.wait(60000));
}

void TestTeachingPanel::withoutModelSpectrumAndInformationWork()
{
    TeachingPanel panel(nullptr);
    panel.refresh();
    QVERIFY(waitForUpdates(panel));
    const auto& r = panel.lastResult();
    QVERIFY2(r.error.empty(), r.error.c_str());
    QCOMPARE(r.wavelength.size(), std::size_t(4096));  // the MARVELS-like instrument's pixels
    QCOMPARE(r.observed.size(), r.wavelength.size());
    QVERIFY(!r.prediction);
    QCOMPARE(r.networkNote, std::string("no model"));
    QVERIFY(r.hasInformation);
    for (const auto& info : r.information) {
        QCOMPARE(info.size(), r.wavelength.size());
        QVERIFY(std::all_of(info.begin(), info.end(), [](double v) { return std::isfinite(v) && v >= 0; }));
        QVERIFY(std::accumulate(info.begin(), info.end(), 0.0) > 0);
    }
    // Near the continuum the noiseless model is ~1 and the lines dip below it.
    const auto [lo, hi] = std::minmax_element(r.model.begin(), r.model.end());
    QVERIFY(*hi > 0.98 && *hi < 1.1);
    QVERIFY(*lo < 0.5);  // Mg I b and friends in a solar-type star
    QVERIFY(panel.explanationHtml().contains("No model"));
}

void TestTeachingPanel::sliderMoveUpdatesSpectrumAndNetwork()
{
    TeachingPanel panel(session_.get());
    panel.refresh();
    QVERIFY(waitForUpdates(panel));
    const TeachingResult before = panel.lastResult();
    QVERIFY(before.prediction.has_value());

    // The user drags the Teff slider to a cool star.
    panel.slider(TeachingPanel::Control::Teff)->setValue(4500);
    QVERIFY(waitForUpdates(panel));
    const TeachingResult& after = panel.lastResult();
    QCOMPARE(after.request.teff, 4500.0);
    QVERIFY(after.request.serial > before.request.serial);
    QCOMPARE(after.wavelength, before.wavelength);
    // A 1300 K cooler star has much deeper low-excitation lines.
    QVERIFY2(maxAbsDifference(after.model, before.model) > 0.05,
             qPrintable(QString::number(maxAbsDifference(after.model, before.model))));
    QVERIFY(after.prediction.has_value());
    for (int p = 0; p < 3; ++p) {
        const auto& probs = (*after.prediction)[p].probabilities;
        REMAP_COMPARE_ABS("posterior sums to 1", std::accumulate(probs.begin(), probs.end(), 0.0), 1.0, 1e-9);
        QVERIFY(std::all_of(probs.begin(), probs.end(), [](double v) { return v >= 0; }));
    }
    QCOMPARE(after.saliency.size(), std::size_t(4096));
    QCOMPARE(after.saliencyWavelength.size(), std::size_t(4096));
    QVERIFY(std::any_of(after.saliency.begin(), after.saliency.end(), [](float v) { return v != 0.0f; }));
    for (const auto& info : after.information)
        QVERIFY(std::all_of(info.begin(), info.end(), [](double v) { return std::isfinite(v) && v >= 0; }));
    QVERIFY(panel.timingText().contains("ms"));
}

void TestTeachingPanel::crlbGrowsWhenSnrDrops()
{
    TeachingPanel panel(nullptr);
    panel.setSnr(200);
    QVERIFY(waitForUpdates(panel));
    const auto high = panel.lastResult();
    panel.setSnr(20);
    QVERIFY(waitForUpdates(panel));
    const auto low = panel.lastResult();
    QVERIFY(low.request.snr < high.request.snr);
    for (std::size_t p = 0; p < 3; ++p) QVERIFY(low.crlb[p] > high.crlb[p]);

    // The bounds shown are the synthesizer's own Cramer-Rao computation at that S/N and R.
    synth::FisherSettings settings;
    settings.snr = low.request.snr;
    settings.instrument.resolvingPower = low.request.resolvingPower;
    synth::StellarParameters star;
    star.teff = low.request.teff;
    star.logg = low.request.logg;
    star.feh = low.request.feh;
    const auto direct = synth::cramerRaoBound(synth::Synthesizer(), star, settings);
    for (std::size_t p = 0; p < 3; ++p) REMAP_COMPARE_REL("CRLB", low.crlb[p], direct.bound[p], 1e-9);
    REMAP_COMPARE_REL("pixel information", low.information[0][2000], direct.pixels.information[0][2000], 1e-9);
}

void TestTeachingPanel::rapidMovesCoalesce()
{
    TeachingPanel panel(session_.get());
    QSignalSpy shown(&panel, &TeachingPanel::updateShown);
    QSlider* logg = panel.slider(TeachingPanel::Control::Logg);
    for (int v = 90; v >= 50; v -= 2) logg->setValue(v);  // 21 moves faster than any update
    QVERIFY(waitForUpdates(panel));
    QVERIFY2(shown.count() < 21, qPrintable(QString::number(shown.count())));
    REMAP_COMPARE_ABS("the latest move wins", panel.lastResult().request.logg, 2.5, 1e-12);
}

void TestTeachingPanel::explanationFollowsParameters()
{
    TeachingPanel panel(session_.get());
    panel.setLogg(2.5);
    QVERIFY(waitForUpdates(panel));
    QVERIFY(panel.explanationHtml().contains("Giant"));
    QVERIFY(panel.explanationHtml().contains("Fe II"));
    QVERIFY(panel.explanationHtml().contains("saliency"));
    panel.setLogg(4.5);
    panel.setResolvingPower(4000);
    QVERIFY(waitForUpdates(panel));
    QVERIFY(panel.explanationHtml().contains("Mg I b wings"));
    QVERIFY(panel.explanationHtml().contains("blurs the lines"));  // below the network's R = 11000

    // The words for where information lies come from the line table.
    QCOMPARE(describeWavelength(5183.9), QString("Mg I b 5184"));
    QCOMPARE(describeWavelength(5188.0), QString("the Mg I b wings"));
    QCOMPARE(describeWavelength(5211.0), QString("the MgH band near 5211 Å"));
}

QTEST_MAIN(TestTeachingPanel)
#include "test_teaching_panel.moc"
