#include "train/TrainConfig.h"

#include "base/Error.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

namespace remap::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kindName(ScheduleKind kind)
{
    switch (kind) {
        case ScheduleKind::Cosine:
            return "cosine";
        case ScheduleKind::OneCycle:
            return "one_cycle";
        case ScheduleKind::Constant:
            return "constant";
    }
    return "?";
}

const char* balanceName(ClassBalance balance)
{
    return balance == ClassBalance::None ? "none" : "inverse_frequency";
}

const char* typeWords(const json& value)
{
    if (value.is_boolean()) return "true or false";
    if (value.is_number_unsigned()) return "a non-negative integer";
    if (value.is_number_integer()) return "an integer";
    if (value.is_number()) return "a number";
    if (value.is_string()) return "a string";
    if (value.is_array()) return "an array";
    return "an object";
}

bool sameKind(const json& value, const json& like)
{
    if (like.is_boolean()) return value.is_boolean();
    if (like.is_number_unsigned()) return value.is_number_unsigned();
    if (like.is_number_integer()) return value.is_number_integer();
    if (like.is_number()) return value.is_number();
    if (like.is_string()) return value.is_string();
    if (like.is_array()) return value.is_array();
    return value.is_object();
}

// Checks `value` (the user's) against `like` (the defaults' JSON): no unknown keys, no nulls, the
// same JSON type everywhere (integers where the default is one). Errors name the full key path,
// so a typo cannot silently train with a default.
void checkShape(const json& value, const json& like, const std::string& path, const std::string& what)
{
    if (value.is_null()) throw Error(what + ": " + path + " must not be null (leave the key out to keep the default)");
    if (!sameKind(value, like)) throw Error(what + ": " + path + " must be " + typeWords(like));
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            const std::string sub = path.empty() ? key : path + "." + key;
            const auto it = like.find(key);
            if (it == like.end()) throw Error(what + ": unknown key " + sub);
            checkShape(item, *it, sub, what);
        }
    } else if (value.is_array() && !like.empty()) {
        for (std::size_t i = 0; i < value.size(); ++i)
            checkShape(value[i], like[0], path + "[" + std::to_string(i) + "]", what);
    }
}

template <class Enum, std::size_t N>
Enum parseName(const std::string& text, const std::array<std::pair<const char*, Enum>, N>& names,
               const std::string& key, const std::string& what)
{
    std::string list;
    for (const auto& [name, value] : names) {
        if (text == name) return value;
        list += (list.empty() ? "" : ", ") + std::string(name);
    }
    throw Error(what + ": " + key + " must be one of " + list + ", not '" + text + "'");
}

constexpr std::array<const char*, 4> kMonitors{"val_loss", "teff_rmse", "logg_rmse", "feh_rmse"};

