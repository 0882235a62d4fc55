#pragma once

#include "CatalogFile.h"
#include "ml/Predictor.h"

#include <QFuture>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace remap::ui {

// The outcome for one catalog entry: a prediction, or the reason there is none.
struct CatalogRow {
    int index = -1;  // into the entries given to CatalogRunner::start
    std::optional<Prediction> prediction;
    QString error;
};

// Predicts a catalog on a worker thread, chunk by chunk: each chunk's files are read and prepared in
// parallel (Predictor::prepare), then go through the network together (predictPrepared). A file that
// cannot be read or prepared becomes a row with its error; the run goes on. Results, progress and the
// end arrive on the GUI thread in that order. cancel() stops after the file being prepared (the rows
// finished so far are kept); the destructor cancels and waits, so no worker outlives the owner.
class CatalogRunner : public QObject {
    Q_OBJECT
public:
    explicit CatalogRunner(QObject* parent = nullptr);
    ~CatalogRunner() override;

    // False (nothing started) when a run is still going or there is no predictor.
    bool start(std::shared_ptr<const Predictor> predictor, std::vector<CatalogEntry> entries, int chunkSize = 32,
               int threads = 0);
    void cancel();
    bool isRunning() const { return running_; }
    // Blocks until the worker has stopped (tests, shutdown); queued results are still delivered later.
    void waitForWorker();

signals:
    void rowsReady(const std::vector<remap::ui::CatalogRow>& rows);
    void progressChanged(int done, int total);
    void finished(bool cancelled);

private:
    QFuture<void> future_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    bool running_ = false;
    int runId_ = 0;
};

}  // namespace remap::ui
