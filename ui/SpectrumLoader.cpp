#include "SpectrumLoader.h"

#include "base/Error.h"
#include "io/SpectrumReader.h"

#include <QtConcurrent>

namespace remap::ui {

SpectrumLoader::SpectrumLoader(QObject* parent) : QObject(parent)
{
    connect(&watcher_, &QFutureWatcher<Result>::finished, this, &SpectrumLoader::onFinished);
}

SpectrumLoader::~SpectrumLoader()
{
    watcher_.waitForFinished();
}

bool SpectrumLoader::isBusy() const
{
    return watcher_.isRunning();
}

void SpectrumLoader::load(const QString& path)
{
    if (watcher_.isRunning()) {
        pending_ = path;  // read after the current one; only the newest request matters
        return;
    }
    emit busyChanged(true);
    watcher_.setFuture(QtConcurrent::run([path]() -> Result {
        Result r{path, std::nullopt, {}};
        try {
            r.spectrum = readSpectrum(path.toStdString());
        } catch (const std::exception& e) {
            r.error = QString::fromStdString(e.what());
        }
        return r;
    }));
}

void SpectrumLoader::onFinished()
{
    const Result r = watcher_.result();
    if (!pending_.isEmpty()) {
        const QString next = pending_;
        pending_.clear();
        load(next);
        return;
    }
    emit busyChanged(false);
    if (r.spectrum)
        emit loaded(r.path, *r.spectrum);
    else
        emit failed(r.path, r.error);
}

}  // namespace remap::ui