// Per-value checks (ranges, enums, values that must agree); `what` prefixes the messages.
void checkValues(const TrainConfig& c, const std::string& what)
{
    auto fail = [&](const std::string& problem) { throw Error(what + ": " + problem); };
    auto probability = [&](double p, const char* key) {
        if (!(p >= 0.0 && p <= 1.0)) fail(std::string(key) + " must lie in [0, 1]");
    };
    auto positive = [&](double v, const char* key) {
        if (!(v > 0.0 && std::isfinite(v))) fail(std::string(key) + " must be a positive number");
    };
    auto nonNegative = [&](double v, const char* key) {
        if (!(v >= 0.0 && std::isfinite(v))) fail(std::string(key) + " must be >= 0");
    };

    if (!(c.validationFraction >= 0.0 && c.validationFraction < 1.0)) fail("validation_fraction must lie in [0, 1)");
    if (c.outputDir.empty()) fail("output_dir must not be empty");
    if (c.modelName.empty()) fail("model_name must not be empty");
    if (c.referenceRows < 0) fail("reference_rows must be >= 0");
    if (c.epochs < 1) fail("epochs must be at least 1");
    if (c.batchSize < 1) fail("batch_size must be at least 1");
    if (c.microBatches < 1) fail("micro_batches must be at least 1");
    if (c.microBatches > c.batchSize) fail("micro_batches must not exceed batch_size");
    nonNegative(c.gradientClip, "gradient_clip");
    if (c.device != "auto" && c.device != "cpu" && c.device != "cuda")
        fail("device must be one of auto, cpu, cuda, not '" + c.device + "'");
    if (c.threads < 0) fail("threads must be >= 0");
    if (c.logEverySteps < 1) fail("log_every_steps must be at least 1");
    if (c.validationBatchSize < 1) fail("validation_batch_size must be at least 1");

    positive(c.optimizer.learningRate, "optimizer.learning_rate");
    nonNegative(c.optimizer.weightDecay, "optimizer.weight_decay");
    if (!(c.optimizer.beta1 >= 0.0 && c.optimizer.beta1 < 1.0)) fail("optimizer.beta1 must lie in [0, 1)");
    if (!(c.optimizer.beta2 >= 0.0 && c.optimizer.beta2 < 1.0)) fail("optimizer.beta2 must lie in [0, 1)");
    positive(c.optimizer.epsilon, "optimizer.epsilon");

    nonNegative(c.schedule.warmupEpochs, "schedule.warmup_epochs");
    if (!(c.schedule.warmupStartFactor > 0.0 && c.schedule.warmupStartFactor <= 1.0))
        fail("schedule.warmup_start_factor must lie in (0, 1]");
    probability(c.schedule.minFactor, "schedule.min_factor");

    const auto& a = c.augmentation;
    probability(a.noiseProbability, "augmentation.noise_probability");
    positive(a.snrMin, "augmentation.snr_min");
    positive(a.snrMax, "augmentation.snr_max");
    if (a.snrMin > a.snrMax) fail("augmentation.snr_min must not exceed augmentation.snr_max");
    probability(a.rvProbability, "augmentation.rv_probability");
    nonNegative(a.rvJitterKms, "augmentation.rv_jitter_kms");
    probability(a.tiltProbability, "augmentation.tilt_probability");
    if (!(a.tiltMax >= 0.0 && a.tiltMax < 0.5)) fail("augmentation.tilt_max must lie in [0, 0.5)");
    probability(a.maskProbability, "augmentation.mask_probability");
    probability(a.maskMaxFraction, "augmentation.mask_max_fraction");

    if (c.sampling.balanceCells < 1) fail("sampling.balance_cells must be at least 1");
    nonNegative(c.sampling.balancePower, "sampling.balance_power");

    if (c.finetune.freezeStages < 0) fail("finetune.freeze_stages must be >= 0");
    if (c.finetune.earlyStages < 0) fail("finetune.early_stages must be >= 0");
    nonNegative(c.finetune.earlyLrFactor, "finetune.early_lr_factor");
    if (c.finetune.rehearsalRows < 0) fail("finetune.rehearsal_rows must be >= 0");
    if (c.finetune.rehearsalRows > 0 && c.finetune.rehearsalSet.empty())
        fail("finetune.rehearsal_rows is set but finetune.rehearsal_set is empty");

    if (c.earlyStopping.patience < 1) fail("early_stopping.patience must be at least 1");
    nonNegative(c.earlyStopping.minDelta, "early_stopping.min_delta");
    if (std::find(kMonitors.begin(), kMonitors.end(), c.earlyStopping.monitor) == kMonitors.end())
        fail("early_stopping.monitor must be one of val_loss, teff_rmse, logg_rmse, feh_rmse, not '" +
             c.earlyStopping.monitor + "'");

    const auto& l = c.loss;
    nonNegative(l.asl.gammaPos, "loss.asl.gamma_pos");
    nonNegative(l.asl.gammaNeg, "loss.asl.gamma_neg");
    if (!(l.asl.clip >= 0.0 && l.asl.clip < 1.0)) fail("loss.asl.clip must lie in [0, 1)");
    if (!(l.asl.labelSmoothing >= 0.0 && l.asl.labelSmoothing < 1.0))
        fail("loss.asl.label_smoothing must lie in [0, 1)");
    nonNegative(l.triplet.margin, "loss.triplet.margin");
    nonNegative(l.triplet.positiveRadius, "loss.triplet.positive_radius");
    if (!(l.triplet.negativeRadius >= l.triplet.positiveRadius))
        fail("loss.triplet.negative_radius must not be smaller than loss.triplet.positive_radius");
    nonNegative(l.targetSigmaBins, "loss.target_sigma_bins");
    for (double w : l.headWeights) nonNegative(w, "loss.head_weights");
    nonNegative(l.embeddingWeight, "loss.embedding_weight");

    try {
        c.network.validate();
    } catch (const Error& e) {
        fail("network: " + e.problem());
    }
    try {
        c.bins.validate();
    } catch (const Error& e) {
        fail("bins: " + e.problem());
    }
}

