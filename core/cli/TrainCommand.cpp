// `remap train pretrain|finetune|config`: the training loop on the command line (docs/training.md).
#include "Commands.h"
#include "base/Error.h"
#include "train/Trainer.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

namespace remap::cli {
namespace {

using train::TrainMode;

struct TrainCliOptions {
    std::string config;
    std::string from;
    std::string out;
    bool resume = false;
    std::optional<int> epochs, batchSize, threads;
    std::optional<std::uint64_t> seed;
    std::optional<std::string> device;
    int nproc = 0;
    train::DistributedOptions distributed;
    std::optional<int> masterPort;  // given: used as is; else 29500, or a free port with --nproc
    bool json = false;
    bool quiet = false;
};

// Progress on stderr: one line per step (redrawn in place on a terminal, every few seconds
// otherwise), one table line per epoch, messages; Ctrl-C asks the trainer to stop after
// writing a checkpoint.
class ConsoleTrainingObserver final : public train::TrainingObserver {
public:
    ConsoleTrainingObserver(bool enabled, std::string monitor)
        : enabled_(enabled),
          isTerminal_(::isatty(STDERR_FILENO) != 0),
          monitor_(std::move(monitor)),
          loading_("train", enabled)
    {
    }

    void onProgress(std::size_t done, std::size_t total, std::string_view stage) override
    {
        if (stage == "validation") return;  // quick; the epoch line follows
        loading_.onProgress(done, total, stage);
    }
    bool cancelRequested() const override { return interruptRequested(); }

    void onStep(const train::StepReport& s) override
    {
        if (!enabled_) return;
        std::lock_guard lock(mutex_);
        loading_.finish();
        const auto now = std::chrono::steady_clock::now();
        const bool last = s.stepInEpoch + 1 == s.stepsPerEpoch;
        const auto gap = isTerminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000);
        if (!last && drawn_ && now - lastDraw_ < gap) return;
        lastDraw_ = now;
        drawn_ = true;
        char buf[256];
        std::snprintf(buf, sizeof buf, "epoch %d/%d  step %d/%d  loss %.4f  lr %.2e  %.0f spectra/s  ETA %s",
                      s.epoch + 1, epochs_ > 0 ? epochs_ : 0, s.stepInEpoch + 1, s.stepsPerEpoch, s.loss,
                      s.learningRate, s.samplesPerSecond, formatDuration(s.etaSeconds).c_str());
        if (isTerminal_) {
            std::fprintf(stderr, "\r\033[K%s", buf);
            open_ = true;
        } else {
            std::fprintf(stderr, "%s\n", buf);
        }
        std::fflush(stderr);
    }

    void onEpoch(const train::EpochReport& e) override
    {
        epochs_ = e.epochs;
        if (!enabled_) return;
        std::lock_guard lock(mutex_);
        endLine();
        if (!headerShown_) {
            std::fprintf(stderr, "%-7s %10s %10s %10s %10s %10s %8s\n", "epoch", "train", "val loss", "Teff rmse",
                         "logg rmse", "feh rmse", "time");
            headerShown_ = true;
        }
        const auto& m = e.validation;
        char epoch[32];
        if (e.epoch < 0)
            std::snprintf(epoch, sizeof epoch, "base");
        else
            std::snprintf(epoch, sizeof epoch, "%d/%d", e.epoch + 1, e.epochs);
        std::fprintf(stderr, "%-7s %10.4f %10.4f %10.1f %10.3f %10.3f %8s%s\n", epoch, e.trainLoss, m.loss,
                     m[Param::Teff].rmse, m[Param::Logg].rmse, m[Param::Feh].rmse, formatDuration(e.seconds).c_str(),
                     e.improved ? "  * best" : "");
        std::fflush(stderr);
    }

    void onMessage(const std::string& text) override
    {
        if (!enabled_) return;
        std::lock_guard lock(mutex_);
        endLine();
        std::fprintf(stderr, "remap train: %s\n", text.c_str());
    }

    void setEpochs(int epochs) { epochs_ = epochs; }
    void finish()
    {
        std::lock_guard lock(mutex_);
        loading_.finish();
        endLine();
    }

private:
    void endLine()
    {
        if (open_) std::fprintf(stderr, "\n");
        open_ = false;
    }

