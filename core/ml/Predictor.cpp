#include "Predictor.h"

#include "NetworkInference.h"
#include "Saliency.h"
#include "TorchBundle.h"
#include "base/Error.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <thread>

namespace remap {

bool cudaAvailable()
{
    return torch::cuda::is_available();
}

struct Predictor::Impl {
    ModelBundle bundle;
    PredictorOptions options;
    std::optional<Preprocessor> prep;  // none: spectra arrive on the network grid
    std::vector<double> grid;
    torch::Device device{torch::kCPU};
    std::array<std::vector<double>, 3> centres;
    std::optional<InferencePlan> plan;  // batch norm folded, the trunk in the chosen precision

    Impl(ModelBundle b, PredictorOptions o) : bundle(std::move(b)), options(std::move(o)) {}
    RemapNet& net() { return bundleNetwork(bundle); }
    int length() const { return bundle.card().network.inputLength; }
    double temperature(int param) const { return bundle.card().temperature[static_cast<std::size_t>(param)]; }
};

namespace {

torch::Device chooseDevice(const std::string& name)
{
    if (name == "cpu") return torch::kCPU;
    if (name == "cuda") {
        if (!torch::cuda::is_available())
            throw Error(
                "CUDA was requested but is not available (this LibTorch build has no CUDA support or no "
                "GPU is visible); use --device cpu or auto");
        return torch::kCUDA;
    }
    if (name == "auto" || name.empty()) return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
    throw UsageError("unknown device '" + name + "' (expected auto, cpu or cuda)");
}

int workerCount(int threads)
{
    if (threads > 0) return threads;
    return std::max(1u, std::thread::hardware_concurrency());
}

// Runs fn(i) for i in [0, n) on up to `threads` threads; rethrows the first failure (lowest index).
template <class Fn>
void parallelFor(std::size_t n, int threads, Fn&& fn)
{
    std::vector<std::exception_ptr> errors(n);
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < n; i = next++) {
            try {
                fn(i);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
    };
    const auto count = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, threads)));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < count; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

torch::Tensor inputTensor(const std::vector<const PreparedSpectrum*>& items, int length, const std::string& what)
{
    std::vector<float> flux, mask;
    flux.reserve(items.size() * static_cast<std::size_t>(length));
    mask.reserve(flux.capacity());
    for (const auto* p : items) {
        if (p->flux.size() != static_cast<std::size_t>(length) || p->mask.size() != p->flux.size())
            throw Error("the prepared spectrum has " + std::to_string(p->flux.size()) +
                            " pixels but the network reads " + std::to_string(length),
                        what);
        flux.insert(flux.end(), p->flux.begin(), p->flux.end());
        for (auto m : p->mask) mask.push_back(m ? 1.0f : 0.0f);
    }
    return makeNetworkInput(flux, mask, static_cast<int>(items.size()), length);
}

// "a+b+c"
std::string joinNames(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : "+") + n;
    return out;
}

// What a photometric model reads of a star's photometry, and the flags that say so.
void notePhotometry(const RemapNet& net, const Photometry* photometry, Prediction& pred)
{
    pred.inputs = {"spectrum"};
    const bool given = photometry && !photometry->empty();
    if (photometry)
        for (const auto& w : photometry->warnings) pred.flags.push_back("photometry: " + w);
    if (!net->hasPhotometry()) {
        if (given) pred.flags.push_back("photometry_ignored");
        return;
    }
    std::vector<std::string> used;
    if (photometry)
        for (const auto& name : net->config().photometry.names())
            if (photometry->has(*photometryEntry(name))) used.push_back(name);
    if (used.empty()) {
        pred.flags.push_back("spectrum_only");
        return;
    }
    pred.inputs.insert(pred.inputs.end(), used.begin(), used.end());
    pred.flags.push_back("photometry_inputs:" + joinNames(used));
}

}  // namespace

Predictor::Predictor(const std::string& bundlePath, PredictorOptions options)
    : Predictor(ModelBundle::load(bundlePath), std::move(options))
{
}