// Runs a strict from_json of a library type, naming the key on failure.
template <class T>
T parseSection(const json& j, const char* key, const std::string& what)
{
    try {
        return j.at(key).get<T>();
    } catch (const Error& e) {
        throw Error(what + ": " + key + ": " + e.problem());
    } catch (const json::exception& e) {
        throw Error(what + ": " + key + ": " + e.what());
    }
}

fs::path resolveAgainst(const fs::path& base, const std::string& path)
{
    if (path.empty()) return {};
    const fs::path p(path);
    return (p.is_absolute() ? p : base / p).lexically_normal();
}

}  // namespace

std::string toString(TrainMode mode)
{
    return mode == TrainMode::Pretrain ? "pretrain" : "finetune";
}

TrainMode parseTrainMode(const std::string& text)
{
    if (text == "pretrain") return TrainMode::Pretrain;
    if (text == "finetune") return TrainMode::Finetune;
    throw UsageError("training mode must be pretrain or finetune, not '" + text + "'");
}

void TrainConfig::validate() const
{
    const std::string what = "training config";
    checkValues(*this, what);
    if (mode == TrainMode::Finetune && validationSet.empty())
        throw Error(what + ": fine-tuning needs validation_set (the calibration stars)");
    if (mode == TrainMode::Pretrain && validationSet.empty() && validationFraction <= 0.0)
        throw Error(what + ": pretraining needs validation_set or a validation_fraction above 0");
}

nlohmann::json TrainConfig::toJson() const
{
    json j;
    j["mode"] = toString(mode);
    j["train_set"] = trainSet;
    j["validation_set"] = validationSet;
    j["validation_fraction"] = validationFraction;
    j["output_dir"] = outputDir;
    j["model_name"] = modelName;
    j["description"] = description;
    j["rv_template"] = rvTemplate;
    j["reference_rows"] = referenceRows;
    j["epochs"] = epochs;
    j["batch_size"] = batchSize;
    j["micro_batches"] = microBatches;
    j["gradient_clip"] = gradientClip;
    j["mixed_precision"] = mixedPrecision;
    j["seed"] = seed;
    j["device"] = device;
    j["threads"] = threads;
    j["log_every_steps"] = logEverySteps;
    j["validation_batch_size"] = validationBatchSize;
    j["optimizer"] = {{"learning_rate", optimizer.learningRate},
                      {"weight_decay", optimizer.weightDecay},
                      {"beta1", optimizer.beta1},
                      {"beta2", optimizer.beta2},
                      {"epsilon", optimizer.epsilon}};
    j["schedule"] = {{"kind", kindName(schedule.kind)},
                     {"warmup_epochs", schedule.warmupEpochs},
                     {"warmup_start_factor", schedule.warmupStartFactor},
                     {"min_factor", schedule.minFactor}};
    const auto& a = augmentation;
    j["augmentation"] = {{"enabled", a.enabled},
                         {"noise_probability", a.noiseProbability},
                         {"snr_min", a.snrMin},
                         {"snr_max", a.snrMax},
                         {"rv_probability", a.rvProbability},
                         {"rv_jitter_kms", a.rvJitterKms},
                         {"tilt_probability", a.tiltProbability},
                         {"tilt_max", a.tiltMax},
                         {"mask_probability", a.maskProbability},
                         {"mask_max_fraction", a.maskMaxFraction}};
    j["sampling"] = {{"balance", balanceName(sampling.balance)},
                     {"balance_cells", sampling.balanceCells},
                     {"balance_power", sampling.balancePower}};
    j["finetune"] = {{"freeze_stages", finetune.freezeStages},
                     {"early_stages", finetune.earlyStages},
                     {"early_lr_factor", finetune.earlyLrFactor},
                     {"rehearsal_set", finetune.rehearsalSet},
                     {"rehearsal_rows", finetune.rehearsalRows}};
    j["early_stopping"] = {{"enabled", earlyStopping.enabled},
                           {"patience", earlyStopping.patience},
                           {"min_delta", earlyStopping.minDelta},
                           {"monitor", earlyStopping.monitor}};
    j["loss"] = loss;
    j["network"] = network;
    j["bins"] = bins;
    return j;
}

