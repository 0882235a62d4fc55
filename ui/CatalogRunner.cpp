#include "CatalogRunner.h"

#include "base/Error.h"
#include "base/Parallel.h"
#include "io/SpectrumReader.h"

#include <QPointer>
#include <QtConcurrent>

#include <algorithm>

namespace remap::ui {
namespace {

// Per-file progress of the whole run, and the cancel flag the core loop polls.
class RunProgress final : public ProgressObserver {
public:
    RunProgress(const std::atomic<bool>& cancel, std::atomic<int>& done, std::function<void(int)> report)
        : cancel_(cancel), done_(done), report_(std::move(report))
    {
    }
    void onProgress(std::size_t, std::size_t, std::string_view) override { report_(++done_); }
    bool cancelRequested() const override { return cancel_.load(); }

private:
    const std::atomic<bool>& cancel_;
    std::atomic<int>& done_;
    std::function<void(int)> report_;
};

}  // namespace

CatalogRunner::CatalogRunner(QObject* parent) : QObject(parent) {}

CatalogRunner::~CatalogRunner()
{
    if (cancel_) cancel_->store(true);
    future_.waitForFinished();
}

void CatalogRunner::cancel()
{
    if (cancel_) cancel_->store(true);
}

void CatalogRunner::waitForWorker()
{
    future_.waitForFinished();
}

bool CatalogRunner::start(std::shared_ptr<const Predictor> predictor, std::vector<CatalogEntry> entries, int chunkSize,
                          int threads)
{
    if (running_ || !predictor) return false;
    future_.waitForFinished();  // a cancelled worker may still be finishing its chunk
    running_ = true;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    const int runId = ++runId_;
    const int total = static_cast<int>(entries.size());
    chunkSize = std::max(1, chunkSize);
    QPointer<CatalogRunner> self(this);
    // Everything the worker reports is queued to this object (dropped if it is gone) and checked
    // against the run id, so a late message of an earlier run never reaches a newer one.
    auto post = [self, runId](auto&& fn) {
        QMetaObject::invokeMethod(
            self.data(),
            [self, runId, fn = std::forward<decltype(fn)>(fn)]() mutable {
                if (self && self->runId_ == runId) fn(*self);
            },
            Qt::QueuedConnection);
    };
    emit progressChanged(0, total);
    future_ = QtConcurrent::run([predictor = std::move(predictor), entries = std::move(entries), cancel = cancel_,
                                 chunkSize, threads, total, post]() {
        std::atomic<int> done{0};
        RunProgress progress(*cancel, done,
                             [&](int n) { post([n, total](CatalogRunner& r) { emit r.progressChanged(n, total); }); });
        bool cancelled = false;
        for (std::size_t start = 0; start < entries.size() && !cancelled;
             start += static_cast<std::size_t>(chunkSize)) {
            const std::size_t n = std::min(static_cast<std::size_t>(chunkSize), entries.size() - start);
            std::vector<std::optional<PreparedSpectrum>> prepared(n);
            std::vector<QString> errors(n);
            try {
                parallelFor(n, threads, progress, "", [&](std::size_t i, int) {
                    try {
                        prepared[i] = predictor->prepare(readSpectrum(entries[start + i].path));
                    } catch (const Cancelled&) {
                        throw;
                    } catch (const std::exception& e) {
                        errors[i] = QString::fromStdString(e.what());
                    }
                });
            } catch (const Cancelled&) {
                cancelled = true;  // keep what this chunk finished
            }
            std::vector<PreparedSpectrum> ok;
            std::vector<std::string> names;
            std::vector<std::size_t> okIndex;
            for (std::size_t i = 0; i < n; ++i)
                if (prepared[i]) {
                    ok.push_back(std::move(*prepared[i]));
                    names.push_back(entries[start + i].file);
                    okIndex.push_back(i);
                }
            std::vector<Prediction> predictions;
            QString networkError;
            try {
                if (!ok.empty()) predictions = predictor->predictPrepared(ok, names);
            } catch (const std::exception& e) {
                networkError = QString::fromStdString(e.what());
            }
            std::vector<CatalogRow> rows;
            std::size_t k = 0;
            for (std::size_t i = 0; i < n; ++i) {
                CatalogRow row;
                row.index = static_cast<int>(start + i);
                if (k < okIndex.size() && okIndex[k] == i) {
                    if (networkError.isEmpty())
                        row.prediction = std::move(predictions[k]);
                    else
                        row.error = networkError;
                    ++k;
                } else if (!errors[i].isEmpty()) {
                    row.error = errors[i];
                } else {
                    continue;  // not reached before the cancellation
                }
                rows.push_back(std::move(row));
            }
            if (!rows.empty()) post([rows = std::move(rows)](CatalogRunner& r) mutable { emit r.rowsReady(rows); });
        }
        cancelled = cancelled || cancel->load();
        post([cancelled](CatalogRunner& r) {
            r.running_ = false;
            emit r.finished(cancelled);
        });
    });
    return true;
}

}  // namespace remap::ui
