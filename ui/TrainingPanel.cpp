#include "TrainingPanel.h"

#include "ModelSession.h"
#include "TrainingCharts.h"
#include "TrainingRunner.h"
#include "TrainingSetupForm.h"

#include <QDateTime>
#include <QDir>
#include <QEventLoop>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QProgressDialog>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace remap::ui {
namespace {

constexpr int kFollowIntervalMs = 500;

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("–");
    const auto s = static_cast<qint64>(std::llround(seconds));
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(s / 3600)
            .arg(s / 60 % 60, 2, 10, QChar('0'))
            .arg(s % 60, 2, 10, QChar('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

QString epochSummary(const train::EpochReport& e)
{
    const auto& v = e.validation;
    const QString head =
        e.epoch < 0
            ? QObject::tr("Pretrained model")
            : QObject::tr("Epoch %1/%2: training loss %3,").arg(e.epoch + 1).arg(e.epochs).arg(e.trainLoss, 0, 'f', 4);
    return QObject::tr("%1 validation loss %2; RMSE Teff %3 K, log g %4, [Fe/H] %5%6")
        .arg(head)
        .arg(v.loss, 0, 'f', 4)
        .arg(v[Param::Teff].rmse, 0, 'f', 0)
        .arg(v[Param::Logg].rmse, 0, 'f', 3)
        .arg(v[Param::Feh].rmse, 0, 'f', 3)
        .arg(e.improved ? QObject::tr(" (best so far)") : QString());
}

}  // namespace

TrainingPanel::TrainingPanel(ModelSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      runner_(new TrainingRunner(this)),
      form_(new TrainingSetupForm),
      charts_(new TrainingCharts),
      title_(new QLabel),
      progress_(new QProgressBar),
      progressText_(new QLabel),
      log_(new QPlainTextEdit)
{
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progressText_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(5000);
    log_->setMaximumHeight(110);
    title_->setTextFormat(Qt::PlainText);

    auto* right = new QWidget;
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(4, 0, 0, 0);
    rightLayout->addWidget(title_);
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(progress_, 1);
    progressRow->addWidget(progressText_, 2);
    rightLayout->addLayout(progressRow);
    rightLayout->addWidget(charts_, 1);
    rightLayout->addWidget(log_);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(buildControls());
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(runner_, &TrainingRunner::stepReported, this, &TrainingPanel::onStep);
    connect(runner_, &TrainingRunner::epochReported, this, &TrainingPanel::onEpoch);
    connect(runner_, &TrainingRunner::messageReported, this, &TrainingPanel::log);
    connect(runner_, &TrainingRunner::progressReported, this, [this](qint64 done, qint64 total, const QString& stage) {
        progressText_->setText(total > 0 ? tr("%1: %2 / %3").arg(stage).arg(done).arg(total) : stage);
    });
    connect(runner_, &TrainingRunner::pausedChanged, this, [this](bool paused) {
        if (runner_->isRunning() && !runner_->isCancelling()) setStatus(paused ? "paused" : "running");
    });
    connect(runner_, &TrainingRunner::finished, this, &TrainingPanel::onFinished);
    connect(form_, &TrainingSetupForm::modeChanged, this, &TrainingPanel::proposePretrainedModel);
    progressTimer_.setSingleShot(true);
    progressTimer_.setInterval(100);
    connect(&progressTimer_, &QTimer::timeout, this, [this] { showProgress(lastStep_); });
    followTimer_.setInterval(kFollowIntervalMs);
    connect(&followTimer_, &QTimer::timeout, this, &TrainingPanel::followRecord);

    setStatus("idle");
}

TrainingPanel::~TrainingPanel() = default;

QWidget* TrainingPanel::buildControls()
{
    auto button = [this](const QString& text, const QString& tip, auto slot) {
        auto* b = new QPushButton(text);
        b->setToolTip(tip);
        connect(b, &QPushButton::clicked, this, slot);
        return b;
    };
    startButton_ = button(tr("Start"), tr("Start a new run with this set-up"), [this] { start(); });
    pauseButton_ = button(tr("Pause"), tr("Pause after the current step"), [this] { pause(); });
    resumeButton_ =
        button(tr("Resume"), tr("Continue a paused run, or a cancelled one from its checkpoint"), [this] { resume(); });
    cancelButton_ =
        button(tr("Cancel"), tr("Stop; the run folder keeps a checkpoint to resume from"), [this] { cancel(); });
    loadConfigButton_ =
        button(tr("Load config…"), tr("Read a training configuration (JSON, as remap train reads)"), [this] {
            const QString path =
                QFileDialog::getOpenFileName(this, tr("Load training configuration"), {}, tr("JSON (*.json)"));
            if (!path.isEmpty()) loadConfigFile(path);
        });
    saveConfigButton_ = button(tr("Save config…"), tr("Write this set-up as JSON for remap train --config"), [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save training configuration"),
                                                          QStringLiteral("train.json"), tr("JSON (*.json)"));
        if (!path.isEmpty()) saveConfigFile(path);
    });
    openButton_ = button(tr("Open run…"), tr("Show a past run, or follow one running in a terminal"), [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open run folder"), runDir_);
        if (!dir.isEmpty()) openRun(dir);
    });
    compareButton_ = button(tr("Compare…"), tr("Overlay another run's per-epoch curves"), [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Compare with run folder"), runDir_);
        if (!dir.isEmpty()) compareRun(dir);
    });
    useButton_ =
        button(tr("Use this model"), tr("Make this run's model.remap the active model"), [this] { useModel(); });

    auto* controls = new QWidget;
    auto* layout = new QVBoxLayout(controls);
    auto* setup = new QGroupBox(tr("Set-up"));
    auto* setupLayout = new QVBoxLayout(setup);
    setupLayout->addWidget(form_);
    auto* configRow = new QHBoxLayout;
    configRow->addWidget(loadConfigButton_);
    configRow->addWidget(saveConfigButton_);
    setupLayout->addLayout(configRow);
    layout->addWidget(setup);

    auto* run = new QGroupBox(tr("Run"));
    auto* runLayout = new QGridLayout(run);
    runLayout->addWidget(startButton_, 0, 0);
    runLayout->addWidget(pauseButton_, 0, 1);
    runLayout->addWidget(resumeButton_, 1, 0);
    runLayout->addWidget(cancelButton_, 1, 1);
    layout->addWidget(run);

    auto* runs = new QGroupBox(tr("Runs"));
    auto* runsLayout = new QGridLayout(runs);
    runsLayout->addWidget(openButton_, 0, 0);
    runsLayout->addWidget(compareButton_, 0, 1);
    runsLayout->addWidget(useButton_, 1, 0, 1, 2);
    layout->addWidget(runs);
    layout->addStretch();

    auto* scroll = new QScrollArea;
    scroll->setWidget(controls);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(controls->sizeHint().width() + 20);
    return scroll;
}

bool TrainingPanel::isTraining() const
{
    return runner_->isRunning();
}

bool TrainingPanel::start()
{
    if (runner_->isRunning()) return false;
    train::TrainOptions options;
    options.config = form_->config();
    if (options.config.outputDir.empty()) options.config.outputDir = newRunFolder(options.config.mode).toStdString();
    if (options.config.mode == train::TrainMode::Finetune) {
        options.fromBundle = form_->pretrainedBundle().toStdString();
        if (options.fromBundle.empty()) {
            showError(tr("Fine-tuning needs a pretrained model (a .remap bundle)."));
            return false;
        }
    }
    try {
        options.config.validate();
    } catch (const std::exception& e) {
        showError(tr("Cannot start: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
    const QString dir = QString::fromStdString(options.config.outputDir);
    if (QFileInfo::exists(QDir(dir).filePath(train::kRecordFileName)) &&
        QMessageBox::question(this, tr("Replace run?"),
                              tr("%1 already holds a run. Start a new one there and replace its record?").arg(dir)) !=
            QMessageBox::Yes)
        return false;
    return launch(std::move(options), false);
}

bool TrainingPanel::resume()
{
    if (runner_->isRunning()) {
        if (!runner_->isPaused() || runner_->isCancelling()) return false;
        runner_->unpause();
        log(tr("Continued."));
        return true;
    }
    if (runDir_.isEmpty() || !QFileInfo::exists(QDir(runDir_).filePath("checkpoint.pt"))) {
        showError(tr("No checkpoint to resume from in %1.").arg(runDir_.isEmpty() ? tr("(no run)") : runDir_));
        return false;
    }
    // The run this panel started goes on with its own options; an opened one with the form's
    // set-up, which opening the run filled from its record.
    train::TrainOptions options = lastOptions_;
    if (QString::fromStdString(options.config.outputDir) != runDir_) {
        options = {};
        options.config = form_->config();
        options.config.outputDir = runDir_.toStdString();
        if (options.config.mode == train::TrainMode::Finetune)
            options.fromBundle = form_->pretrainedBundle().toStdString();
    }
    options.resume = true;
    return launch(std::move(options), true);
}

bool TrainingPanel::launch(train::TrainOptions options, bool keepCharts)
{
    stopFollowing();
    options.command = options.resume ? "remap-studio training panel (resume)" : "remap-studio training panel";
    runDir_ = QString::fromStdString(options.config.outputDir);
    lastOptions_ = options;
    if (!keepCharts) {
        charts_->clear();
        log_->clear();
    }
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progressText_->setText(tr("Preparing…"));
    if (!runner_->start(options)) return false;
    log(options.resume ? tr("Resuming %1").arg(runDir_) : tr("Started %1").arg(runDir_));
    setStatus("running");
    emit trainingStarted(runDir_);
    return true;
}

void TrainingPanel::pause()
{
    if (!runner_->isRunning() || runner_->isCancelling()) return;
    runner_->pause();
    log(tr("Paused (after the current step)."));
}

void TrainingPanel::cancel()
{
    if (!runner_->isRunning() || runner_->isCancelling()) return;
    runner_->cancel();
    log(tr("Cancelling: the trainer writes a checkpoint…"));
    setStatus("cancelling");
}

bool TrainingPanel::requestStopForClose()
{
    stopFollowing();
    if (!runner_->isRunning()) return true;
    cancel();
    QProgressDialog dialog(tr("Stopping the training and writing its checkpoint…"), QString(), 0, 0, this);
    dialog.setWindowModality(Qt::WindowModal);
    dialog.setMinimumDuration(0);
    dialog.show();
    QEventLoop loop;
    connect(runner_, &TrainingRunner::finished, &loop, &QEventLoop::quit);
    if (runner_->isRunning()) loop.exec(QEventLoop::ExcludeUserInputEvents);
    return status_ != QLatin1String("failed");
}

void TrainingPanel::onStep(const train::StepReport& step)
{
    charts_->addStep(step);
    lastStep_ = step;
    if (!progressTimer_.isActive()) progressTimer_.start();
    emit stepReported(step);
}

void TrainingPanel::onEpoch(const train::EpochReport& epoch)
{
    charts_->addEpoch(epoch);
    log(epochSummary(epoch));
    emit epochReported(epoch);
}

void TrainingPanel::onFinished(const QString& status, const train::TrainResult& result, const QString& error)
{
    charts_->lossChart()->flush();
    if (progressTimer_.isActive()) {
        progressTimer_.stop();
        showProgress(lastStep_);
    }
    if (status == QLatin1String("failed")) {
        showError(tr("Training failed: %1").arg(error));
    } else if (status == QLatin1String("cancelled")) {
        log(tr("Cancelled; %1 holds the checkpoint (Resume continues from it).").arg(runDir_));
        progressText_->setText(tr("Cancelled"));
    } else {
        log(tr("%1 after %2 epochs in %3; best epoch %4. Model: %5")
                .arg(status == QLatin1String("early_stopped") ? tr("Stopped early") : tr("Finished"))
                .arg(result.epochsDone)
                .arg(formatDuration(result.seconds))
                .arg(result.bestEpoch + 1)
                .arg(QString::fromStdString(result.bundlePath)));
        log(QString::fromStdString(train::formatMetricsTable(result.finalMetrics)));
        progress_->setValue(progress_->maximum());
        progressText_->setText(tr("Done in %1").arg(formatDuration(result.seconds)));
    }
    setStatus(status);
    emit trainingFinished(status, runDir_);
}

void TrainingPanel::showProgress(const train::StepReport& s)
{
    const auto total = std::clamp<std::int64_t>(s.totalSteps, 1, std::numeric_limits<int>::max());
    progress_->setRange(0, static_cast<int>(total));
    progress_->setValue(static_cast<int>(std::min(s.globalStep, total)));
    progressText_->setText(tr("Epoch %1/%2 · step %3/%4 · %5 spectra/s · ETA %6")
                               .arg(s.epoch + 1)
                               .arg(std::max<std::int64_t>(
                                   1, (s.totalSteps + std::max(1, s.stepsPerEpoch) - 1) / std::max(1, s.stepsPerEpoch)))
                               .arg(s.stepInEpoch + 1)
                               .arg(s.stepsPerEpoch)
                               .arg(s.samplesPerSecond, 0, 'f', 0)
                               .arg(formatDuration(s.etaSeconds)));
}

bool TrainingPanel::openRun(const QString& dir)
{
    if (runner_->isRunning()) {
        showError(tr("Stop the current training before opening another run."));
        return false;
    }
    stopFollowing();
    // Follow from the current end first, then read: lines written in between arrive twice, and the
    // charts replace repeated steps and epochs, so nothing is lost or doubled.
    auto follower = std::make_unique<train::RunRecordFollower>(dir.toStdString());
    train::RunRecord record;
    try {
        follower->poll();
        record = train::RunRecord::read(dir.toStdString());
    } catch (const std::exception& e) {
        showError(tr("Cannot open run %1: %2").arg(dir, QString::fromStdString(e.what())));
        return false;
    }
    runDir_ = QFileInfo(dir).absoluteFilePath();
    log_->clear();
    charts_->showRecord(record);
    if (record.start.is_object() && record.start.contains("config")) {
        try {
            form_->setConfig(train::TrainConfig::fromJson(record.start["config"], "run record"));
        } catch (const std::exception& e) {
            log(tr("The record's configuration was not loaded into the form: %1")
                    .arg(QString::fromStdString(e.what())));
        }
    }
    for (const auto& m : record.messages) log(QString::fromStdString(m));
    for (const auto& e : record.epochs) log(epochSummary(e));
    if (!record.steps.empty()) showProgress(record.steps.back());
    if (record.finished()) {
        progressText_->setText(
            tr("%1 (%2 epochs)").arg(QString::fromStdString(record.status())).arg(record.epochs.size()));
        setStatus(QString::fromStdString(record.status()));
    } else {
        follower_ = std::move(follower);
        followTimer_.start();
        log(tr("The run has no end record yet: following it."));
        setStatus("watching");
    }
    emit runOpened(runDir_);
    return true;
}

void TrainingPanel::followRecord()
{
    if (!follower_) return;
    std::vector<nlohmann::json> lines;
    try {
        lines = follower_->poll();
    } catch (const std::exception& e) {
        showError(tr("Stopped following %1: %2").arg(runDir_, QString::fromStdString(e.what())));
        stopFollowing();
        return;
    }
    for (const auto& line : lines) {
        const std::string type = line.value("type", "");
        try {
            if (type == "step") {
                lastStep_ = train::stepFromJson(line);
                charts_->addStep(lastStep_);
                if (!progressTimer_.isActive()) progressTimer_.start();
            } else if (type == "epoch") {
                const auto epoch = train::epochFromJson(line);
                charts_->addEpoch(epoch);
                log(epochSummary(epoch));
            } else if (type == "message") {
                log(QString::fromStdString(line.value("text", "")));
            } else if (type == "start") {
                log(tr("The run was (re)started."));
            } else if (type == "end") {
                const QString status = QString::fromStdString(line.value("status", "finished"));
                log(tr("The run ended: %1").arg(status));
                stopFollowing();
                setStatus(status);
                return;
            }
        } catch (const std::exception& e) {
            log(tr("Skipped a record line: %1").arg(QString::fromStdString(e.what())));
        }
    }
}

void TrainingPanel::stopFollowing()
{
    followTimer_.stop();
    follower_.reset();
}

bool TrainingPanel::compareRun(const QString& dir)
{
    try {
        const auto record = train::RunRecord::read(dir.toStdString());
        charts_->setComparison(QFileInfo(dir).fileName(), record);
        log(tr("Comparing with %1 (%2 epochs, %3).")
                .arg(dir)
                .arg(record.epochs.size())
                .arg(QString::fromStdString(record.status())));
        return true;
    } catch (const std::exception& e) {
        showError(tr("Cannot compare with %1: %2").arg(dir, QString::fromStdString(e.what())));
        return false;
    }
}

void TrainingPanel::clearComparison()
{
    charts_->clearComparison();
}

bool TrainingPanel::useModel()
{
    const QString bundle = QDir(runDir_).filePath("model.remap");
    if (runDir_.isEmpty() || !QFileInfo::exists(bundle)) {
        showError(tr("The run has no finished model (%1).").arg(bundle));
        return false;
    }
    if (!session_) {
        showError(tr("No model session to load the model into."));
        return false;
    }
    const QString device = session_->device().isEmpty() ? QStringLiteral("auto") : session_->device();
    session_->load(bundle, device);
    log(tr("Loading %1 as the active model.").arg(bundle));
    emit modelActivated(bundle);
    return true;
}

void TrainingPanel::loadConfigFile(const QString& path)
{
    try {
        form_->loadConfigFile(path);
        log(tr("Loaded configuration %1").arg(path));
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
    }
}

void TrainingPanel::saveConfigFile(const QString& path)
{
    try {
        form_->saveConfigFile(path);
        log(tr("Saved configuration %1").arg(path));
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
    }
}

void TrainingPanel::proposePretrainedModel()
{
    if (!form_->pretrainedBundle().isEmpty()) return;
    QString model = session_ ? session_->modelPath() : QString();
    if (model.isEmpty()) model = ModelSession::defaultModelPath();
    form_->setPretrainedBundle(model);
}

void TrainingPanel::setStatus(const QString& status)
{
    status_ = status;
    title_->setText(runDir_.isEmpty() ? tr("No run") : tr("%1 — %2").arg(runDir_, status));
    updateButtons();
    emit statusChanged(status);
}

void TrainingPanel::updateButtons()
{
    const bool running = runner_->isRunning();
    const bool paused = running && runner_->isPaused();
    const bool cancelling = running && runner_->isCancelling();
    const bool watching = status_ == QLatin1String("watching");
    const bool done = status_ == QLatin1String("finished") || status_ == QLatin1String("early_stopped");
    const bool resumable = !runDir_.isEmpty() && QFileInfo::exists(QDir(runDir_).filePath("checkpoint.pt"));
    startButton_->setEnabled(!running);
    pauseButton_->setEnabled(running && !paused && !cancelling);
    resumeButton_->setEnabled(running ? paused && !cancelling : resumable && !done && !watching);
    cancelButton_->setEnabled(running && !cancelling);
    openButton_->setEnabled(!running);
    useButton_->setEnabled(!running && !watching && session_ &&
                           QFileInfo::exists(QDir(runDir_).filePath("model.remap")));
    form_->setEnabled(!running);
    loadConfigButton_->setEnabled(!running);
}

void TrainingPanel::log(const QString& text)
{
    log_->appendPlainText(QStringLiteral("[%1] %2").arg(QTime::currentTime().toString("HH:mm:ss"), text));
}

void TrainingPanel::showError(const QString& message)
{
    log(message);
    progressText_->setText(message.section('\n', 0, 0));
    emit errorShown(message);
}

QString TrainingPanel::newRunFolder(train::TrainMode mode) const
{
    const QString root =
        QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)).filePath(QStringLiteral("runs"));
    const QString base = QStringLiteral("%1-%2").arg(QString::fromStdString(train::toString(mode)),
                                                     QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss"));
    QString dir = QDir(root).filePath(base);
    for (int n = 2; QFileInfo::exists(dir); ++n) dir = QDir(root).filePath(QStringLiteral("%1-%2").arg(base).arg(n));
    return dir;
}

}  // namespace remap::ui
