#pragma once

#include "train/Trainer.h"

#include <QObject>
#include <QString>

#include <memory>
#include <thread>

namespace remap::ui {

// Runs train::runTraining on a worker thread and reports back on the GUI thread. The trainer never
// waits for the GUI: its observer only queues reports and posts one drain per batch of them.
//   pause():    the trainer blocks after its current optimizer step until unpause() or cancel();
//   cancel():   the trainer writes RUN/checkpoint.pt and stops (finished with status "cancelled");
//   a resumed run is a new start() with TrainOptions::resume = true on the same run folder.
// The destructor cancels and waits, so no worker outlives its runner. The report types need no
// Q_DECLARE_METATYPE: Qt 6 registers the types of signal arguments itself (queued signals, QSignalSpy).
class TrainingRunner : public QObject {
    Q_OBJECT
public:
    explicit TrainingRunner(QObject* parent = nullptr);
    ~TrainingRunner() override;

    // Starts a training; false (nothing started) while one is still running.
    bool start(const train::TrainOptions& options);
    void pause();
    void unpause();
    void cancel();
    // True from start() until `finished` was emitted.
    bool isRunning() const { return running_; }
    bool isPaused() const;
    bool isCancelling() const;
    // Blocks the calling (GUI) thread until the worker ended, then emits what it reported, `finished` last.
    void wait();

signals:
    void started(const QString& runDir);
    void stepReported(const remap::train::StepReport& step);
    void epochReported(const remap::train::EpochReport& epoch);
    void messageReported(const QString& text);
    void progressReported(qint64 done, qint64 total, const QString& stage);
    void pausedChanged(bool paused);
    // status: "finished" | "early_stopped" | "cancelled" | "failed" (error holds the reason).
    void finished(const QString& status, const remap::train::TrainResult& result, const QString& error);

private:
    struct Shared;
    class Observer;
    void drain();

    std::shared_ptr<Shared> shared_;
    std::thread worker_;
    bool running_ = false;
};

}  // namespace remap::ui
