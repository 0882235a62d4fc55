#pragma once

#include "TeachingEngine.h"

#include <QFuture>
#include <QObject>

#include <memory>
#include <mutex>
#include <optional>

namespace remap::ui {

// Runs the teaching computations on one worker thread, the latest request winning: requests made
// while one is computed replace each other, and only the newest is computed next. Each request
// reports spectrumReady (spectrum + network) and then informationReady (the same result with the
// Cramer-Rao information), except that the information of a request already superseded is skipped
// unless it is cached. The destructor waits for the worker.
class TeachingRunner : public QObject {
    Q_OBJECT
public:
    explicit TeachingRunner(QObject* parent = nullptr);
    ~TeachingRunner() override;

    // Queues `request` (its serial is set here and returned) with the predictor to use (may be null).
    int request(TeachingRequest request, std::shared_ptr<const Predictor> predictor);
    bool isBusy() const;

signals:
    void spectrumReady(const remap::ui::TeachingResult& result);
    void informationReady(const remap::ui::TeachingResult& result);
    void idle();

private:
    struct Job {
        TeachingRequest request;
        std::shared_ptr<const Predictor> predictor;
    };
    void work();

    std::unique_ptr<TeachingEngine> engine_;  // used by the worker only
    mutable std::mutex mutex_;
    std::optional<Job> pending_;
    bool running_ = false;
    bool stopping_ = false;
    int serial_ = 0;
    QFuture<void> future_;
};

}  // namespace remap::ui
