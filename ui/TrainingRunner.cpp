#include "TrainingRunner.h"

#include "base/Error.h"

#include <condition_variable>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include <algorithm>
#include <cerrno>
#include <mutex>
#include <variant>
#include <vector>

namespace remap::ui {
namespace {

struct MessageEvent {
    std::string text;
};
struct ProgressEvent {
    std::size_t done = 0, total = 0;
    std::string stage;
};
struct FinishedEvent {
    std::string status;
    train::TrainResult result;
    std::string error;
};
using Event = std::variant<train::StepReport, train::EpochReport, MessageEvent, ProgressEvent, FinishedEvent>;

// The GUI thread must win the CPU whenever it has work: the training thread (and the torch worker
// threads it starts, which inherit its niceness on Linux) runs at a lower priority. Raising
// one's own niceness needs no privileges.
void lowerThisThreadsPriority()
{
#ifdef __linux__
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int nice = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0) ::setpriority(PRIO_PROCESS, tid, std::min(nice + 5, 19));
#endif
}

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

// State shared by the GUI thread and one worker. The queue is drained on the GUI thread; at most
// one drain is posted at a time, so a fast trainer costs one event per GUI turn, not one per step.
struct TrainingRunner::Shared {
    std::mutex mutex;
    std::condition_variable wake;
    std::vector<Event> queue;
    bool drainPosted = false;
    bool paused = false;
    std::atomic<bool> cancel{false};
};

class TrainingRunner::Observer final : public train::TrainingObserver {
public:
    Observer(std::shared_ptr<Shared> shared, TrainingRunner* runner) : shared_(std::move(shared)), runner_(runner) {}

    void post(Event event)
    {
        bool postDrain = false;
        {
            std::lock_guard lock(shared_->mutex);
            // Progress is a level, not a history: only the newest one matters.
            if (std::holds_alternative<ProgressEvent>(event) && !shared_->queue.empty() &&
                std::holds_alternative<ProgressEvent>(shared_->queue.back()))
                shared_->queue.back() = std::move(event);
            else
                shared_->queue.push_back(std::move(event));
            postDrain = !std::exchange(shared_->drainPosted, true);
        }
        if (postDrain)
            QMetaObject::invokeMethod(
                runner_, [r = runner_] { r->drain(); }, Qt::QueuedConnection);
    }

    void onProgress(std::size_t done, std::size_t total, std::string_view stage) override
    {
        post(ProgressEvent{done, total, std::string(stage)});
    }
    void onStep(const train::StepReport& step) override
    {
        post(step);
        // Pause point: between optimizer steps, where a cancel can still checkpoint cleanly.
        std::unique_lock lock(shared_->mutex);
        shared_->wake.wait(lock, [&] { return !shared_->paused || shared_->cancel.load(); });
    }
    void onEpoch(const train::EpochReport& epoch) override { post(epoch); }
    void onMessage(const std::string& text) override { post(MessageEvent{text}); }
    bool cancelRequested() const override { return shared_->cancel.load(); }

private:
    std::shared_ptr<Shared> shared_;
    TrainingRunner* runner_;
};

TrainingRunner::TrainingRunner(QObject* parent) : QObject(parent), shared_(std::make_shared<Shared>()) {}

TrainingRunner::~TrainingRunner()
{
    cancel();
    if (worker_.joinable()) worker_.join();
}

bool TrainingRunner::start(const train::TrainOptions& options)
{
    if (running_) return false;
    if (worker_.joinable()) worker_.join();
    shared_ = std::make_shared<Shared>();
    running_ = true;
    worker_ = std::thread([shared = shared_, options, this] {
        lowerThisThreadsPriority();
        Observer observer(shared, this);
        FinishedEvent done;
        try {
            done.result = train::runTraining(options, observer);
            done.status = done.result.status;
        } catch (const Cancelled&) {
            done.status = "cancelled";
        } catch (const std::exception& e) {
            done.status = "failed";
            done.error = e.what();
        } catch (...) {
            done.status = "failed";
            done.error = "unknown error in the training thread";
        }
        observer.post(std::move(done));
    });
    emit started(QString::fromStdString(options.config.outputDir));
    return true;
}

void TrainingRunner::pause()
{
    if (!running_) return;
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->paused) return;
        shared_->paused = true;
    }
    emit pausedChanged(true);
}

void TrainingRunner::unpause()
{
    {
        std::lock_guard lock(shared_->mutex);
        if (!shared_->paused) return;
        shared_->paused = false;
    }
    shared_->wake.notify_all();
    emit pausedChanged(false);
}

void TrainingRunner::cancel()
{
    {
        std::lock_guard lock(shared_->mutex);
        shared_->cancel = true;
    }
    shared_->wake.notify_all();
}

bool TrainingRunner::isPaused() const
{
    std::lock_guard lock(shared_->mutex);
    return shared_->paused;
}

bool TrainingRunner::isCancelling() const
{
    return running_ && shared_->cancel.load();
}

void TrainingRunner::wait()
{
    if (worker_.joinable()) worker_.join();
    drain();
}

void TrainingRunner::drain()
{
    std::vector<Event> events;
    {
        std::lock_guard lock(shared_->mutex);
        events.swap(shared_->queue);
        shared_->drainPosted = false;
    }
    for (auto& event : events) {
        std::visit(Overloaded{
                       [this](const train::StepReport& s) { emit stepReported(s); },
                       [this](const train::EpochReport& e) { emit epochReported(e); },
                       [this](const MessageEvent& m) { emit messageReported(QString::fromStdString(m.text)); },
                       [this](const ProgressEvent& p) {
                           emit progressReported(static_cast<qint64>(p.done), static_cast<qint64>(p.total),
                                                 QString::fromStdString(p.stage));
                       },
                       [this](const FinishedEvent& f) {
                           // The worker posts this as its very last act, so the join is immediate.
                           if (worker_.joinable()) worker_.join();
                           running_ = false;
                           emit finished(QString::fromStdString(f.status), f.result, QString::fromStdString(f.error));
                       },
                   },
                   event);
    }
}

}  // namespace remap::ui
