// The deep-REMAP training loop (docs/training.md): data in memory, seeded epoch order and
// augmentation, chunked global batches summed over processes, AdamW with a step-wise schedule,
// validation with posterior metrics, early stopping, bundles, checkpoints, the run record.
#include "train/Trainer.h"

#include "base/AtomicFile.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"
#include "ml/Losses.h"
#include "ml/Network.h"
#include "ml/Posterior.h"
#include "ml/TorchBundle.h"
#include "train/Augmenter.h"
#include "train/Checkpoint.h"
#include "train/LrSchedule.h"
#include "train/Metrics.h"
#include "train/RunRecord.h"
#include "train/TrainData.h"

#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <optional>
#include <thread>

#ifndef REMAP_GIT_REVISION
#define REMAP_GIT_REVISION "unknown"
#endif
#ifndef REMAP_VERSION
#define REMAP_VERSION "unknown"
#endif

namespace remap::train {

std::string codeRevision()
{
    return REMAP_GIT_REVISION;
}

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string resolveDevice(const std::string& requested)
{
    if (requested == "cpu") return "cpu";
    if (requested == "cuda") {
        if (!torch::cuda::is_available())
            throw Error("CUDA was requested (device \"cuda\") but is not available on this machine");
        return "cuda";
    }
    if (requested == "auto") return torch::cuda::is_available() ? "cuda" : "cpu";
    throw Error("training config: device must be auto, cpu or cuda, not '" + requested + "'");
}

// bfloat16 autocast on CUDA for the forward pass (the API moved between LibTorch 1.x and 2.4).
class AutocastScope {
public:
    explicit AutocastScope(bool enabled) : enabled_(enabled)
    {
        if (!enabled_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
        at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
        at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
        at::autocast::set_enabled(true);
#endif
    }
    ~AutocastScope()
    {
        if (!enabled_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
        at::autocast::set_enabled(false);
#endif
        at::autocast::clear_cache();
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool enabled_;
};

// Parameters and buffers by name, copied across devices without autograd.
void copyState(RemapNet& from, RemapNet& to)
{
    torch::NoGradGuard noGrad;
    auto src = from->named_parameters(true);
    for (auto& p : to->named_parameters(true)) p.value().copy_(src[p.key()]);
    auto srcBuffers = from->named_buffers(true);
    for (auto& b : to->named_buffers(true)) b.value().copy_(srcBuffers[b.key()]);
}

// Network stages as fine-tuning counts them: 0 = the stem, s + 1 = residual stage s; -1 for the
// embedding and the heads (always trained at the base rate).
std::vector<std::pair<int, std::shared_ptr<torch::nn::Module>>> stageModules(RemapNet& net)
{
    std::vector<std::pair<int, std::shared_ptr<torch::nn::Module>>> out;
    for (const auto& child : net->named_children()) {
        if (child.key() == "stem") {
            out.emplace_back(0, child.value());
        } else if (child.key() == "stages") {
            int s = 1;
            for (const auto& stage : child.value()->children()) out.emplace_back(s++, stage);
        } else {
            out.emplace_back(-1, child.value());
        }
    }
    return out;
}

// One global batch's slice of rows as network input and targets.
struct Batch {
    torch::Tensor input;                   // [n, 2, P]
    std::array<torch::Tensor, 3> targets;  // [n, K_p]
    torch::Tensor normalizedLabels;        // [n, 3]
    std::vector<Photometry> photometry;    // one per row when the table has photometry, else empty
    std::int64_t rows = 0;
};

struct BatchContext {
    const SpectraTable* table = nullptr;
    const Augmenter* augmenter = nullptr;  // null: no augmentation (validation, reference set)
    const LabelBins* bins = nullptr;
    double targetSigmaBins = 1.0;
    std::uint64_t seed = 0;
    std::int64_t epoch = 0;
    torch::Device device = torch::kCPU;
};

Batch makeBatch(const BatchContext& ctx, const std::size_t* rows, std::size_t count)
{
    const auto& t = *ctx.table;
    const std::size_t P = t.pixels;
    std::vector<float> flux(count * P), mask(count * P);
    std::vector<float> rowFlux(P);
    std::vector<std::uint8_t> rowMask(P);
    auto normalized = torch::empty({static_cast<long>(count), 3}, torch::kFloat32);
    auto normAcc = normalized.accessor<float, 2>();
    std::array<torch::Tensor, 3> targets;
    for (int p = 0; p < 3; ++p)
        targets[p] =
            torch::empty({static_cast<long>(count), (*ctx.bins)[static_cast<Param>(p)].count}, torch::kFloat32);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t r = rows[i];
        std::copy_n(t.flux.begin() + static_cast<std::ptrdiff_t>(r * P), P, rowFlux.begin());
        std::copy_n(t.mask.begin() + static_cast<std::ptrdiff_t>(r * P), P, rowMask.begin());
        if (ctx.augmenter)
            ctx.augmenter->apply(rowFlux, rowMask, std::span<const float>(t.ivar.data() + r * P, P), t.snr[r],
                                 sampleSeed(ctx.seed, ctx.epoch, static_cast<std::int64_t>(r)));
        std::copy(rowFlux.begin(), rowFlux.end(), flux.begin() + static_cast<std::ptrdiff_t>(i * P));
        for (std::size_t k = 0; k < P; ++k) mask[i * P + k] = rowMask[k] ? 1.0f : 0.0f;
        for (int p = 0; p < 3; ++p) {
            const auto& b = (*ctx.bins)[static_cast<Param>(p)];
            const double label = t.labels[r][static_cast<std::size_t>(p)];
            normAcc[static_cast<long>(i)][p] = static_cast<float>(b.normalize(label));
            const auto target = b.target(label, ctx.targetSigmaBins);
            auto acc = targets[p].accessor<float, 2>();
            for (int k = 0; k < b.count; ++k)
                acc[static_cast<long>(i)][k] = static_cast<float>(target[static_cast<std::size_t>(k)]);
        }
    }
    Batch batch;
    if (!t.photometry.empty())
        for (std::size_t i = 0; i < count; ++i) batch.photometry.push_back(t.photometryOf(rows[i]));
    batch.rows = static_cast<std::int64_t>(count);
    batch.input = makeNetworkInput(flux, mask, static_cast<int>(count), static_cast<int>(P)).to(ctx.device);
    for (int p = 0; p < 3; ++p) batch.targets[p] = targets[p].to(ctx.device);
    batch.normalizedLabels = normalized.to(ctx.device);
    return batch;
}

// Batch-norm running statistics of a step whose chunks ran on several processes, made equal to what
// one process running every chunk in order computes. After chunk k a statistic is
// r_k = (1 - m) r_(k-1) + m s_k, so after K chunks r_K = (1 - m)^K r_0 + sum_k (1 - m)^(K-1-k) m s_k.
// Each process adds the terms of its chunks (m s_k = r after - (1 - m) r before) and the sums are
// all-reduced with the gradients. Frozen (eval-mode) layers do not move and are left out.
class RunningStatsMerge {
public:
    RunningStatsMerge(RemapNet& net, int chunks) : chunks_(chunks)
    {
        torch::NoGradGuard noGrad;
        for (const auto& module : net->modules(false)) {
            auto bn = std::dynamic_pointer_cast<torch::nn::BatchNorm1dImpl>(module);
            if (!bn || !bn->is_training() || !bn->options.track_running_stats()) continue;
            Entry e;
            e.bn = bn;
            e.keep = 1.0 - bn->options.momentum().value_or(0.1);
            e.mean0 = bn->running_mean.clone();
            e.var0 = bn->running_var.clone();
            e.count0 = bn->num_batches_tracked.clone();
            e.sumMean = torch::zeros_like(e.mean0);
            e.sumVar = torch::zeros_like(e.var0);
            entries_.push_back(std::move(e));
        }
    }
    void beforeChunk()
    {
        for (auto& e : entries_) {
            e.prevMean = e.bn->running_mean.clone();
            e.prevVar = e.bn->running_var.clone();
        }
    }
    // position: the chunk's index among the step's non-empty chunks.
    void afterChunk(int position)
    {
        torch::NoGradGuard noGrad;
        for (auto& e : entries_) {
            const double w = std::pow(e.keep, chunks_ - 1 - position);
            e.sumMean += w * (e.bn->running_mean - e.keep * e.prevMean);
            e.sumVar += w * (e.bn->running_var - e.keep * e.prevVar);
        }
    }
    void appendSums(std::vector<torch::Tensor>& tensors) const
    {
        for (const auto& e : entries_) {
            tensors.push_back(e.sumMean);
            tensors.push_back(e.sumVar);
        }
    }
    // After the sums were all-reduced in place.
    void finish()
    {
        torch::NoGradGuard noGrad;
        for (auto& e : entries_) {
            const double w = std::pow(e.keep, chunks_);
            e.bn->running_mean.copy_(w * e.mean0 + e.sumMean);
            e.bn->running_var.copy_(w * e.var0 + e.sumVar);
            e.bn->num_batches_tracked.copy_(e.count0 + chunks_);
        }
    }

private:
    struct Entry {
        std::shared_ptr<torch::nn::BatchNorm1dImpl> bn;
        double keep = 0.9;
        torch::Tensor mean0, var0, count0, sumMean, sumVar, prevMean, prevVar;
    };
    int chunks_;
    std::vector<Entry> entries_;
};

struct LossParts {
    torch::Tensor total;
    std::array<torch::Tensor, 4> tasks;
    NetworkOutput output;
};

LossParts computeLoss(RemapNet& net, MultiTaskLoss& mtl, const Batch& batch, const LossConfig& config, bool autocast)
{
    LossParts parts;
    {
        AutocastScope scope(autocast);
        const auto photometry =
            net->hasPhotometry() && !batch.photometry.empty()
                ? makePhotometryInput(batch.photometry, net->config().photometry).to(batch.input.device())
                : torch::Tensor();
        parts.output = net->forward(batch.input, photometry);
    }
    for (int p = 0; p < 3; ++p)
        parts.tasks[p] = asymmetricLoss(parts.output.logits[p].to(torch::kFloat32), batch.targets[p], config.asl);
    parts.tasks[3] =
        tripletLoss(parts.output.embedding.to(torch::kFloat32), batch.normalizedLabels, config.triplet).loss;
    parts.total = mtl->forward(parts.tasks);
    return parts;
}

double monitoredValue(const ValidationMetrics& m, const std::string& monitor)
{
    if (monitor == "val_loss") return m.loss;
    for (Param p : kAllParams)
        if (monitor == std::string(paramName(p)) + "_rmse") return m[p].rmse;
    throw Error("training config: early_stopping.monitor must be val_loss, teff_rmse, logg_rmse or feh_rmse, not '" +
                monitor + "'");
}

json configForComparison(json config)
{
    // What a resume may change: how long, where, how fast, how often it logs.
    for (const char* key : {"epochs", "output_dir", "threads", "log_every_steps", "device", "validation_batch_size"})
        config.erase(key);
    return config;
}

json optionalNumber(const std::optional<double>& v)
{
    return v ? json(*v) : json(nullptr);
}

// Where a run stands; what the checkpoint's "state" JSON holds besides the config.
struct RunState {
    int epoch = 0;                 // current epoch (0-based)
    std::int64_t stepInEpoch = 0;  // steps of `epoch` already done (stepsPerEpoch: validation pending)
    std::int64_t globalStep = 0;
    std::optional<double> bestValue;
    int bestEpoch = -1;
    int badEpochs = 0;
    bool baselineDone = false;
    bool stopped = false;  // early stopping ended the run
    double epochLossSum = 0.0;
    std::int64_t epochLossSteps = 0;
    double epochSeconds = 0.0;         // training time of `epoch` so far
    std::vector<double> epochHistory;  // wall seconds of finished epochs
    json bestMetrics;                  // metricsToJson of the best epoch
    json lastMetrics;                  // metricsToJson of the last finished epoch
    json baselineMetrics;

    json toJson(const json& config) const
    {
        return {{"epoch", epoch},
                {"step_in_epoch", stepInEpoch},
                {"global_step", globalStep},
                {"best_value", optionalNumber(bestValue)},
                {"best_epoch", bestEpoch},
                {"bad_epochs", badEpochs},
                {"baseline_done", baselineDone},
                {"stopped", stopped},
                {"epoch_loss_sum", epochLossSum},
                {"epoch_loss_steps", epochLossSteps},
                {"epoch_seconds", epochSeconds},
                {"epoch_history", epochHistory},
                {"best_metrics", bestMetrics},
                {"last_metrics", lastMetrics},
                {"baseline_metrics", baselineMetrics},
                {"config", config}};
    }
    static RunState fromJson(const json& j, const std::string& path)
    {
        try {
            RunState p;
            p.epoch = j.at("epoch").get<int>();
            p.stepInEpoch = j.at("step_in_epoch").get<std::int64_t>();
            p.globalStep = j.at("global_step").get<std::int64_t>();
            if (!j.at("best_value").is_null()) p.bestValue = j.at("best_value").get<double>();
            p.bestEpoch = j.at("best_epoch").get<int>();
            p.badEpochs = j.at("bad_epochs").get<int>();
            p.baselineDone = j.at("baseline_done").get<bool>();
            p.stopped = j.at("stopped").get<bool>();
            p.epochLossSum = j.at("epoch_loss_sum").get<double>();
            p.epochLossSteps = j.at("epoch_loss_steps").get<std::int64_t>();
            p.epochSeconds = j.at("epoch_seconds").get<double>();
            p.epochHistory = j.at("epoch_history").get<std::vector<double>>();
            p.bestMetrics = j.at("best_metrics");
            p.lastMetrics = j.value("last_metrics", json());
            p.baselineMetrics = j.at("baseline_metrics");
            return p;
        } catch (const json::exception& e) {
            throw Error(std::string("the checkpoint's state record is incomplete: ") + e.what(), path);
        }
    }
};

// One AdamW parameter group and the factor of the base rate it learns at.
struct GroupPlan {
    std::vector<torch::Tensor> params;
    double lrFactor = 1.0;
    bool decay = true;
};

class Trainer {
public:
    Trainer(const TrainOptions& options, TrainingObserver& observer)
        : options_(options), config_(options.config), observer_(observer)
    {
    }

    TrainResult run();

private:
    void setUp();
    void buildOptimizer();
    void restore();
    void writeStart();
    void runBaseline();
    bool trainEpoch();  // false: cancelled
    void stepOnce(const std::vector<std::size_t>& order, std::int64_t step);
    struct Validation {
        ValidationMetrics metrics;
        std::vector<StarPrediction> stars;
        bool cancelled = false;
    };
    Validation validate();
    void finishEpoch(const Validation& v, double seconds);
    void writeBundle(const std::string& path, const ValidationMetrics& metrics, int epoch);
    void writeCheckpoint();
    void setTrainMode();
    bool pollCancel(bool collective);
    [[noreturn]] void cancel(const std::string& where);
    void writeEnd(const std::string& status, const std::string& error);
    json trainingCard() const;
    double etaSeconds(std::int64_t stepsLeftInEpoch) const;
    std::string runPath(const char* name) const { return (fs::path(config_.outputDir) / name).string(); }

    const TrainOptions& options_;
    TrainConfig config_;
    TrainingObserver& observer_;
    std::string deviceName_;
    torch::Device device_ = torch::kCPU;
    bool autocast_ = false;
    std::unique_ptr<ProcessGroup> group_;
    bool rank0_ = true;
    int world_ = 1;
    int chunks_ = 1;

    TrainData data_;
    std::optional<ModelBundle> bundle_;  // the output bundle (CPU network, card, template)
    std::string fromName_;
    RemapNet net_{nullptr};
    MultiTaskLoss loss_{nullptr};
    std::unique_ptr<torch::optim::AdamW> optimizer_;
    std::vector<double> groupFactors_;
    std::vector<torch::Tensor> trainable_;
    std::vector<std::shared_ptr<torch::nn::Module>> frozen_;
    std::optional<Augmenter> augmenter_;
    std::optional<LrSchedule> schedule_;
    std::unique_ptr<RunRecordWriter> record_;

    std::int64_t stepsPerEpoch_ = 0;
    RunState progress_;
    bool resumed_ = false;
    double stepSeconds_ = 0.0;  // smoothed wall time of one optimizer step
    double validationSeconds_ = 0.0;
    double lastLr_ = 0.0;
    Clock::time_point runStart_ = Clock::now();
    std::string status_ = "finished";
};

void Trainer::setUp()
{
    config_.validate();
    options_.distributed.validate();
    if (config_.mode == TrainMode::Finetune && options_.fromBundle.empty())
        throw UsageError("fine-tuning needs the pretrained bundle (--from BUNDLE)");
    deviceName_ = resolveDevice(config_.device);
    device_ = torch::Device(deviceName_);
    autocast_ = config_.mixedPrecision && device_.is_cuda();
    group_ = ProcessGroup::connect(options_.distributed, deviceName_);
    rank0_ = group_->rank() == 0;
    world_ = group_->worldSize();
    // A lone process takes every core: Debian's LibTorch defaults to one intra-op thread on some
    // machines (seen on the 2-core VMs: 75 instead of 155 spectra/s). Several processes keep torch's
    // default, as they share the machine.
    if (config_.threads > 0)
        torch::set_num_threads(config_.threads);
    else if (world_ == 1)
        torch::set_num_threads(static_cast<int>(std::max(1U, std::thread::hardware_concurrency())));
    chunks_ = std::max(config_.microBatches, world_);
    if (chunks_ % world_ != 0)
        throw Error("training config: micro_batches (" + std::to_string(config_.microBatches) +
                    ") must be a multiple of the number of processes (" + std::to_string(world_) + ")");
    if (config_.batchSize < chunks_)
        throw Error("training config: batch_size (" + std::to_string(config_.batchSize) +
                    ") must be at least the number of micro-batches (" + std::to_string(chunks_) + ")");

    if (options_.resume) {
        const auto state = readCheckpointState(runPath(kCheckpointFileName));
        const json saved = configForComparison(state.value("config", json::object()));
        const json now = configForComparison(config_.toJson());
        if (saved != now) {
            std::string keys;
            for (const auto& [key, value] : now.items())
                if (!saved.contains(key) || saved[key] != value) keys += (keys.empty() ? "" : ", ") + key;
            throw Error("cannot resume: the configuration differs from the checkpoint's in " +
                            (keys.empty() ? std::string("removed keys") : keys) +
                            " (only epochs, output_dir, device, threads, log_every_steps and validation_batch_size "
                            "may change)",
                        runPath(kCheckpointFileName));
        }
        progress_ = RunState::fromJson(state, runPath(kCheckpointFileName));
        if (config_.epochs < progress_.epoch)
            throw Error("cannot resume with epochs = " + std::to_string(config_.epochs) +
                            ": the run already finished " + std::to_string(progress_.epoch) + " epochs",
                        runPath(kCheckpointFileName));
        resumed_ = true;
    }

    // Data.
    data_ = loadTrainData(config_, observer_);
    const std::size_t pixels = data_.train.pixels;

    // The model: a new network (pretraining) or the pretrained bundle (fine-tuning).
    ModelCard card;
    if (config_.mode == TrainMode::Pretrain) {
        if (static_cast<std::size_t>(config_.network.inputLength) != pixels)
            throw Error("network.input_length (" + std::to_string(config_.network.inputLength) +
                            ") differs from the training set's pixel count (" + std::to_string(pixels) + ")",
                        config_.trainSet);
        card.name = config_.modelName;
        card.description = config_.description;
        card.network = config_.network;
        card.bins = config_.bins;
        card.preprocess = data_.train.preprocessSpec;
        bundle_ = ModelBundle::create(card, config_.seed);
    } else {
        bundle_ = ModelBundle::load(options_.fromBundle);
        card = bundle_->card();
        fromName_ = card.name;
        if (static_cast<std::size_t>(card.network.inputLength) != pixels)
            throw Error("the pretrained model " + options_.fromBundle + " takes " +
                            std::to_string(card.network.inputLength) + " pixels but the training set " +
                            config_.trainSet + " has " + std::to_string(pixels),
                        config_.trainSet);
        card.name = config_.modelName;
        if (!config_.description.empty()) card.description = config_.description;
        if (!data_.train.preprocessSpec.empty()) card.preprocess = data_.train.preprocessSpec;
        bundle_->setCard(card);
    }
    if (!config_.rvTemplate.empty()) bundle_->setRvTemplate(readSpectrum(config_.rvTemplate));

    net_ = RemapNet(card.network, card.bins.counts());
    copyState(bundleNetwork(*bundle_), net_);
    net_->to(device_);
    loss_ = MultiTaskLoss(config_.loss);
    loss_->to(device_);
    if (config_.augmentation.enabled) augmenter_.emplace(config_.augmentation, data_.train.wavelength);

    const auto n = static_cast<std::int64_t>(data_.train.size());
    stepsPerEpoch_ = (n + config_.batchSize - 1) / config_.batchSize;
    schedule_.emplace(config_.schedule, stepsPerEpoch_, stepsPerEpoch_ * config_.epochs);
    buildOptimizer();
    if (resumed_) restore();
}

void Trainer::buildOptimizer()
{
    std::vector<GroupPlan> plans;
    auto add = [&](const std::vector<torch::Tensor>& params, double factor) {
        GroupPlan decay{{}, factor, true}, noDecay{{}, factor, false};
        // Weight decay on weights only; biases and batch-norm scales/shifts are left alone.
        for (const auto& p : params) (p.dim() > 1 ? decay : noDecay).params.push_back(p);
        for (auto* g : {&decay, &noDecay})
            if (!g->params.empty()) plans.push_back(std::move(*g));
    };
    const bool finetune = config_.mode == TrainMode::Finetune;
    const int freeze = finetune ? config_.finetune.freezeStages : 0;
    std::vector<torch::Tensor> early, rest;
    for (const auto& [stage, module] : stageModules(net_)) {
        const auto params = module->parameters(true);
        if (stage >= 0 && stage < freeze) {
            for (auto p : params) p.set_requires_grad(false);
            frozen_.push_back(module);
        } else if (finetune && stage >= 0 && stage < config_.finetune.earlyStages) {
            early.insert(early.end(), params.begin(), params.end());
        } else {
            rest.insert(rest.end(), params.begin(), params.end());
        }
    }
    add(early, config_.finetune.earlyLrFactor);
    add(rest, 1.0);
    add(loss_->parameters(), 1.0);

    const auto& o = config_.optimizer;
    std::vector<torch::optim::OptimizerParamGroup> groups;
    for (const auto& plan : plans) {
        auto options = std::make_unique<torch::optim::AdamWOptions>(o.learningRate * plan.lrFactor);
        options->betas({o.beta1, o.beta2}).eps(o.epsilon).weight_decay(plan.decay ? o.weightDecay : 0.0);
        groups.emplace_back(plan.params, std::move(options));
        groupFactors_.push_back(plan.lrFactor);
        trainable_.insert(trainable_.end(), plan.params.begin(), plan.params.end());
    }
    if (trainable_.empty()) throw Error("training config: finetune.freeze_stages leaves nothing to train");
    torch::optim::AdamWOptions defaults(o.learningRate);
    defaults.betas({o.beta1, o.beta2}).eps(o.epsilon).weight_decay(o.weightDecay);
    optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups), defaults);
}

void Trainer::restore()
{
    loadCheckpoint(runPath(kCheckpointFileName), net_, loss_, *optimizer_, device_);
    if (progress_.globalStep > 0)
        lastLr_ = config_.optimizer.learningRate * schedule_->factor(progress_.globalStep - 1);
    observer_.onMessage("resumed from " + runPath(kCheckpointFileName) + " at epoch " +
                        std::to_string(progress_.epoch + 1) + ", step " + std::to_string(progress_.stepInEpoch));
}

void Trainer::setTrainMode()
{
    net_->train();
    for (auto& m : frozen_) m->eval();  // frozen stages keep their batch-norm statistics
}

bool Trainer::pollCancel(bool collective)
{
    const bool local = observer_.cancelRequested();
    if (!collective || world_ == 1) return local;
    return group_->broadcastFlag(local);
}

json Trainer::trainingCard() const
{
    json from = nullptr;
    if (config_.mode == TrainMode::Finetune) from = {{"path", options_.fromBundle}, {"name", fromName_}};
    return {{"mode", toString(config_.mode)},
            {"config", config_.toJson()},
            {"train_set", config_.trainSet},
            {"validation_set", data_.heldOut ? config_.trainSet + " (held-out rows)" : config_.validationSet},
            {"train_rows", data_.train.size()},
            {"validation_rows", data_.validation.size()},
            {"epochs_done", progress_.epoch},
            {"best_epoch", progress_.bestEpoch},
            {"seed", config_.seed},
            {"revision", codeRevision()},
            {"version", REMAP_VERSION},
            {"device", deviceName_},
            {"world_size", world_},
            {"from", from}};
}

void Trainer::writeStart()
{
    if (!rank0_) return;
    std::error_code ec;
    fs::create_directories(config_.outputDir, ec);
    if (ec) throw Error("could not create the run folder (" + ec.message() + ")", config_.outputDir);
    record_ = std::make_unique<RunRecordWriter>(config_.outputDir, resumed_);
    const std::string configText = config_.toJson().dump(2) + "\n";
    writeAtomically(runPath("config.json"), [&](const std::string& tmp) {
        std::ofstream out(tmp);
        out << configText;
        if (!out.flush()) throw Error("could not write the run configuration", runPath("config.json"));
    });
    std::int64_t parameters = 0;
    for (const auto& p : net_->parameters()) parameters += p.numel();
    record_->write({{"type", "start"},
                    {"config", config_.toJson()},
                    {"mode", toString(config_.mode)},
                    {"revision", codeRevision()},
                    {"version", REMAP_VERSION},
                    {"device", deviceName_},
                    {"world_size", world_},
                    {"train_rows", data_.train.size()},
                    {"validation_rows", data_.validation.size()},
                    {"skipped_rows", data_.train.skipped + (data_.heldOut ? 0 : data_.validation.skipped)},
                    {"parameters", parameters},
                    {"steps_per_epoch", stepsPerEpoch_},
                    {"from", options_.fromBundle.empty() ? json(nullptr) : json(options_.fromBundle)},
                    {"command", options_.command},
                    {"resumed_from", resumed_ ? json(runPath(kCheckpointFileName)) : json(nullptr)}});
    if (data_.train.skipped > 0)
        record_->writeMessage("skipped " + std::to_string(data_.train.skipped) +
                              " training rows without Teff, log g or [Fe/H]");
}

Trainer::Validation Trainer::validate()
{
    Validation v;
    net_->eval();
    torch::NoGradGuard noGrad;
    const auto& table = data_.validation;
    const LabelBins& bins = bundle_->card().bins;
    BatchContext ctx{&table, nullptr, &bins, config_.loss.targetSigmaBins, config_.seed, 0, device_};
    std::array<std::vector<double>, 3> centres;
    for (int p = 0; p < 3; ++p) centres[p] = bins[static_cast<Param>(p)].centres();
    const std::size_t n = table.size();
    const auto bs = static_cast<std::size_t>(config_.validationBatchSize);
    std::vector<std::size_t> rows(n);
    std::iota(rows.begin(), rows.end(), 0);
    double lossSum = 0.0;
    const auto start = Clock::now();
    for (std::size_t first = 0; first < n; first += bs) {
        if (pollCancel(true)) {
            v.cancelled = true;
            return v;
        }
        const std::size_t count = std::min(bs, n - first);
        const auto batch = makeBatch(ctx, rows.data() + first, count);
        const auto parts = computeLoss(net_, loss_, batch, config_.loss, autocast_);
        lossSum += parts.total.item<double>() * static_cast<double>(count);
        std::array<torch::Tensor, 3> probs;
        for (int p = 0; p < 3; ++p)
            probs[p] = torch::softmax(parts.output.logits[p].to(torch::kFloat64), 1).to(torch::kCPU).contiguous();
        for (std::size_t i = 0; i < count; ++i) {
            Prediction pred;
            pred.source = table.sources[first + i];
            for (int p = 0; p < 3; ++p) {
                const double* row = probs[p].data_ptr<double>() + i * centres[p].size();
                pred[p] = summarizePosterior(centres[p], std::vector<double>(row, row + centres[p].size()));
            }
            const auto& l = table.labels[first + i];
            v.stars.push_back(toStarPrediction(pred, {l[0], l[1], l[2]}, pred.source));
        }
        observer_.onProgress(first + count, n, "validation");
    }
    v.metrics = computeMetrics(v.stars);
    v.metrics.loss = lossSum / static_cast<double>(std::max<std::size_t>(n, 1));
    validationSeconds_ = secondsSince(start);
    return v;
}

void Trainer::writeBundle(const std::string& path, const ValidationMetrics& metrics, int epoch)
{
    ModelBundle& b = *bundle_;
    copyState(net_, bundleNetwork(b));
    ModelCard card = b.card();
    card.training = trainingCard();
    card.metrics = metricsToJson(metrics);
    card.metrics["epoch"] = epoch;
    b.setCard(card);

    // Reference set: up to referenceRows training rows spread evenly, embedded by this network.
    ReferenceSet ref;
    const auto& t = data_.train;
    const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(std::max(config_.referenceRows, 0)), t.size());
    if (k > 0) {
        std::vector<std::size_t> rows(k);
        for (std::size_t i = 0; i < k; ++i) rows[i] = i * t.size() / k;
        net_->eval();
        torch::NoGradGuard noGrad;
        BatchContext ctx{&t, nullptr, &card.bins, config_.loss.targetSigmaBins, config_.seed, 0, device_};
        const auto bs = static_cast<std::size_t>(config_.validationBatchSize);
        for (std::size_t first = 0; first < k; first += bs) {
            const std::size_t count = std::min(bs, k - first);
            const auto batch = makeBatch(ctx, rows.data() + first, count);
            const auto emb = net_->forward(padSingle(batch.input)).embedding.narrow(0, 0, static_cast<long>(count));
            const auto cpu = emb.to(torch::kCPU, torch::kFloat32).contiguous();
            ref.embeddings.insert(ref.embeddings.end(), cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
            for (std::size_t i = 0; i < count; ++i) {
                const auto& l = t.labels[rows[first + i]];
                ref.labels.push_back({l[0], l[1], l[2]});
                ref.names.push_back(t.sources[rows[first + i]]);
            }
        }
    }
    b.setReference(std::move(ref));
    b.save(path);
}

void Trainer::writeCheckpoint()
{
    if (!rank0_) return;
    saveCheckpoint(runPath(kCheckpointFileName), progress_.toJson(config_.toJson()), net_, loss_, *optimizer_);
}

void Trainer::writeEnd(const std::string& status, const std::string& error)
{
    if (!rank0_ || !record_) return;
    record_->write(
        {{"type", "end"},
         {"status", status},
         {"error", error.empty() ? json(nullptr) : json(error)},
         {"epochs_done", progress_.epoch},
         {"best_epoch", progress_.bestEpoch},
         {"best_value", optionalNumber(progress_.bestValue)},
         {"bundle", status == "cancelled" || status == "failed" ? json(nullptr) : json(runPath("model.remap"))},
         {"seconds", secondsSince(runStart_)}});
}

void Trainer::cancel(const std::string& where)
{
    writeCheckpoint();
    if (rank0_ && record_) record_->writeMessage("cancelled " + where + "; checkpoint written");
    observer_.onMessage("cancelled " + where + "; checkpoint written to " + runPath(kCheckpointFileName));
    writeEnd("cancelled", "");
    throw Cancelled();
}

double Trainer::etaSeconds(std::int64_t stepsLeftInEpoch) const
{
    const int epochsLeft = std::max(0, config_.epochs - progress_.epoch - 1);
    return static_cast<double>(stepsLeftInEpoch + epochsLeft * stepsPerEpoch_) * stepSeconds_ +
           (epochsLeft + 1) * validationSeconds_;
}

void Trainer::stepOnce(const std::vector<std::size_t>& order, std::int64_t step)
{
    const auto stepStart = Clock::now();
    const auto n = static_cast<std::int64_t>(order.size());
    const std::int64_t first = step * config_.batchSize;
    const std::int64_t rows = std::min<std::int64_t>(config_.batchSize, n - first);
    BatchContext ctx{&data_.train,
                     augmenter_ ? &*augmenter_ : nullptr,
                     &bundle_->card().bins,
                     config_.loss.targetSigmaBins,
                     config_.seed,
                     progress_.epoch,
                     device_};

    for (auto& p : trainable_)
        if (p.grad().defined()) p.mutable_grad().zero_();
    // A cancel between chunks drops the step; the batch-norm statistics its chunks moved go back.
    std::vector<torch::Tensor> savedBuffers;
    if (world_ == 1 && chunks_ > 1)
        for (const auto& b : net_->buffers(true)) savedBuffers.push_back(b.clone());
    auto stats = torch::zeros({5}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
    auto chunkRange = [&](int c) {
        return std::pair<std::int64_t, std::int64_t>{first + c * rows / chunks_, first + (c + 1) * rows / chunks_};
    };
    std::vector<int> position(static_cast<std::size_t>(chunks_), -1);  // among the non-empty chunks
    int nonEmpty = 0;
    for (int c = 0; c < chunks_; ++c)
        if (chunkRange(c).second > chunkRange(c).first) position[static_cast<std::size_t>(c)] = nonEmpty++;
    std::optional<RunningStatsMerge> merge;
    if (world_ > 1) merge.emplace(net_, nonEmpty);
    for (int c = group_->rank(); c < chunks_; c += world_) {
        if (world_ == 1 && c > 0 && pollCancel(false)) {
            torch::NoGradGuard noGrad;
            auto buffers = net_->buffers(true);
            for (std::size_t i = 0; i < buffers.size(); ++i) buffers[i].copy_(savedBuffers[i]);
            cancel("during epoch " + std::to_string(progress_.epoch + 1));
        }
        const auto [lo, hi] = chunkRange(c);
        if (hi <= lo) continue;
        const auto batch = makeBatch(ctx, order.data() + lo, static_cast<std::size_t>(hi - lo));
        // Dropout draws depend on (seed, step, chunk) only: the same wherever the chunk runs.
        torch::manual_seed(
            SplitMix64::mix(SplitMix64::mix(config_.seed, static_cast<std::uint64_t>(progress_.globalStep)),
                            static_cast<std::uint64_t>(c)));
        if (merge) merge->beforeChunk();
        const auto parts = computeLoss(net_, loss_, batch, config_.loss, autocast_);
        if (merge) merge->afterChunk(position[static_cast<std::size_t>(c)]);
        const double share = static_cast<double>(hi - lo) / static_cast<double>(rows);
        (parts.total * share).backward();
        torch::NoGradGuard noGrad;
        stats[0] += parts.total.detach().to(torch::kFloat64) * share;
        for (int t = 0; t < 4; ++t) stats[t + 1] += parts.tasks[t].detach().to(torch::kFloat64) * share;
    }
    for (auto& p : trainable_)
        if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    if (world_ > 1) {
        std::vector<torch::Tensor> grads;
        for (auto& p : trainable_) grads.push_back(p.grad());
        grads.push_back(stats);
        merge->appendSums(grads);
        group_->allReduceSum(grads);
        merge->finish();
    }
    if (config_.gradientClip > 0.0) torch::nn::utils::clip_grad_norm_(trainable_, config_.gradientClip);
    const double factor = schedule_->factor(progress_.globalStep);
    auto& groups = optimizer_->param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g)
        static_cast<torch::optim::AdamWOptions&>(groups[g].options())
            .lr(config_.optimizer.learningRate * groupFactors_[g] * factor);
    optimizer_->step();
    lastLr_ = config_.optimizer.learningRate * factor;

    const auto s = stats.to(torch::kCPU);
    const double loss = s[0].item<double>();
    ++progress_.globalStep;
    progress_.stepInEpoch = step + 1;
    progress_.epochLossSum += loss;
    ++progress_.epochLossSteps;
    const double seconds = secondsSince(stepStart);
    progress_.epochSeconds += seconds;
    stepSeconds_ = stepSeconds_ == 0.0 ? seconds : 0.9 * stepSeconds_ + 0.1 * seconds;

    StepReport r;
    r.epoch = progress_.epoch;
    r.stepInEpoch = static_cast<int>(step);
    r.stepsPerEpoch = static_cast<int>(stepsPerEpoch_);
    r.globalStep = progress_.globalStep;
    r.totalSteps = stepsPerEpoch_ * config_.epochs;
    r.learningRate = lastLr_;
    r.loss = loss;
    for (int t = 0; t < 4; ++t) r.taskLosses[static_cast<std::size_t>(t)] = s[t + 1].item<double>();
    r.samplesPerSecond = stepSeconds_ > 0.0 ? static_cast<double>(config_.batchSize) / stepSeconds_ : 0.0;
    r.etaSeconds = etaSeconds(stepsPerEpoch_ - step - 1);
    observer_.onStep(r);
    const bool lastOfEpoch = step + 1 == stepsPerEpoch_;
    if (rank0_ && (progress_.globalStep % std::max(1, config_.logEverySteps) == 0 || lastOfEpoch))
        record_->writeStep(r);
}

bool Trainer::trainEpoch()
{
    const auto order =
        epochOrder(data_.train.labels, config_.sampling, bundle_->card().bins, config_.seed, progress_.epoch);
    setTrainMode();
    for (std::int64_t step = progress_.stepInEpoch; step < stepsPerEpoch_; ++step) {
        if (pollCancel(true)) cancel("during epoch " + std::to_string(progress_.epoch + 1));
        stepOnce(order, step);
    }
    return true;
}

void Trainer::finishEpoch(const Validation& v, double seconds)
{
    const double value = monitoredValue(v.metrics, config_.earlyStopping.monitor);
    const bool improved = !progress_.bestValue || value < *progress_.bestValue - config_.earlyStopping.minDelta ||
                          std::isnan(*progress_.bestValue);
    EpochReport e;
    e.epoch = progress_.epoch;
    e.epochs = config_.epochs;
    e.trainLoss =
        progress_.epochLossSteps > 0 ? progress_.epochLossSum / static_cast<double>(progress_.epochLossSteps) : 0.0;
    e.validation = v.metrics;
    e.predictions = v.stars;
    e.learningRate = lastLr_;
    e.seconds = seconds;
    e.improved = improved;
    if (improved) {
        progress_.bestValue = value;
        progress_.bestEpoch = progress_.epoch;
        progress_.bestMetrics = metricsToJson(v.metrics);
        progress_.badEpochs = 0;
    } else {
        ++progress_.badEpochs;
    }
    progress_.lastMetrics = metricsToJson(v.metrics);
    progress_.epochHistory.push_back(seconds);
    const int finished = progress_.epoch;
    progress_.epoch += 1;
    progress_.stepInEpoch = 0;
    progress_.epochLossSum = 0.0;
    progress_.epochLossSteps = 0;
    progress_.epochSeconds = 0.0;
    e.etaSeconds = static_cast<double>(std::max(0, config_.epochs - progress_.epoch)) *
                   (static_cast<double>(stepsPerEpoch_) * stepSeconds_ + validationSeconds_);
    if (config_.earlyStopping.enabled && progress_.badEpochs >= config_.earlyStopping.patience &&
        progress_.epoch < config_.epochs)
        progress_.stopped = true;

    if (rank0_) {
        if (improved) writeBundle(runPath("best.remap"), v.metrics, finished);
        record_->writeEpoch(e);
        writeCheckpoint();
    }
    observer_.onEpoch(e);
    if (progress_.stopped) {
        const std::string text = "early stopping after epoch " + std::to_string(finished + 1) + ": " +
                                 config_.earlyStopping.monitor + " did not improve for " +
                                 std::to_string(progress_.badEpochs) + " epochs";
        if (rank0_) record_->writeMessage(text);
        observer_.onMessage(text);
    }
}

void Trainer::runBaseline()
{
    const auto start = Clock::now();
    const auto v = validate();
    if (v.cancelled) cancel("during the baseline validation");
    EpochReport e;
    e.epoch = -1;
    e.epochs = config_.epochs;
    e.validation = v.metrics;
    e.predictions = v.stars;
    e.seconds = secondsSince(start);
    progress_.baselineDone = true;
    progress_.baselineMetrics = metricsToJson(v.metrics);
    if (rank0_) record_->writeEpoch(e);
    observer_.onEpoch(e);
}

TrainResult Trainer::run()
{
    runStart_ = Clock::now();
    setUp();
    writeStart();
    try {
        if (config_.mode == TrainMode::Finetune && !progress_.baselineDone) runBaseline();
        if (progress_.stopped) observer_.onMessage("the run had already stopped early; writing its model");
        while (!progress_.stopped && progress_.epoch < config_.epochs) {
            const auto epochStart = Clock::now();
            const double before = progress_.epochSeconds;
            if (progress_.stepInEpoch < stepsPerEpoch_) trainEpoch();
            const auto v = validate();
            if (v.cancelled) cancel("during the validation of epoch " + std::to_string(progress_.epoch + 1));
            // Training time of a resumed epoch includes the part before the interruption.
            finishEpoch(v, before + secondsSince(epochStart));
        }
        if (progress_.stopped) status_ = "early_stopped";

        TrainResult result;
        result.status = status_;
        result.epochsDone = progress_.epoch;
        result.bestEpoch = progress_.bestEpoch;
        result.bestValue = progress_.bestValue.value_or(std::numeric_limits<double>::quiet_NaN());
        result.bundlePath = runPath("model.remap");
        // With early stopping the run's model is its best epoch; without, the last one (choosing the
        // best of many epochs on the 30 validation stars would flatter the metrics reported on them).
        const bool keepBest = config_.earlyStopping.enabled;
        const json& finalMetrics = keepBest ? progress_.bestMetrics : progress_.lastMetrics;
        if (!finalMetrics.is_null()) result.finalMetrics = metricsFromJson(finalMetrics);
        if (!progress_.baselineMetrics.is_null()) result.baselineMetrics = metricsFromJson(progress_.baselineMetrics);
        if (rank0_) {
            const std::string best = runPath("best.remap");
            if (!fs::is_regular_file(best)) throw Error("the run has no best model (no epoch finished)", best);
            if (keepBest || finalMetrics.is_null()) {
                writeAtomically(result.bundlePath, [&](const std::string& tmp) {
                    fs::copy_file(best, tmp, fs::copy_options::overwrite_existing);
                });
            } else {
                writeBundle(result.bundlePath, result.finalMetrics, progress_.epoch - 1);
            }
            writeEnd(status_, "");
        }
        if (world_ > 1) group_->barrier();
        result.seconds = secondsSince(runStart_);
        return result;
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception& e) {
        writeEnd("failed", e.what());
        throw;
    }
}

}  // namespace

TrainResult runTraining(const TrainOptions& options, TrainingObserver& observer)
{
    Trainer trainer(options, observer);
    return trainer.run();
}

}  // namespace remap::train
