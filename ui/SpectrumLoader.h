#pragma once

#include "base/Spectrum.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

namespace remap::ui {

// Reads spectra on a worker thread (QtConcurrent) and reports back on the GUI thread. A newer
// request supersedes an older one; the destructor waits for a running read so no worker outlives
// the window.
class SpectrumLoader : public QObject {
    Q_OBJECT
public:
    explicit SpectrumLoader(QObject* parent = nullptr);
    ~SpectrumLoader() override;

    void load(const QString& path);
    bool isBusy() const;

signals:
    void loaded(const QString& path, const remap::Spectrum& spectrum);
    void failed(const QString& path, const QString& message);
    void busyChanged(bool busy);

private:
    struct Result {
        QString path;
        std::optional<Spectrum> spectrum;
        QString error;
    };
    void onFinished();

    QFutureWatcher<Result> watcher_;
    QString pending_;
};

}  // namespace remap::ui