TrainConfig TrainConfig::fromJson(const nlohmann::json& input, const std::string& what)
{
    if (!input.is_object()) throw Error(what + ": expected a JSON object, not " + std::string(input.type_name()));
    // Shape first (unknown keys, types) against the defaults, then read the merged whole: every
    // key below exists and has the right JSON type, so get<>() cannot fail on shape.
    json merged = TrainConfig{}.toJson();
    checkShape(input, merged, "", what);
    merged.merge_patch(input);
    if (merged["loss"]["head_weights"].size() != 3) throw Error(what + ": loss.head_weights must have 3 values");

    TrainConfig c;
    try {
        c.mode = parseTrainMode(merged["mode"].get<std::string>());
    } catch (const UsageError&) {
        throw Error(what + ": mode must be pretrain or finetune, not '" + merged["mode"].get<std::string>() + "'");
    }
    c.trainSet = merged["train_set"].get<std::string>();
    c.validationSet = merged["validation_set"].get<std::string>();
    c.validationFraction = merged["validation_fraction"].get<double>();
    c.outputDir = merged["output_dir"].get<std::string>();
    c.modelName = merged["model_name"].get<std::string>();
    c.description = merged["description"].get<std::string>();
    c.rvTemplate = merged["rv_template"].get<std::string>();
    c.referenceRows = merged["reference_rows"].get<int>();
    c.epochs = merged["epochs"].get<int>();
    c.batchSize = merged["batch_size"].get<int>();
    c.microBatches = merged["micro_batches"].get<int>();
    c.gradientClip = merged["gradient_clip"].get<double>();
    c.mixedPrecision = merged["mixed_precision"].get<bool>();
    c.seed = merged["seed"].get<std::uint64_t>();
    c.device = merged["device"].get<std::string>();
    c.threads = merged["threads"].get<int>();
    c.logEverySteps = merged["log_every_steps"].get<int>();
    c.validationBatchSize = merged["validation_batch_size"].get<int>();

    const auto& o = merged["optimizer"];
    c.optimizer.learningRate = o["learning_rate"].get<double>();
    c.optimizer.weightDecay = o["weight_decay"].get<double>();
    c.optimizer.beta1 = o["beta1"].get<double>();
    c.optimizer.beta2 = o["beta2"].get<double>();
    c.optimizer.epsilon = o["epsilon"].get<double>();

    const auto& s = merged["schedule"];
    c.schedule.kind =
        parseName(s["kind"].get<std::string>(),
                  std::array<std::pair<const char*, ScheduleKind>, 3>{{{"cosine", ScheduleKind::Cosine},
                                                                       {"one_cycle", ScheduleKind::OneCycle},
                                                                       {"constant", ScheduleKind::Constant}}},
                  "schedule.kind", what);
    c.schedule.warmupEpochs = s["warmup_epochs"].get<double>();
    c.schedule.warmupStartFactor = s["warmup_start_factor"].get<double>();
    c.schedule.minFactor = s["min_factor"].get<double>();

    const auto& a = merged["augmentation"];
    auto& ca = c.augmentation;
    ca.enabled = a["enabled"].get<bool>();
    ca.noiseProbability = a["noise_probability"].get<double>();
    ca.snrMin = a["snr_min"].get<double>();
    ca.snrMax = a["snr_max"].get<double>();
    ca.rvProbability = a["rv_probability"].get<double>();
    ca.rvJitterKms = a["rv_jitter_kms"].get<double>();
    ca.tiltProbability = a["tilt_probability"].get<double>();
    ca.tiltMax = a["tilt_max"].get<double>();
    ca.maskProbability = a["mask_probability"].get<double>();
    ca.maskMaxFraction = a["mask_max_fraction"].get<double>();

    const auto& sa = merged["sampling"];
    c.sampling.balance =
        parseName(sa["balance"].get<std::string>(),
                  std::array<std::pair<const char*, ClassBalance>, 2>{
                      {{"none", ClassBalance::None}, {"inverse_frequency", ClassBalance::InverseFrequency}}},
                  "sampling.balance", what);
    c.sampling.balanceCells = sa["balance_cells"].get<int>();
    c.sampling.balancePower = sa["balance_power"].get<double>();

    const auto& f = merged["finetune"];
    c.finetune.freezeStages = f["freeze_stages"].get<int>();
    c.finetune.earlyStages = f["early_stages"].get<int>();
    c.finetune.earlyLrFactor = f["early_lr_factor"].get<double>();
    c.finetune.rehearsalSet = f["rehearsal_set"].get<std::string>();
    c.finetune.rehearsalRows = f["rehearsal_rows"].get<int>();

    const auto& e = merged["early_stopping"];
    c.earlyStopping.enabled = e["enabled"].get<bool>();
    c.earlyStopping.patience = e["patience"].get<int>();
    c.earlyStopping.minDelta = e["min_delta"].get<double>();
    c.earlyStopping.monitor = e["monitor"].get<std::string>();

    c.loss = parseSection<LossConfig>(merged, "loss", what);
    c.network = parseSection<NetworkConfig>(merged, "network", what);
    c.bins = parseSection<LabelBins>(merged, "bins", what);

    checkValues(c, what);
    return c;
}

