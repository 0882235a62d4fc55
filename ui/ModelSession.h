#pragma once

#include "ml/Predictor.h"

#include <QObject>
#include <QString>

#include <memory>

namespace remap::ui {

// The active model of the window, shared by every panel: loads a bundle on a worker thread and
// hands out a ready Predictor (whose const members are thread-safe, so panels run it from their
// own workers). Changing the model or the device reloads; panels listen to modelReady.
class ModelSession : public QObject {
    Q_OBJECT
public:
    explicit ModelSession(QObject* parent = nullptr);
    ~ModelSession() override;

    // Starts loading `bundlePath` on `device` ("auto", "cpu", "cuda"); emits modelLoading, then
    // modelReady or modelFailed. A newer request supersedes one still loading.
    void load(const QString& bundlePath, const QString& device = QStringLiteral("auto"));
    void setDevice(const QString& device);  // reloads the current model on that device

    // The ready predictor, or null (none loaded yet, loading, or the last load failed).
    std::shared_ptr<const Predictor> predictor() const;
    QString modelPath() const;
    QString device() const;
    bool isLoading() const;
    QString lastError() const;
    // An increasing number per successfully loaded model (panels key their caches on it).
    int generation() const;

    // remap::locateModel() with "" (REMAP_MODEL, then the shipped model), or "" when there is none.
    static QString defaultModelPath();

signals:
    void modelLoading(const QString& path);
    void modelReady(const QString& path);
    void modelFailed(const QString& path, const QString& message);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace remap::ui