Predictor::Predictor(ModelBundle bundle, PredictorOptions options)
    : impl_(std::make_unique<Impl>(std::move(bundle), std::move(options)))
{
    auto& d = *impl_;
    d.device = chooseDevice(d.options.device);
    if (d.options.threads > 0) torch::set_num_threads(d.options.threads);
    if (d.options.batchSize < 1) d.options.batchSize = 1;
    const auto& card = d.bundle.card();
    const std::string source = d.bundle.sourcePath();
    if (!card.preprocess.is_object() || !card.preprocess.empty()) {
        PreprocessSpec spec;
        try {
            spec = PreprocessSpec::fromJson(card.preprocess);
        } catch (const Error& e) {
            throw Error("the model's preprocessing specification is invalid: " + e.problem(), source);
        }
        if (spec.nPixels != static_cast<std::size_t>(card.network.inputLength))
            throw Error("the model's preprocessing makes " + std::to_string(spec.nPixels) +
                            " pixels but its network reads " + std::to_string(card.network.inputLength),
                        source);
        auto rvTemplate = d.options.rvTemplate ? d.options.rvTemplate : d.bundle.rvTemplate();
        d.prep.emplace(spec, std::move(rvTemplate));
        d.grid = d.prep->grid();
    } else {
        d.grid.resize(static_cast<std::size_t>(card.network.inputLength));
        std::iota(d.grid.begin(), d.grid.end(), 0.0);
    }
    for (Param p : kAllParams) d.centres[static_cast<std::size_t>(p)] = card.bins[p].centres();
    d.net()->eval();
    d.net()->to(d.device);
    d.plan.emplace(d.net(), d.device, chooseInferencePrecision(d.options.precision));
}

Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;

PreparedSpectrum Predictor::prepare(const Spectrum& spectrum) const
{
    const auto& d = *impl_;
    if (d.prep) return d.prep->prepare(spectrum);
    const auto n = static_cast<std::size_t>(d.length());
    if (spectrum.flux.size() != n)
        throw Error("the model takes spectra already on its grid (" + std::to_string(n) + " pixels), this one has " +
                        std::to_string(spectrum.flux.size()),
                    spectrum.provenance.file);
    PreparedSpectrum out;
    out.flux.assign(spectrum.flux.begin(), spectrum.flux.end());
    out.ivar.assign(spectrum.ivar.begin(), spectrum.ivar.end());
    out.mask = spectrum.mask.size() == n ? spectrum.mask : std::vector<std::uint8_t>(n, 0);
    out.ivar.resize(n, 0.0f);
    out.snr = estimateSnr(spectrum);
    out.rvKms = out.rvErrKms = std::numeric_limits<double>::quiet_NaN();
    return out;
}

std::vector<Prediction> Predictor::predictPrepared(const std::vector<PreparedSpectrum>& prepared,
                                                   const std::vector<std::string>& sources,
                                                   const std::vector<Photometry>& photometry) const
{
    auto& d = *impl_;
    if (!photometry.empty() && photometry.size() != prepared.size())
        throw Error("predictPrepared: " + std::to_string(photometry.size()) + " photometry entries for " +
                    std::to_string(prepared.size()) + " spectra");
    const bool photometric = d.net()->hasPhotometry();
    std::vector<Prediction> out;
    out.reserve(prepared.size());
    const auto batch = static_cast<std::size_t>(d.options.batchSize);
    for (std::size_t start = 0; start < prepared.size(); start += batch) {
        const auto end = std::min(prepared.size(), start + batch);
        std::vector<const PreparedSpectrum*> items;
        for (std::size_t i = start; i < end; ++i) items.push_back(&prepared[i]);
        const auto x = inputTensor(items, d.length(), start < sources.size() ? sources[start] : std::string());
        torch::Tensor phot;
        if (photometric && !photometry.empty())
            phot = makePhotometryInput(std::vector<Photometry>(photometry.begin() + static_cast<std::ptrdiff_t>(start),
                                                               photometry.begin() + static_cast<std::ptrdiff_t>(end)),
                                       d.bundle.card().network.photometry)
                       .to(d.device);
        std::array<torch::Tensor, 3> probs;
        torch::Tensor embedding;
        {
            torch::InferenceMode inference;
            const auto result = d.plan->forward(padSingle(x.to(d.device)), phot.defined() ? padSingle(phot) : phot);
            for (int p = 0; p < 3; ++p)
                probs[p] = torch::softmax(result.logits[p] / d.temperature(p), 1)
                               .to(torch::kCPU, torch::kFloat64)
                               .contiguous();
            embedding = result.embedding.to(torch::kCPU, torch::kFloat32).contiguous();
        }
        for (std::size_t i = start; i < end; ++i) {
            const auto row = static_cast<int64_t>(i - start);
            const PreparedSpectrum& s = prepared[i];
            Prediction pred;
            if (i < sources.size()) pred.source = sources[i];
            for (int p = 0; p < 3; ++p) {
                const auto k = probs[p].size(1);
                const double* first = probs[p].data_ptr<double>() + row * k;
                pred[p] = summarizePosterior(d.centres[static_cast<std::size_t>(p)],
                                             std::vector<double>(first, first + k), d.options.posterior);
            }
            const auto e = embedding.size(1);
            const float* firstE = embedding.data_ptr<float>() + row * e;
            pred.embedding.assign(firstE, firstE + e);
            pred.snr = s.snr;
            pred.rv = s.rvKms;
            const auto masked = std::count_if(s.mask.begin(), s.mask.end(), [](std::uint8_t m) { return m != 0; });
            pred.maskedFraction =
                s.mask.empty() ? 0.0 : static_cast<double>(masked) / static_cast<double>(s.mask.size());
            if (s.snr > 0.0 && s.snr < d.options.lowSnr) pred.flags.push_back("low_snr");
            if (pred.maskedFraction > d.options.manyMaskedFraction) pred.flags.push_back("many_masked_pixels");
            for (Param p : kAllParams) {
                const auto& post = pred[static_cast<int>(p)];
                if (post.edgePileUp) pred.flags.push_back("outside_trained_range:" + std::string(paramName(p)));
                if (post.multimodal) pred.flags.push_back("multimodal:" + std::string(paramName(p)));
            }
            for (const auto& w : s.warnings) pred.flags.push_back("preprocessing: " + w);
            notePhotometry(d.net(), photometry.empty() ? nullptr : &photometry[i], pred);
            out.push_back(std::move(pred));
        }
    }
    return out;
}