    bool enabled_;
    bool isTerminal_;
    std::string monitor_;
    ConsoleProgress loading_;
    std::mutex mutex_;
    bool drawn_ = false, open_ = false, headerShown_ = false;
    int epochs_ = 0;
    std::chrono::steady_clock::time_point lastDraw_{};
};

// The config file's explicit "mode", if it has one.
std::optional<std::string> explicitMode(const std::string& path)
{
    std::ifstream in(path);
    if (!in) return std::nullopt;
    try {
        const auto j = nlohmann::json::parse(in);
        if (j.is_object() && j.contains("mode") && j["mode"].is_string()) return j["mode"].get<std::string>();
    } catch (const nlohmann::json::exception&) {
        // TrainConfig::load reports the parse error with the file name.
    }
    return std::nullopt;
}

std::vector<std::string> withoutNproc(const std::vector<std::string>& argv)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (argv[i] == "--nproc") {
            ++i;  // and its value
            continue;
        }
        if (argv[i].rfind("--nproc=", 0) == 0) continue;
        out.push_back(argv[i]);
    }
    return out;
}

std::string commandLine(const std::vector<std::string>& argv)
{
    std::string line;
    for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
    return line;
}

void runTrain(TrainMode mode, const TrainCliOptions& o, CliState& state)
{
    const std::string modeName = train::toString(mode);
    if (const auto m = explicitMode(o.config); m && *m != modeName)
        throw UsageError(o.config + " is a " + *m + " config; use 'remap train " + *m + "'");
    train::TrainOptions options;
    options.config = train::TrainConfig::load(o.config);
    auto& c = options.config;
    c.mode = mode;
    if (!o.out.empty()) c.outputDir = o.out;
    if (o.epochs) c.epochs = *o.epochs;
    if (o.batchSize) c.batchSize = *o.batchSize;
    if (o.seed) c.seed = *o.seed;
    if (o.device) c.device = *o.device;
    if (o.threads) c.threads = *o.threads;
    c.validate();
    if (mode == TrainMode::Finetune && o.from.empty()) throw UsageError("fine-tuning needs --from BUNDLE");

    if (o.nproc > 0) {
        if (o.distributed.worldSize > 1) throw UsageError("--nproc cannot be combined with --world-size");
        state.exitCode = train::launchLocalWorkers(o.nproc, withoutNproc(state.argv), o.masterPort.value_or(0));
        return;
    }

    options.fromBundle = o.from;
    options.resume = o.resume;
    options.distributed = o.distributed;
    if (o.masterPort) options.distributed.masterPort = *o.masterPort;
    options.command = commandLine(state.argv);
    const bool rank0 = o.distributed.rank == 0;
    ConsoleTrainingObserver observer(!o.quiet && rank0, c.earlyStopping.monitor);
    observer.setEpochs(c.epochs);
    train::TrainResult result;
    try {
        result = train::runTraining(options, observer);
    } catch (...) {
        observer.finish();
        throw;
    }
    observer.finish();
    if (!rank0) return;
    if (o.json) {
        nlohmann::json j{
            {"status", result.status},
            {"epochs_done", result.epochsDone},
            {"best_epoch", result.bestEpoch},
            {"monitor", c.earlyStopping.monitor},
            {"best_value", std::isfinite(result.bestValue) ? nlohmann::json(result.bestValue) : nlohmann::json()},
            {"bundle", result.bundlePath},
            {"run_dir", c.outputDir},
            {"seconds", result.seconds},
            {"metrics", train::metricsToJson(result.finalMetrics)}};
        if (mode == TrainMode::Finetune) j["baseline_metrics"] = train::metricsToJson(result.baselineMetrics);
        printJson(j);
        return;
    }
    std::printf("%s: %s after %d epochs (best epoch %d, %s %.4g) in %s\n", result.bundlePath.c_str(),
                result.status.c_str(), result.epochsDone, result.bestEpoch + 1, c.earlyStopping.monitor.c_str(),
                result.bestValue, formatDuration(result.seconds).c_str());
    std::printf("%s", train::formatMetricsTable(result.finalMetrics).c_str());
    if (mode == TrainMode::Finetune) {
        std::printf("before fine-tuning (the pretrained model):\n");
        std::printf("%s", train::formatMetricsTable(result.baselineMetrics).c_str());
    }
}

