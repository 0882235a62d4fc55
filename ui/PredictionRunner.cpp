#include "PredictionRunner.h"

#include "ModelSession.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"
#include "ml/ModelLocator.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QtConcurrent>

#include <filesystem>

namespace remap::ui {
namespace {

constexpr std::size_t kCacheSize = 8;  // a PHOENIX spectrum is ~40 MB: keep the cache small

const std::vector<double> kNoGrid;

// Folders named by string values of the model card's training record (data set files or folders).
void collectFolders(const nlohmann::json& j, std::vector<std::filesystem::path>& out)
{
    namespace fs = std::filesystem;
    if (j.is_object() || j.is_array()) {
        for (const auto& v : j) collectFolders(v, out);
        return;
    }
    if (!j.is_string()) return;
    std::error_code ec;
    const fs::path p = j.get<std::string>();
    if (p.empty()) return;
    if (fs::is_directory(p, ec)) out.push_back(p);
    if (fs::is_regular_file(p, ec)) {
        out.push_back(p.parent_path());
        out.push_back(p.parent_path().parent_path());
    }
}

// The same source name Predictor::predict gives a spectrum.
std::string sourceOf(const Spectrum& s)
{
    return s.provenance.file.empty() ? s.objectName : s.provenance.file;
}

Inspection compute(const InspectRequest& req, std::shared_ptr<const Inspection> base,
                   std::shared_ptr<const Predictor> predictor, int generation, const QString& device)
{
    QElapsedTimer timer;
    timer.start();
    Inspection r;
    if (base) {
        r = *base;
    } else {
        r.path = req.path;
        r.spectrum = readSpectrum(req.path.toStdString());
        r.predictor = predictor;
        r.generation = generation;
        r.device = device;
    }
    if (!r.predictor) {
        r.elapsedMs = timer.nsecsElapsed() / 1e6;
        return r;
    }
    const Predictor& model = *r.predictor;
    if (!r.prepared && r.modelError.isEmpty()) {
        try {
            r.prepared = model.prepare(r.spectrum);
        } catch (const std::exception& e) {
            r.modelError = QString::fromStdString(e.what());
        }
    }
    if (req.runNetwork && r.prepared && !r.prediction) {
        try {
            // prepare + predictPrepared with predict()'s source name: exactly Predictor::predict.
            r.prediction = model.predictPrepared({*r.prepared}, {sourceOf(r.spectrum)}).front();
            r.neighbours = model.nearestNeighbours(*r.prediction, req.neighbours);
        } catch (const std::exception& e) {
            r.modelError = QString::fromStdString(e.what());
        }
        if (r.prediction && r.neighbours.empty()) {
            r.nearestNote = QObject::tr("This model carries no reference set of training spectra.");
        } else if (r.prediction) {
            const Neighbour& nb = r.neighbours.front();
            const QString file = PredictionRunner::locateTrainingSpectrum(nb.name, model);
            if (file.isEmpty()) {
                r.nearestNote = QObject::tr(
                                    "The training spectra are not available on this computer "
                                    "(%1 was not found), so only their labels and distances are listed.")
                                    .arg(QString::fromStdString(nb.name));
            } else {
                try {
                    r.nearest = NeighbourSpectrum{nb, file, model.prepare(readSpectrum(file.toStdString()))};
                } catch (const std::exception& e) {
                    r.nearestNote = QObject::tr("The nearest training spectrum could not be prepared: %1")
                                        .arg(QString::fromStdString(e.what()));
                }
            }
        }
    }
    if (req.runNetwork && r.prediction && !r.saliencyFor(req.saliency)) {
        try {
            r.saliency[req.saliency] = model.saliencyPrepared(*r.prepared, req.saliency.param, req.saliency.method);
            r.saliencyError.clear();
        } catch (const std::exception& e) {
            r.saliency[req.saliency] = {};  // remembered as failed: no retry loop
            r.saliencyError = QString::fromStdString(e.what());
        }
    }
    r.elapsedMs = (base ? base->elapsedMs : 0.0) + timer.nsecsElapsed() / 1e6;
    return r;
}

}  // namespace

const std::vector<double>& Inspection::grid() const
{
    return predictor ? predictor->grid() : kNoGrid;
}

const std::vector<float>* Inspection::saliencyFor(const SaliencyChoice& choice) const
{
    const auto it = saliency.find(choice);
    return it == saliency.end() ? nullptr : &it->second;
}

bool satisfies(const Inspection& r, const InspectRequest& request)
{
    if (!r.predictor) return true;
    if (!r.prepared) return !r.modelError.isEmpty();
    if (!request.runNetwork) return true;
    if (!r.prediction) return !r.modelError.isEmpty();
    return r.saliencyFor(request.saliency) != nullptr;
}

PredictionRunner::PredictionRunner(ModelSession* session, QObject* parent) : QObject(parent), session_(session)
{
    connect(&watcher_, &QFutureWatcher<Job>::finished, this, &PredictionRunner::onFinished);
}

PredictionRunner::~PredictionRunner()
{
    pending_.reset();
    watcher_.waitForFinished();
}

bool PredictionRunner::isBusy() const
{
    return watcher_.isRunning();
}

void PredictionRunner::clearCache()
{
    cache_.clear();
}

PredictionRunner::Key PredictionRunner::keyFor(const QString& path) const
{
    const QFileInfo info(path);
    const bool model = session_ && session_->predictor();
    return Key{info.absoluteFilePath(), info.lastModified().toMSecsSinceEpoch(), model ? session_->generation() : 0,
               model ? session_->device() : QString()};
}

std::shared_ptr<const Inspection> PredictionRunner::cached(const Key& key) const
{
    for (const auto& [k, v] : cache_)
        if (k == key) return v;
    return nullptr;
}

void PredictionRunner::store(const Key& key, std::shared_ptr<const Inspection> result)
{
    std::erase_if(cache_, [&](const auto& entry) { return entry.first == key; });
    cache_.emplace_front(key, std::move(result));
    while (cache_.size() > kCacheSize) cache_.pop_back();
}

void PredictionRunner::inspect(const InspectRequest& request)
{
    emit started(request.path);
    if (watcher_.isRunning()) {
        pending_ = request;  // runs when the current job ends; only the newest request matters
        return;
    }
    start(request);
}

void PredictionRunner::start(const InspectRequest& request)
{
    const Key key = keyFor(request.path);
    auto base = cached(key);
    if (base && satisfies(*base, request)) {
        // Delivered from the event loop, like a computed result, so callers see one behaviour.
        QMetaObject::invokeMethod(
            this, [this, base] { deliver(base); }, Qt::QueuedConnection);
        emit busyChanged(false);
        return;
    }
    auto predictor = key.generation > 0 ? session_->predictor() : nullptr;
    emit busyChanged(true);
    watcher_.setFuture(QtConcurrent::run([key, request, base, predictor]() -> Job {
        Job job{key, request, nullptr, {}};
        try {
            job.result =
                std::make_shared<const Inspection>(compute(request, base, predictor, key.generation, key.device));
        } catch (const std::exception& e) {
            job.error = QString::fromStdString(e.what());
        }
        return job;
    }));
}

void PredictionRunner::onFinished()
{
    const Job job = watcher_.result();
    if (job.result) store(job.key, job.result);
    if (pending_) {  // superseded: the newer request is what the user wants to see
        const InspectRequest next = *pending_;
        pending_.reset();
        start(next);
        return;
    }
    emit busyChanged(false);
    if (job.result)
        deliver(job.result);
    else
        emit failed(job.request.path, job.error);
}

void PredictionRunner::deliver(std::shared_ptr<const Inspection> result)
{
    if (watcher_.isRunning() || pending_) return;  // a newer request is on its way
    result_ = std::move(result);
    emit finished(result_->path);
}

QString PredictionRunner::locateTrainingSpectrum(const std::string& name, const Predictor& predictor)
{
    namespace fs = std::filesystem;
    if (name.empty()) return {};
    std::error_code ec;
    const fs::path p(name);
    if (p.is_absolute()) return fs::is_regular_file(p, ec) ? QString::fromStdString(p.string()) : QString();
    std::vector<fs::path> folders;
    collectFolders(predictor.bundle().card().training, folders);
    if (const auto model = predictor.bundle().sourcePath(); !model.empty())
        folders.push_back(fs::path(model).parent_path());
    for (const auto& d : demoDataFolders()) folders.push_back(d);
    for (const auto& folder : folders)
        if (fs::is_regular_file(folder / p, ec)) return QString::fromStdString((folder / p).string());
    return {};
}

}  // namespace remap::ui