namespace {
std::string sourceOf(const Spectrum& spectrum)
{
    return spectrum.provenance.file.empty() ? spectrum.objectName : spectrum.provenance.file;
}
}  // namespace

Prediction Predictor::predict(const Spectrum& spectrum) const
{
    if (!impl_->net()->hasPhotometry()) return predictPrepared({prepare(spectrum)}, {sourceOf(spectrum)}).front();
    return predict(spectrum, photometryFromMetadata(spectrum.metadata));
}

Prediction Predictor::predict(const Spectrum& spectrum, const Photometry& photometry) const
{
    return predictPrepared({prepare(spectrum)}, {sourceOf(spectrum)}, {photometry}).front();
}

std::vector<Prediction> Predictor::predictBatch(const std::vector<Spectrum>& spectra, ProgressObserver* progress) const
{
    std::vector<PreparedSpectrum> prepared(spectra.size());
    std::vector<std::string> sources(spectra.size());
    std::vector<Photometry> photometry(impl_->net()->hasPhotometry() ? spectra.size() : 0);
    std::atomic<std::size_t> done{0};
    parallelFor(spectra.size(), workerCount(impl_->options.threads), [&](std::size_t i) {
        if (progress) throwIfCancelled(*progress);
        prepared[i] = prepare(spectra[i]);
        sources[i] = sourceOf(spectra[i]);
        if (!photometry.empty()) photometry[i] = photometryFromMetadata(spectra[i].metadata);
        if (progress) progress->onProgress(++done, spectra.size(), "preparing");
    });
    if (progress) throwIfCancelled(*progress);
    auto out = predictPrepared(prepared, sources, photometry);
    if (progress) progress->onProgress(spectra.size(), spectra.size(), "predicted");
    return out;
}

std::vector<float> Predictor::saliency(const Spectrum& spectrum, Param param, SaliencyMethod method,
                                       const SaliencyOptions& options) const
{
    return saliencyPrepared(prepare(spectrum), param, method, options);
}

std::vector<float> Predictor::saliencyPrepared(const PreparedSpectrum& prepared, Param param, SaliencyMethod method,
                                               const SaliencyOptions& options, const Photometry& photometry) const
{
    auto& d = *impl_;
    const auto x = inputTensor({&prepared}, d.length(), {}).to(d.device);
    torch::Tensor phot;
    if (d.net()->hasPhotometry())
        phot = makePhotometryInput({photometry}, d.bundle.card().network.photometry).to(d.device);
    const auto p = static_cast<int>(param);
    const auto map =
        computeSaliency(d.net(), x, p, d.centres[static_cast<std::size_t>(p)], method, options, d.temperature(p), phot)
            .to(torch::kCPU)
            .contiguous();
    return std::vector<float>(map.data_ptr<float>(), map.data_ptr<float>() + map.numel());
}

