// The training panel trains on a worker thread while the event loop keeps running, fills its charts
// from live reports, pauses, cancels into a checkpoint that Resume finishes, hands the finished
// bundle to the model session, and reopens, compares and follows runs from their records.
#include "ModelSession.h"
#include "TestSupport.h"
#include "TinyTrainingData.h"
#include "TrainingCharts.h"
#include "TrainingPanel.h"
#include "TrainingRunner.h"
#include "TrainingSetupForm.h"
#include "train/RunRecord.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <cmath>

using remap::Param;
using remap::ui::TrainingPanel;
namespace train = remap::train;

namespace {

constexpr int kPixels = 128;
constexpr int kTrainRows = 256;
constexpr int kValidationRows = 48;
constexpr int kBatch = 32;
constexpr int kStepsPerEpoch = kTrainRows / kBatch;  // 8

// Measures the longest gap between ticks of a 10 ms timer: a blocked GUI thread shows up as a gap.
class TickProbe : public QObject {
public:
    TickProbe()
    {
        timer_.setInterval(10);
        QObject::connect(&timer_, &QTimer::timeout, this, [this] {
            const qint64 now = clock_.elapsed();
            maxGap_ = std::max(maxGap_, now - last_);
            last_ = now;
            ++ticks_;
        });
        clock_.start();
        timer_.start();
    }
    qint64 maxGapMs() const { return maxGap_; }
    int ticks() const { return ticks_; }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ = 0, maxGap_ = 0;
    int ticks_ = 0;
};

}  // namespace

