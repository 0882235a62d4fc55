#include "ModelSession.h"

#include "base/Error.h"
#include "ml/ModelLocator.h"

#include <QFutureWatcher>
#include <QtConcurrent>

#include <optional>

namespace remap::ui {

namespace {
struct LoadResult {
    QString path, device;
    std::shared_ptr<const Predictor> predictor;
    QString error;
};
struct LoadRequest {
    QString path, device;
};
}  // namespace

struct ModelSession::Impl {
    QFutureWatcher<LoadResult> watcher;
    std::optional<LoadRequest> pending;  // the newest request made while another was loading
    std::shared_ptr<const Predictor> predictor;
    QString path, device = QStringLiteral("auto"), error;
    int generation = 0;
};

ModelSession::ModelSession(QObject* parent) : QObject(parent), impl_(std::make_unique<Impl>())
{
    connect(&impl_->watcher, &QFutureWatcher<LoadResult>::finished, this, [this] {
        LoadResult r = impl_->watcher.result();
        if (impl_->pending) {  // superseded: the newer request wins, this result is dropped
            const LoadRequest next = *impl_->pending;
            impl_->pending.reset();
            load(next.path, next.device);
            return;
        }
        if (r.predictor) {
            impl_->predictor = std::move(r.predictor);
            impl_->error.clear();
            ++impl_->generation;
            emit modelReady(r.path);
        } else {
            impl_->error = r.error;
            emit modelFailed(r.path, r.error);
        }
    });
}

ModelSession::~ModelSession()
{
    impl_->pending.reset();
    impl_->watcher.waitForFinished();  // no loader thread outlives the session
}

void ModelSession::load(const QString& bundlePath, const QString& device)
{
    impl_->path = bundlePath;
    impl_->device = device.isEmpty() ? QStringLiteral("auto") : device;
    impl_->predictor.reset();
    emit modelLoading(bundlePath);
    if (impl_->watcher.isRunning()) {
        impl_->pending = LoadRequest{bundlePath, impl_->device};
        return;
    }
    const QString dev = impl_->device;
    impl_->watcher.setFuture(QtConcurrent::run([bundlePath, dev]() -> LoadResult {
        LoadResult r{bundlePath, dev, nullptr, {}};
        try {
            if (bundlePath.isEmpty()) throw Error("no model file was given");
            PredictorOptions options;
            options.device = dev.toStdString();
            r.predictor = std::make_shared<const Predictor>(bundlePath.toStdString(), options);
        } catch (const std::exception& e) {
            r.error = QString::fromStdString(e.what());
        }
        return r;
    }));
}

void ModelSession::setDevice(const QString& device)
{
    if (impl_->path.isEmpty()) {
        impl_->device = device;
        return;
    }
    load(impl_->path, device);
}

std::shared_ptr<const Predictor> ModelSession::predictor() const
{
    return impl_->predictor;
}
QString ModelSession::modelPath() const
{
    return impl_->path;
}
QString ModelSession::device() const
{
    return impl_->device;
}
bool ModelSession::isLoading() const
{
    return impl_->watcher.isRunning();
}
QString ModelSession::lastError() const
{
    return impl_->error;
}
int ModelSession::generation() const
{
    return impl_->generation;
}

QString ModelSession::defaultModelPath()
{
    try {
        return QString::fromStdString(locateModel());
    } catch (const UsageError&) {
        return {};
    }
}

}  // namespace remap::ui