bool Predictor::hasAttention() const
{
    return impl_->net()->hasAttention();
}

std::vector<std::string> Predictor::photometryInputs() const
{
    return impl_->net()->hasPhotometry() ? impl_->bundle.card().network.photometry.names() : std::vector<std::string>{};
}

std::vector<float> Predictor::attentionMap(const PreparedSpectrum& prepared, double fromWavelength, double toWavelength,
                                           int layer) const
{
    auto& d = *impl_;
    const auto& config = d.bundle.card().network;
    if (!d.net()->hasAttention()) throw Error("the model has no self-attention stage", d.bundle.sourcePath());
    const int layers = config.attention.layers;
    if (layer < 0) layer += layers;
    if (layer < 0 || layer >= layers)
        throw Error("attention layer " + std::to_string(layer) + " does not exist (the model has " +
                    std::to_string(layers) + ")");
    const auto x = inputTensor({&prepared}, d.length(), {}).to(d.device);
    torch::Tensor weights;  // [L, L]: queries x keys, averaged over heads
    {
        torch::InferenceMode inference;
        const auto out = d.plan->forward(padSingle(x), {}, true);
        weights = out.attention[static_cast<std::size_t>(layer)][0].mean(0).to(torch::kCPU, torch::kFloat64);
    }
    const auto positions = weights.size(0);
    const auto pixels = static_cast<int64_t>(d.grid.size());
    // Position j of L stands for grid pixels [j P / L, (j + 1) P / L).
    auto firstPixel = [&](int64_t j) { return j * pixels / positions; };
    const double lo = std::min(fromWavelength, toWavelength), hi = std::max(fromWavelength, toWavelength);
    std::vector<int64_t> queries;
    for (int64_t j = 0; j < positions; ++j) {
        const double a = d.grid[static_cast<std::size_t>(firstPixel(j))];
        const double b = d.grid[static_cast<std::size_t>(firstPixel(j + 1) - 1)];
        if (b >= lo && a <= hi) queries.push_back(j);
    }
    if (queries.empty())
        throw Error("the query region " + std::to_string(lo) + "-" + std::to_string(hi) +
                    " lies outside the model's grid (" + std::to_string(d.grid.front()) + "-" +
                    std::to_string(d.grid.back()) + ")");
    const auto keys = weights.index_select(0, torch::tensor(queries, torch::kInt64)).mean(0).contiguous();
    const double* w = keys.data_ptr<double>();
    std::vector<float> map(static_cast<std::size_t>(pixels));
    for (int64_t j = 0; j < positions; ++j) {
        const auto a = firstPixel(j), b = firstPixel(j + 1);
        for (int64_t i = a; i < b; ++i) map[static_cast<std::size_t>(i)] = static_cast<float>(w[j] / double(b - a));
    }
    return map;
}

std::vector<Neighbour> Predictor::nearestNeighbours(const Prediction& prediction, int k) const
{
    const auto& ref = impl_->bundle.reference();
    const auto e = prediction.embedding.size();
    if (ref.empty() || k <= 0 || e == 0) return {};
    if (ref.embeddings.size() != ref.size() * e)
        throw Error("the prediction's embedding does not match the model's reference set");
    double norm = 0.0;
    for (float v : prediction.embedding) norm += double(v) * v;
    norm = std::sqrt(norm);
    std::vector<Neighbour> all(ref.size());
    for (std::size_t i = 0; i < ref.size(); ++i) {
        double dot = 0.0, rn = 0.0;
        for (std::size_t j = 0; j < e; ++j) {
            const double r = ref.embeddings[i * e + j];
            dot += r * prediction.embedding[j];
            rn += r * r;
        }
        const double denom = norm * std::sqrt(rn);
        all[i] = {ref.names[i], ref.labels[i], denom > 0.0 ? 1.0 - dot / denom : 1.0};
    }
    const auto count = std::min<std::size_t>(all.size(), static_cast<std::size_t>(k));
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(count), all.end(),
                      [](const Neighbour& a, const Neighbour& b) { return a.distance < b.distance; });
    all.resize(count);
    return all;
}

const std::vector<double>& Predictor::grid() const
{
    return impl_->grid;
}
const ModelBundle& Predictor::bundle() const
{
    return impl_->bundle;
}
std::string Predictor::deviceName() const
{
    return impl_->device.is_cuda() ? "cuda" : "cpu";
}
std::string Predictor::precisionName() const
{
    return std::string(inferencePrecisionName(impl_->plan->precision()));
}

}  // namespace remap