class TestTrainingPanel : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString trainSet_, validationSet_;
    QString finishedRun_;  // written by the first test, used by later ones

    QString path(const QString& name) const { return dir_.filePath(name); }

    train::TrainConfig tinyConfig(const QString& runDir, int epochs) const
    {
        train::TrainConfig c;
        c.trainSet = trainSet_.toStdString();
        c.validationSet = validationSet_.toStdString();
        c.outputDir = runDir.toStdString();
        c.epochs = epochs;
        c.batchSize = kBatch;
        c.validationBatchSize = 64;
        c.network = remap::test::tinyNetworkConfig(kPixels);
        c.device = "cpu";
        c.threads = 1;
        c.logEverySteps = 1;
        c.referenceRows = 32;
        c.earlyStopping.enabled = false;
        c.schedule.warmupEpochs = 0.5;
        return c;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        QCoreApplication::setOrganizationName("REMAP-tests");
        QCoreApplication::setApplicationName("test_training_panel");
        trainSet_ = path("tiny-train.h5");
        validationSet_ = path("tiny-validation.h5");
        remap::test::writeTinyTrainingSet(trainSet_.toStdString(), kTrainRows, kPixels, 1);
        remap::test::writeTinyTrainingSet(validationSet_.toStdString(), kValidationRows, kPixels, 2);
    }

    void decimateMeanAveragesBuckets()
    {
        std::vector<double> x(10000), y(10000);
        for (int i = 0; i < 10000; ++i) x[i] = y[i] = i;
        const auto points = remap::ui::decimateMean(x, y, 1000);
        QCOMPARE(points.size(), 1000);
        QCOMPARE(points.front(), QPointF(4.5, 4.5));  // mean of 0..9
        QCOMPARE(points.back(), QPointF(9994.5, 9994.5));
        QCOMPARE(remap::ui::decimateMean({1, 2, 3}, {4, NAN, 6}, 10).size(), 2);  // short: unchanged, NaN dropped
    }

    void lossChartDecimatesAndReplacesRepeatedSteps()
    {
        remap::ui::LossChartView chart;
        for (int s = 1; s <= 5000; ++s) {
            train::StepReport r;
            r.globalStep = s;
            r.loss = 1.0;
            r.taskLosses = {0.5, 0.25, 0.125, 0.0625};
            chart.addStep(r);
        }
        chart.flush();
        QCOMPARE(chart.stepCount(), 5000);
        QVERIFY(chart.displayedPointCount(4) <= remap::ui::LossChartView::kDisplayBuckets);
        QVERIFY(chart.displayedPointCount(0) > 100);
        train::StepReport again;  // a resumed run repeats the steps after its checkpoint
        again.globalStep = 4001;
        chart.addStep(again);
        QCOMPARE(chart.stepCount(), 4001);
    }

    void trainsLiveAndStaysResponsive()
    {
        remap::ui::ModelSession session;
        TrainingPanel panel(&session);
        finishedRun_ = path("run-finished");
        panel.setupForm()->setConfig(tinyConfig(finishedRun_, 3));
        QSignalSpy steps(&panel, &TrainingPanel::stepReported);
        QSignalSpy epochs(&panel, &TrainingPanel::epochReported);
        QSignalSpy finished(&panel, &TrainingPanel::trainingFinished);
        QSignalSpy errors(&panel, &TrainingPanel::errorShown);

        TickProbe probe;
        QVERIFY(panel.start());
        QVERIFY(panel.isTraining());
        QCOMPARE(panel.status(), QString("running"));
        QVERIFY(finished.wait(120000));
        QVERIFY2(errors.isEmpty(), qPrintable(errors.isEmpty() ? QString() : errors.first().first().toString()));
        QCOMPARE(finished.first().at(0).toString(), QString("finished"));
        QCOMPARE(panel.status(), QString("finished"));
        QVERIFY(!panel.isTraining());
        // A responsiveness check, not a benchmark: the timer kept ticking while the worker trained.
        QVERIFY(probe.ticks() > 10);
        QVERIFY2(probe.maxGapMs() < 1000, qPrintable(QString("max event-loop gap %1 ms").arg(probe.maxGapMs())));

        // Every optimizer step was reported once, in order, up to the planned total.
        QCOMPARE(steps.count(), 3 * kStepsPerEpoch);
        const auto last = steps.last().first().value<train::StepReport>();
        QCOMPARE(last.totalSteps, qint64(3 * kStepsPerEpoch));
        QCOMPARE(last.globalStep, last.totalSteps);
        QCOMPARE(last.stepsPerEpoch, kStepsPerEpoch);
        QCOMPARE(epochs.count(), 3);
        for (int e = 0; e < 3; ++e) QCOMPARE(epochs.at(e).first().value<train::EpochReport>().epoch, e);

        auto* charts = panel.charts();
        QCOMPARE(charts->lossChart()->stepCount(), 3 * kStepsPerEpoch);
        for (int s = 0; s < remap::ui::LossChartView::kSeriesCount; ++s)
            QCOMPARE(charts->lossChart()->displayedPointCount(s), 3 * kStepsPerEpoch);
        QCOMPARE(charts->epochChart()->epochCount(), 3);
        QCOMPARE(charts->epochChart()->validationPointCount(), 3);
        for (Param p : remap::kAllParams) QCOMPARE(charts->calibrationChart(p)->pointCount(), kValidationRows);
        QCOMPARE(charts->metricsTable()->rowCount(), 3);
        QCOMPARE(charts->metricsTable()->item(0, 0)->text(), QString::number(kValidationRows));

        QVERIFY(QFileInfo::exists(QDir(finishedRun_).filePath("model.remap")));
        const auto record = train::RunRecord::read(finishedRun_.toStdString());
        QCOMPARE(int(record.epochs.size()), 3);
        QCOMPARE(QString::fromStdString(record.status()), QString("finished"));

        // "Use this model" makes the session load the run's bundle.
        QSignalSpy loading(&session, &remap::ui::ModelSession::modelLoading);
        QSignalSpy ready(&session, &remap::ui::ModelSession::modelReady);
        QSignalSpy failed(&session, &remap::ui::ModelSession::modelFailed);
        QVERIFY(panel.useModel());
        const QString bundle = QDir(finishedRun_).filePath("model.remap");
        QCOMPARE(loading.count(), 1);
        QCOMPARE(loading.first().first().toString(), bundle);
        QTRY_VERIFY_WITH_TIMEOUT(ready.count() + failed.count() == 1, 30000);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString() : failed.first().at(1).toString()));
        QCOMPARE(session.modelPath(), bundle);
        QVERIFY(session.predictor());
    }

    void reopensAndComparesRuns()
    {
        QVERIFY2(!finishedRun_.isEmpty(), "needs the run of trainsLiveAndStaysResponsive");
        const auto record = train::RunRecord::read(finishedRun_.toStdString());
        TrainingPanel panel(nullptr);
        QSignalSpy opened(&panel, &TrainingPanel::runOpened);
        QVERIFY(panel.openRun(finishedRun_));
        QCOMPARE(opened.count(), 1);
        QCOMPARE(panel.status(), QString("finished"));
        QCOMPARE(panel.charts()->epochChart()->epochCount(), 3);
        QCOMPARE(panel.charts()->lossChart()->stepCount(), int(record.steps.size()));
        QCOMPARE(panel.charts()->calibrationChart(Param::Logg)->pointCount(), kValidationRows);
        QCOMPARE(panel.setupForm()->config().epochs, 3);  // the form shows the run's set-up
        QCOMPARE(panel.setupForm()->config().network, remap::test::tinyNetworkConfig(kPixels));

        QVERIFY(panel.compareRun(finishedRun_));
        QCOMPARE(panel.charts()->epochChart()->comparisonPointCount(), 3);
        panel.clearComparison();
        QCOMPARE(panel.charts()->epochChart()->comparisonPointCount(), 0);

        QSignalSpy errors(&panel, &TrainingPanel::errorShown);
        QVERIFY(!panel.openRun(path("no-such-run")));
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.first().first().toString().contains("no-such-run"));
    }

    void pauseHoldsCancelCheckpointsResumeFinishes()
    {
        TrainingPanel panel(nullptr);
        const QString run = path("run-cancelled");
        panel.setupForm()->setConfig(tinyConfig(run, 3));
        QSignalSpy steps(&panel, &TrainingPanel::stepReported);
        QSignalSpy finished(&panel, &TrainingPanel::trainingFinished);
        QVERIFY(panel.start());
        panel.pause();  // the trainer blocks after its first optimizer step
        QCOMPARE(panel.status(), QString("paused"));
        QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 1, 60000);
        const int held = steps.count();
        QTest::qWait(300);
        QCOMPARE(steps.count(), held);  // still paused: no further steps
        QVERIFY(panel.isTraining());

        panel.cancel();
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().at(0).toString(), QString("cancelled"));
        QCOMPARE(panel.status(), QString("cancelled"));
        QVERIFY(QFileInfo::exists(QDir(run).filePath("checkpoint.pt")));
        const auto cancelled = train::RunRecord::read(run.toStdString());
        QCOMPARE(QString::fromStdString(cancelled.status()), QString("cancelled"));
        QVERIFY(int(cancelled.epochs.size()) < 3);
        const qint64 lastBefore = steps.last().first().value<train::StepReport>().globalStep;

        steps.clear();
        finished.clear();
        QVERIFY(panel.resume());
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.first().at(0).toString(), QString("finished"));
        // The resumed run goes on from the checkpoint's step to the planned end.
        QVERIFY(!steps.isEmpty());
        QCOMPARE(steps.first().first().value<train::StepReport>().globalStep, lastBefore + 1);
        QCOMPARE(steps.last().first().value<train::StepReport>().globalStep, qint64(3 * kStepsPerEpoch));
        const auto resumed = train::RunRecord::read(run.toStdString());
        QCOMPARE(QString::fromStdString(resumed.status()), QString("finished"));
        QCOMPARE(int(resumed.epochs.size()), 3);
        QCOMPARE(panel.charts()->epochChart()->epochCount(), 3);
        QCOMPARE(panel.charts()->lossChart()->stepCount(), 3 * kStepsPerEpoch);
        QVERIFY(QFileInfo::exists(QDir(run).filePath("model.remap")));
    }

    void stopForCloseWaitsForTheCheckpoint()
    {
        TrainingPanel panel(nullptr);
        const QString run = path("run-closed");
        panel.setupForm()->setConfig(tinyConfig(run, 50));
        QSignalSpy steps(&panel, &TrainingPanel::stepReported);
        QVERIFY(panel.start());
        panel.pause();  // holds the run after its first step, so it is surely still running below
        QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 1, 60000);
        QVERIFY(panel.requestStopForClose());
        QVERIFY(!panel.isTraining());
        QCOMPARE(panel.status(), QString("cancelled"));
        QVERIFY(QFileInfo::exists(QDir(run).filePath("checkpoint.pt")));
        QCOMPARE(QString::fromStdString(train::RunRecord::read(run.toStdString()).status()), QString("cancelled"));
        QVERIFY(panel.requestStopForClose());  // nothing runs: returns at once
    }

    void badSetupIsReportedNotCrashed()
    {
        TrainingPanel panel(nullptr);
        QSignalSpy errors(&panel, &TrainingPanel::errorShown);
        auto config = tinyConfig(path("run-bad"), 2);
        config.trainSet = path("missing.h5").toStdString();
        panel.setupForm()->setConfig(config);
        panel.start();  // may refuse at once or fail in the worker: either way it is reported
        QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isTraining(), 30000);
        QVERIFY(errors.first().first().toString().contains("missing.h5"));

        auto finetune = tinyConfig(path("run-ft"), 2);
        finetune.mode = train::TrainMode::Finetune;
        panel.setupForm()->setConfig(finetune);
        panel.setupForm()->setPretrainedBundle({});
        errors.clear();
        QVERIFY(!panel.start());  // fine-tuning without a pretrained model
        QCOMPARE(errors.count(), 1);
    }

    void switchingModeLoadsThatModesDefaults()
    {
        remap::ui::TrainingSetupForm form;
        auto c = form.config();
        QCOMPARE(c.epochs, remap::train::TrainConfig{}.epochs);
        c.trainSet = dir_.filePath("stars.h5").toStdString();
        c.epochs = 7;
        form.setConfig(c);
        auto* mode = form.findChild<QComboBox*>("trainingMode");
        QVERIFY(mode);
        mode->setCurrentIndex(mode->findData(static_cast<int>(remap::train::TrainMode::Finetune)));
        const auto f = form.config();
        const auto expected = remap::train::TrainConfig::defaultsFor(remap::train::TrainMode::Finetune);
        QVERIFY(f.mode == remap::train::TrainMode::Finetune);
        QCOMPARE(f.epochs, expected.epochs);  // the hyperparameters are fine-tuning's
        QCOMPARE(f.batchSize, expected.batchSize);
        QCOMPARE(f.finetune.freezeStages, expected.finetune.freezeStages);
        QCOMPARE(f.optimizer.learningRate, expected.optimizer.learningRate);
        QCOMPARE(f.trainSet, c.trainSet);  // the data stay
        // A loaded fine-tuning config keeps its own values (no defaults over it).
        auto loaded = expected;
        loaded.epochs = 11;
        form.setConfig(remap::train::TrainConfig{});
        form.setConfig(loaded);
        QCOMPARE(form.config().epochs, 11);
    }

    void configFileRoundTripKeepsHiddenKeys()
    {
        remap::ui::TrainingSetupForm form;
        auto config = tinyConfig(path("run-x"), 7);
        config.optimizer.learningRate = 3e-4;
        config.schedule.kind = train::ScheduleKind::OneCycle;
        config.augmentation.enabled = false;
        config.seed = 42;
        config.loss.embeddingWeight = 0.25;  // not on the form
        form.setConfig(config);
        const QString file = path("config.json");
        form.saveConfigFile(file);

        remap::ui::TrainingSetupForm other;
        other.loadConfigFile(file);
        const auto read = other.config();
        QCOMPARE(read.epochs, 7);
        QCOMPARE(read.optimizer.learningRate, 3e-4);
        QCOMPARE(read.schedule.kind, train::ScheduleKind::OneCycle);
        QVERIFY(!read.augmentation.enabled);
        QCOMPARE(read.seed, std::uint64_t(42));
        QCOMPARE(read.loss.embeddingWeight, 0.25);
        QCOMPARE(read.network, remap::test::tinyNetworkConfig(kPixels));
        QCOMPARE(QString::fromStdString(read.trainSet), trainSet_);
        QCOMPARE(QString::fromStdString(read.outputDir), path("run-x"));
        // The CLI reads the same file.
        QCOMPARE(train::TrainConfig::load(file.toStdString()).toJson(), read.toJson());
    }

    void followsARunWrittenByAnotherProcess()
    {
        const QString run = path("run-external");
        {
            train::RunRecordWriter writer(run.toStdString(), false);
            writer.write({{"type", "start"}, {"config", tinyConfig(run, 2).toJson()}});
            for (int s = 1; s <= 4; ++s) {
                train::StepReport step;
                step.globalStep = s;
                step.totalSteps = 8;
                step.stepsPerEpoch = 4;
                step.stepInEpoch = s - 1;
                step.loss = 1.0 / s;
                writer.writeStep(step);
            }
        }
        TrainingPanel panel(nullptr);
        QVERIFY(panel.openRun(run));
        QCOMPARE(panel.status(), QString("watching"));
        QCOMPARE(panel.charts()->lossChart()->stepCount(), 4);
        {
            train::RunRecordWriter writer(run.toStdString(), true);
            train::EpochReport epoch;
            epoch.epoch = 0;
            epoch.epochs = 2;
            epoch.validation.loss = 0.5;
            writer.writeEpoch(epoch);
            for (int s = 5; s <= 8; ++s) {
                train::StepReport step;
                step.globalStep = s;
                step.totalSteps = 8;
                step.loss = 1.0 / s;
                writer.writeStep(step);
            }
            writer.write({{"type", "end"}, {"status", "finished"}});
        }
        QTRY_COMPARE_WITH_TIMEOUT(panel.status(), QString("finished"), 10000);
        QCOMPARE(panel.charts()->lossChart()->stepCount(), 8);
        QCOMPARE(panel.charts()->epochChart()->epochCount(), 1);
    }
};

QTEST_MAIN(TestTrainingPanel)
#include "test_training_panel.moc"
