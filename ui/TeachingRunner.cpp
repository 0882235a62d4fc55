#include "TeachingRunner.h"

#include <QtConcurrent>

namespace remap::ui {

TeachingRunner::TeachingRunner(QObject* parent) : QObject(parent), engine_(std::make_unique<TeachingEngine>()) {}

TeachingRunner::~TeachingRunner()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        pending_.reset();
    }
    future_.waitForFinished();
}

bool TeachingRunner::isBusy() const
{
    std::lock_guard lock(mutex_);
    return running_;
}

int TeachingRunner::request(TeachingRequest request, std::shared_ptr<const Predictor> predictor)
{
    request.serial = ++serial_;
    bool start = false;
    {
        std::lock_guard lock(mutex_);
        pending_ = Job{request, std::move(predictor)};
        if (!running_) {
            running_ = true;
            start = true;
        }
    }
    if (start) future_ = QtConcurrent::run([this] { work(); });
    return request.serial;
}

void TeachingRunner::work()
{
    // Results are queued to this object; the destructor waits for this loop, so `this` outlives it.
    auto post = [this](auto fn) { QMetaObject::invokeMethod(this, std::move(fn), Qt::QueuedConnection); };
    for (;;) {
        Job job;
        {
            std::lock_guard lock(mutex_);
            if (!pending_ || stopping_) {
                // Posted under the lock: after running_ is false this thread no longer touches `this`.
                post([this] { emit idle(); });
                running_ = false;
                return;
            }
            job = std::move(*pending_);
            pending_.reset();
        }
        TeachingResult result = engine_->computeSpectrum(job.request, job.predictor.get());
        post([this, result] { emit spectrumReady(result); });
        bool superseded = false;
        {
            std::lock_guard lock(mutex_);
            superseded = pending_.has_value() || stopping_;
        }
        if (superseded && !engine_->hasCachedInformation(job.request)) continue;
        engine_->addInformation(result);
        post([this, result = std::move(result)] { emit informationReady(result); });
    }
}

}  // namespace remap::ui