void addRunOptions(CLI::App* cmd, const std::shared_ptr<TrainCliOptions>& o)
{
    cmd->add_option("--config", o->config, "Training config JSON (start from 'remap train config')")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_flag("--resume", o->resume, "Continue from RUN/checkpoint.pt (epochs may be raised)");
    cmd->add_option("--out", o->out, "Run folder (default: output_dir of the config)");
    cmd->add_option("--epochs", o->epochs, "Override epochs")->check(CLI::PositiveNumber);
    cmd->add_option("--batch-size", o->batchSize, "Override batch_size (the global batch)")->check(CLI::PositiveNumber);
    cmd->add_option("--seed", o->seed, "Override seed");
    cmd->add_option("--device", o->device, "Override device: auto, cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    cmd->add_option("--threads", o->threads, "Override threads (torch intra-op threads; 0 = default)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--nproc", o->nproc, "Data-parallel: start N local processes (one batch split over them)")
        ->check(CLI::Range(1, 64));
    cmd->add_option("--rank", o->distributed.rank, "Multi-machine: this process's rank (0 writes the run)");
    cmd->add_option("--world-size", o->distributed.worldSize, "Multi-machine: number of processes");
    cmd->add_option("--master-addr", o->distributed.masterAddr, "Multi-machine: address of rank 0 (default 127.0.0.1)");
    cmd->add_option("--master-port", o->masterPort, "Multi-machine: TCP port of rank 0 (default 29500)");
    cmd->add_flag("--json", o->json, "Print the result as JSON");
    cmd->add_flag("-q,--quiet", o->quiet, "No progress output");
}

}  // namespace

void addTrainCommands(CLI::App& app, CliState& state)
{
    auto* trainCmd = app.add_subcommand("train", "Train the deep-REMAP network: pretrain, finetune, config.");
    trainCmd->require_subcommand(1);
    trainCmd->footer(
        "The run folder holds record.jsonl (one JSON line per event), config.json, checkpoint.pt, best.remap and\n"
        "model.remap. Ctrl-C writes a checkpoint and exits with status 130; --resume continues exactly there.\n"
        "See docs/training.md for the config keys.");

    auto pre = std::make_shared<TrainCliOptions>();
    auto* p = trainCmd->add_subcommand("pretrain", "Train a new network on a (synthetic) training set.");
    addRunOptions(p, pre);
    p->callback([pre, &state] { runTrain(TrainMode::Pretrain, *pre, state); });

    auto fine = std::make_shared<TrainCliOptions>();
    auto* f = trainCmd->add_subcommand("finetune", "Fine-tune a pretrained bundle on observed stars with labels.");
    addRunOptions(f, fine);
    f->add_option("--from", fine->from, "The pretrained model bundle (.remap)")->required()->check(CLI::ExistingFile);
    f->callback([fine, &state] { runTrain(TrainMode::Finetune, *fine, state); });

    struct ConfigOptions {
        std::string mode = "pretrain";
        std::string out;
    };
    auto cfg = std::make_shared<ConfigOptions>();
    auto* c = trainCmd->add_subcommand("config", "Print a complete default training config (JSON) to edit.");
    c->add_option("--mode", cfg->mode, "pretrain or finetune")->check(CLI::IsMember({"pretrain", "finetune"}));
    c->add_option("-o,--out", cfg->out, "Write to this file instead of stdout");
    c->callback([cfg] {
        const train::TrainConfig config = train::TrainConfig::defaultsFor(train::parseTrainMode(cfg->mode));
        const std::string text = config.toJson().dump(2) + "\n";
        if (cfg->out.empty()) {
            std::cout << text;
            return;
        }
        std::ofstream out(cfg->out);
        out << text;
        if (!out.flush()) throw Error("could not write the config", cfg->out);
    });
}

}  // namespace remap::cli
