#pragma once

#include "train/RunRecord.h"
#include "train/Trainer.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include <memory>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace remap::ui {

class ModelSession;
class TrainingCharts;
class TrainingRunner;
class TrainingSetupForm;

// Pretraining and fine-tuning from the GUI: the set-up form, Start / Pause / Resume / Cancel, live
// charts of the run (losses per step, curves per epoch, calibration stars, metrics, progress with
// ETA), "Use this model" for a finished run, and past runs reopened from their record and compared.
// The training runs on a worker thread (TrainingRunner); the window stays responsive. A run that
// `remap train` is writing from a terminal can be opened too: the panel follows its record.
//
// Errors never raise modal dialogs from the training path: they go to the log and errorShown.
class TrainingPanel : public QWidget {
    Q_OBJECT
public:
    // `session` (may be null) is the window's active model: "Use this model" loads the run's bundle
    // into it, and fine-tuning proposes its model as the pretrained one.
    explicit TrainingPanel(ModelSession* session, QWidget* parent = nullptr);
    ~TrainingPanel() override;  // cancels and waits for a running training

    // The buttons' actions. start() begins a new run with the form's set-up (false, with the reason
    // shown, when it cannot); resume() continues a paused run, or restarts the current run folder
    // from its checkpoint (TrainOptions::resume).
    bool start();
    void pause();
    bool resume();
    void cancel();
    // Shows a past run from its record (RunRecord::read); a run without an "end" record is followed
    // live. False (error shown) when the folder has no readable record or a training is running.
    bool openRun(const QString& runDir);
    // Overlays another run's per-epoch curves on the current ones.
    bool compareRun(const QString& runDir);
    void clearComparison();
    // Makes RUN/model.remap of the current run the window's active model.
    bool useModel();
    void loadConfigFile(const QString& path);  // errors shown, the form unchanged
    void saveConfigFile(const QString& path);

    bool isTraining() const;
    // For MainWindow::closeEvent once the user agreed to stop: cancels the training and waits, with
    // a progress message and the event loop running, until the trainer wrote RUN/checkpoint.pt and
    // ended. True when nothing runs any more and the run folder is resumable or finished; false
    // when the run failed (its error is shown). Returns true at once when no training runs.
    bool requestStopForClose();

    // "idle" | "running" | "paused" | "cancelling" | "finished" | "early_stopped" | "cancelled" |
    // "failed" | "watching" (following a run of another process)
    QString status() const { return status_; }
    QString runDir() const { return runDir_; }
    TrainingSetupForm* setupForm() const { return form_; }
    TrainingCharts* charts() const { return charts_; }
    TrainingRunner* runner() const { return runner_; }

signals:
    void trainingStarted(const QString& runDir);
    void stepReported(const remap::train::StepReport& step);
    void epochReported(const remap::train::EpochReport& epoch);
    // status: "finished" | "early_stopped" | "cancelled" | "failed"
    void trainingFinished(const QString& status, const QString& runDir);
    void statusChanged(const QString& status);
    void runOpened(const QString& runDir);
    void modelActivated(const QString& bundlePath);
    void errorShown(const QString& message);

private:
    QWidget* buildControls();
    bool launch(train::TrainOptions options, bool keepCharts);
    void onStep(const train::StepReport& step);
    void onEpoch(const train::EpochReport& epoch);
    void onFinished(const QString& status, const train::TrainResult& result, const QString& error);
    void followRecord();
    void stopFollowing();
    void proposePretrainedModel();
    void setStatus(const QString& status);
    void updateButtons();
    void showProgress(const train::StepReport& step);
    void log(const QString& text);
    void showError(const QString& message);
    QString newRunFolder(train::TrainMode mode) const;

    ModelSession* session_;
    TrainingRunner* runner_;
    TrainingSetupForm* form_;
    TrainingCharts* charts_;
    QLabel* title_;
    QProgressBar* progress_;
    QLabel* progressText_;
    QPlainTextEdit* log_;
    QPushButton* startButton_;
    QPushButton* pauseButton_;
    QPushButton* resumeButton_;
    QPushButton* cancelButton_;
    QPushButton* openButton_;
    QPushButton* compareButton_;
    QPushButton* useButton_;
    QPushButton* loadConfigButton_;
    QPushButton* saveConfigButton_;

    QString status_ = QStringLiteral("idle");
    QString runDir_;
    train::TrainOptions lastOptions_;  // of the run this panel started last
    std::unique_ptr<train::RunRecordFollower> follower_;
    QTimer followTimer_;
    train::StepReport lastStep_;
    QTimer progressTimer_;  // the progress line is redrawn at most every 100 ms
};

}  // namespace remap::ui