TrainConfig TrainConfig::load(const std::string& path)
{
    std::ifstream in(path);
    if (!in) throw Error("could not open the training config", path);
    json j;
    try {
        j = json::parse(in);
    } catch (const json::parse_error& e) {
        // e.what() carries nlohmann's "[json.exception.parse_error.101] parse error at line L, column C: ..."
        std::string detail = e.what();
        if (const auto at = detail.find("parse error"); at != std::string::npos) detail = detail.substr(at);
        throw Error("not valid JSON (" + detail + ")", path);
    }
    TrainConfig c;
    try {
        c = fromJson(j, "training config");
    } catch (const Error& e) {
        throw Error(e.problem(), path);
    }
    const fs::path base = fs::path(path).parent_path();
    c.trainSet = resolveAgainst(base, c.trainSet).string();
    c.validationSet = resolveAgainst(base, c.validationSet).string();
    c.outputDir = resolveAgainst(base, c.outputDir).string();
    c.rvTemplate = resolveAgainst(base, c.rvTemplate).string();
    c.finetune.rehearsalSet = resolveAgainst(base, c.finetune.rehearsalSet).string();
    return c;
}

TrainConfig TrainConfig::defaultsFor(TrainMode mode)
{
    TrainConfig c;
    c.mode = mode;
    if (mode == TrainMode::Finetune) {
        c.epochs = 30;
        c.batchSize = 16;
        c.optimizer.learningRate = 3e-4;
        c.finetune.freezeStages = 2;
        c.earlyStopping.patience = 8;
        c.validationFraction = 0.0;
    }
    return c;
}

}  // namespace remap::train
