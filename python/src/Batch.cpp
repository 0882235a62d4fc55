#include "Batch.h"

#include "base/Error.h"
#include "base/Parallel.h"

#include <algorithm>

namespace remap::python {
namespace {

// Reports a chunk's items as positions in the whole batch.
class ChunkProgress final : public ProgressObserver {
public:
    ChunkProgress(ProgressObserver& whole, std::size_t offset, std::size_t total)
        : whole_(whole), offset_(offset), total_(total)
    {
    }
    void onProgress(std::size_t done, std::size_t, std::string_view stage) override
    {
        if (done > 0) whole_.onProgress(offset_ + done, total_, stage);
    }
    bool cancelRequested() const override { return whole_.cancelRequested(); }

private:
    ProgressObserver& whole_;
    std::size_t offset_, total_;
};

}  // namespace

BatchResult predictItems(const Model& model, const std::vector<Item>& items, ProgressObserver& progress,
                         bool stopAtFailure)
{
    BatchResult out;
    out.predictions.resize(items.size());
    out.failures.resize(items.size());
    const std::size_t chunk = static_cast<std::size_t>(std::max(model.options.batchSize, 1));
    progress.onProgress(0, items.size(), "");
    for (std::size_t start = 0; start < items.size(); start += chunk) {
        const std::size_t n = std::min(chunk, items.size() - start);
        std::vector<std::optional<PreparedInput>> prepared(n);
        ChunkProgress chunkProgress(progress, start, items.size());
        parallelFor(n, model.options.threads, chunkProgress, "", [&](std::size_t i, int) {
            try {
                prepared[i] = prepareItem(model, items[start + i]);
            } catch (const Cancelled&) {
                throw;
            } catch (const Error&) {
                out.failures[start + i] = std::current_exception();
            }
        });
        std::vector<PreparedSpectrum> ok;
        std::vector<std::string> sources;
        std::vector<std::size_t> index;
        for (std::size_t i = 0; i < n; ++i)
            if (prepared[i]) {
                ok.push_back(std::move(prepared[i]->spectrum));
                sources.push_back(std::move(prepared[i]->source));
                index.push_back(start + i);
            }
        auto predictions = model.predictor.predictPrepared(ok, sources);
        for (std::size_t k = 0; k < predictions.size(); ++k) out.predictions[index[k]] = std::move(predictions[k]);
        // Once more from this thread, which may be the one that can see Ctrl-C.
        progress.onProgress(start + n, items.size(), "");
        throwIfCancelled(progress);
        if (stopAtFailure && index.size() < n) break;
    }
    return out;
}

}  // namespace remap::python
