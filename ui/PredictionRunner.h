#pragma once

#include "base/Spectrum.h"
#include "ml/Predictor.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <compare>
#include <deque>
#include <map>
#include <memory>
#include <optional>

namespace remap::ui {

class ModelSession;

// Which saliency map to show.
struct SaliencyChoice {
    Param param = Param::Teff;
    SaliencyMethod method = SaliencyMethod::Gradient;
    auto operator<=>(const SaliencyChoice&) const = default;
};

// The closest training spectrum, prepared by the same chain, when its file could be found.
struct NeighbourSpectrum {
    Neighbour neighbour;
    QString file;  // where it was read from
    PreparedSpectrum prepared;
};

// Everything the inspector shows for one file. Built on a worker thread from ModelSession's
// Predictor; the GUI only draws it (it computes no science of its own).
struct Inspection {
    QString path;
    Spectrum spectrum;  // as read from the file
    // The model it was made with (null: no model); keeps the grid alive with the result.
    std::shared_ptr<const Predictor> predictor;
    int generation = 0;  // ModelSession::generation() of that model
    QString device;
    std::optional<PreparedSpectrum> prepared;               // on predictor->grid(); empty without a model
    std::optional<Prediction> prediction;                   // empty when the network has not been run
    std::vector<Neighbour> neighbours;                      // nearest training spectra, closest first
    std::optional<NeighbourSpectrum> nearest;               // the first neighbour's spectrum when readable
    QString nearestNote;                                    // why there is no neighbour spectrum (plain words)
    std::map<SaliencyChoice, std::vector<float>> saliency;  // per grid pixel
    QString modelError;                                     // the model could not be applied to this spectrum
    QString saliencyError;                                  // the last saliency computation failed
    double elapsedMs = 0.0;

    const std::vector<double>& grid() const;  // the network grid (empty without a model)
    const std::vector<float>* saliencyFor(const SaliencyChoice& choice) const;
};

struct InspectRequest {
    QString path;
    bool runNetwork = true;  // false: read and prepare only
    SaliencyChoice saliency;
    int neighbours = 5;
};

// Runs read + prepare + predict + saliency + neighbours for one file on a QtConcurrent worker with the
// session's current Predictor. Results are cached per (file path, modification time, model generation,
// device); a newer request supersedes one still running (its result is cached, not shown). The
// destructor waits for a running job so no worker outlives the window.
class PredictionRunner : public QObject {
    Q_OBJECT
public:
    explicit PredictionRunner(ModelSession* session, QObject* parent = nullptr);
    ~PredictionRunner() override;

    void inspect(const InspectRequest& request);
    bool isBusy() const;
    // The last result delivered by finished() (null before the first).
    std::shared_ptr<const Inspection> result() const { return result_; }
    void clearCache();
    int cachedCount() const { return static_cast<int>(cache_.size()); }

    // Where the file of a training spectrum `name` might be (absolute, or relative to folders the
    // model card's training record names, the model's folder and the demo data folders); "" if none.
    static QString locateTrainingSpectrum(const std::string& name, const Predictor& predictor);

signals:
    void started(const QString& path);
    void finished(const QString& path);  // result() holds it
    void failed(const QString& path, const QString& message);
    void busyChanged(bool busy);

private:
    struct Key {
        QString path;
        qint64 mtime = 0;
        int generation = 0;
        QString device;
        bool operator==(const Key&) const = default;
    };
    struct Job {
        Key key;
        InspectRequest request;
        std::shared_ptr<const Inspection> result;
        QString error;
    };
    Key keyFor(const QString& path) const;
    std::shared_ptr<const Inspection> cached(const Key& key) const;
    void store(const Key& key, std::shared_ptr<const Inspection> result);
    void start(const InspectRequest& request);
    void onFinished();
    void deliver(std::shared_ptr<const Inspection> result);

    ModelSession* session_;
    QFutureWatcher<Job> watcher_;
    std::optional<InspectRequest> pending_;
    std::deque<std::pair<Key, std::shared_ptr<const Inspection>>> cache_;  // newest first
    std::shared_ptr<const Inspection> result_;
};

// True when `result` holds everything `request` asks for.
bool satisfies(const Inspection& result, const InspectRequest& request);

}  // namespace remap::ui
