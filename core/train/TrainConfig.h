#pragma once

// Every hyperparameter of a training run, read from a JSON file (docs/training.md lists the keys).
// Torch-free: the CLI and the GUI's training panel build and edit it.

#include "ml/LossConfig.h"
#include "ml/NetworkConfig.h"
#include "ml/ParameterBins.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace remap::train {

enum class TrainMode { Pretrain, Finetune };
std::string toString(TrainMode mode);  // "pretrain" | "finetune"
// The names above; throws remap::UsageError otherwise.
TrainMode parseTrainMode(const std::string& text);

struct OptimizerConfig {  // AdamW
    double learningRate = 1e-3;
    double weightDecay = 1e-2;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-8;
};

enum class ScheduleKind { Cosine, OneCycle, Constant };

// Learning-rate factor per optimizer step (multiplies each parameter group's base rate):
// linear warm-up from warmupStartFactor to 1 over warmupEpochs (may be fractional), then
//   cosine:    cosine decay to minFactor at the last step;
//   one-cycle: warm-up is the rising half, then cosine annealing to minFactor (Smith 2018);
//   constant:  1 after warm-up.
struct ScheduleConfig {
    ScheduleKind kind = ScheduleKind::Cosine;
    double warmupEpochs = 1.0;
    double warmupStartFactor = 0.05;
    double minFactor = 0.01;
};

// Applied per training sample, on the fly, each with its own probability. Deterministic for
// (seed, epoch, sample index), so resumed and data-parallel runs see the same augmented samples.
struct AugmentationConfig {
    bool enabled = true;
    // Noise to a S/N drawn log-uniformly in [snrMin, snrMax] (per pixel at continuum level). Spectra
    // already noisier than the draw are left alone; noiseless inputs (ivar 0, PHOENIX) get the full noise.
    double noiseProbability = 0.9;
    double snrMin = 25.0;
    double snrMax = 250.0;
    // Doppler shift by N(0, rvJitterKms) km/s (residual RV error of the preprocessing).
    double rvProbability = 0.5;
    double rvJitterKms = 1.5;
    // Multiplication by 1 + a x + b (3 x^2 - 1) / 2 (x in [-1, 1] over the grid; Legendre P1, P2 so
    // the mean level stays 1), |a|, |b| uniform up to tiltMax, random signs.
    double tiltProbability = 0.5;
    double tiltMax = 0.02;
    // Random runs of masked pixels (flux set to 1, mask 1), up to maskMaxFraction of the grid in
    // 1-3 runs (bad columns, gaps, telluric masks).
    double maskProbability = 0.3;
    double maskMaxFraction = 0.05;
};

enum class ClassBalance { None, InverseFrequency };

// Sampling of training rows. inverseFrequency: rows are drawn with weights proportional to
// count(cell)^-balancePower over a Teff x log g x [Fe/H] histogram (balanceCells per axis), so
// rare corners of the label space are seen as often as the crowded main sequence.
struct SamplingConfig {
    ClassBalance balance = ClassBalance::None;
    int balanceCells = 8;
    double balancePower = 0.5;
};

// What fine-tuning does to the pretrained network.
//   freezeStages K: the stem (stage 0) and the first K-1 residual stages get no updates (K = 0:
//   nothing frozen); the remaining "early" stages (index < earlyStages) learn at earlyLrFactor
//   times the base rate, the rest (later stages, embedding, heads) at the base rate.
// Batch-norm statistics of frozen stages are kept (their modules stay in eval mode).
// Rehearsal: rehearsalRows rows drawn (seeded) from rehearsalSet, usually the pretraining set, join
// the training rows, so the network keeps what it learnt outside the observed sample (a survey of
// dwarfs alone makes it forget giants: models/README.md).
struct FinetuneConfig {
    int freezeStages = 0;
    int earlyStages = 3;
    double earlyLrFactor = 0.1;
    std::string rehearsalSet;  // relative to the config file's folder; empty = no rehearsal
    int rehearsalRows = 0;
};

struct EarlyStoppingConfig {
    bool enabled = true;
    int patience = 5;                  // epochs without improvement of the monitored value
    double minDelta = 0.0;             // improvement smaller than this does not count
    std::string monitor = "val_loss";  // "val_loss" | "teff_rmse" | "logg_rmse" | "feh_rmse"
};

struct TrainConfig {
    TrainMode mode = TrainMode::Pretrain;
    // Data: HDF5 training sets (remap dataset build). Paths relative to the config file's folder.
    std::string trainSet;
    // Validation: a training set with labels (pretraining: held-out grid rows if empty and
    // validationFraction > 0; fine-tuning: the calibration stars, required).
    std::string validationSet;
    double validationFraction = 0.1;  // pretraining only, when validationSet is empty
    std::string outputDir = "run";    // the run folder (record, checkpoints, bundles)
    std::string modelName = "deep-remap";
    std::string description;  // model card text
    // A spectrum file stored in the bundle as its radial-velocity template, so the Predictor shifts
    // observed stars to rest (remap synth star writes one). Fine-tuning keeps the pretrained
    // bundle's template when this is empty.
    std::string rvTemplate;
    int referenceRows = 2000;  // training rows stored in the bundle for nearest-neighbour retrieval

    int epochs = 20;
    int batchSize = 64;           // global batch (all processes together)
    int microBatches = 1;         // the global batch is run as this many pieces (at least the process count)
    double gradientClip = 5.0;    // max global L2 norm; 0 = off
    bool mixedPrecision = false;  // bfloat16 autocast on CUDA; ignored on the CPU
    std::uint64_t seed = 1;
    std::string device = "auto";  // "auto" | "cpu" | "cuda"
    int threads = 0;              // torch intra-op threads; 0 = torch's default
    int logEverySteps = 10;       // a "step" record every N optimizer steps (and the last one)
    int validationBatchSize = 128;

    OptimizerConfig optimizer;
    ScheduleConfig schedule;
    AugmentationConfig augmentation;
    SamplingConfig sampling;
    FinetuneConfig finetune;
    EarlyStoppingConfig earlyStopping;
    LossConfig loss;
    NetworkConfig network;  // pretraining only (fine-tuning keeps the pretrained architecture)
    LabelBins bins;         // pretraining only

    // Throws remap::Error naming the first invalid key and why (ranges, unknown enum names, ...),
    // and when the mode lacks its validation data (fine-tuning: validation_set; pretraining:
    // validation_set or validation_fraction > 0).
    void validate() const;
    nlohmann::json toJson() const;
    // Reads a (partial) JSON object: keys not given keep their defaults; unknown keys are errors
    // (a typo must not silently train with a default). `what` names the source in errors. Checks
    // types and every value's range, but not the mode's data requirements (the CLI may still set
    // paths): call validate() before training.
    static TrainConfig fromJson(const nlohmann::json& json, const std::string& what = "training config");
    // Reads a file; relative data paths are resolved against its folder.
    static TrainConfig load(const std::string& path);
    // The defaults of a mode: pretraining, the values above; fine-tuning, a short and gentle run on
    // few stars (30 epochs, batch 16, lr 3e-4, the stem and first stage frozen, patience 8, no
    // held-out fraction). `remap train config --mode` and the GUI's training set-up start from these.
    static TrainConfig defaultsFor(TrainMode mode);
};

}  // namespace remap::train
