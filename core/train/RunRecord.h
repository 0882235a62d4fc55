#pragma once

// The run record: what a training run writes so that another process (the GUI training panel,
// a notebook, `tail -f`) can follow it while it runs, and compare runs afterwards.
//
// RUN/record.jsonl, one JSON object per line, appended and flushed line by line; a reader skips a
// last line that is still being written. Line types ("type" key):
//   "start":    {config, mode, revision, version, device, world_size, train_rows, validation_rows,
//                parameters, resumed_from (or null), time}
//   "step":     StepReport fields {epoch, step, steps_per_epoch, global_step, total_steps, lr, loss,
//                task_losses: {teff, logg, feh, embedding}, samples_per_s, eta_s, time}
//   "epoch":    EpochReport fields {epoch, epochs, train_loss, metrics (metricsToJson), lr, seconds,
//                eta_s, improved, predictions: [{id, reference[3], mean[3], p16[3], p84[3]}]}
//               epoch -1 is the fine-tuning baseline (the pretrained model before any step)
//   "message":  {text, time}
//   "end":      {status: "finished" | "early_stopped" | "cancelled" | "failed", error, epochs_done,
//                best_epoch, best_value, bundle, seconds, time}
// RUN/config.json is the resolved configuration; RUN/checkpoint.pt the latest checkpoint;
// RUN/best.remap the bundle of the best epoch; RUN/model.remap the final bundle (a copy of the
// best one when early stopping or a monitor chose it).

#include "train/Metrics.h"
#include "train/TrainingObserver.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace remap::train {

inline constexpr const char* kRecordFileName = "record.jsonl";

// Appends lines to RUN/record.jsonl (creating the folder). Thread-safe.
class RunRecordWriter {
public:
    // append = false starts a new record (replacing any old one); true continues one (resume).
    RunRecordWriter(const std::string& runDir, bool append);
    void write(const nlohmann::json& line);  // adds "time" (ISO 8601 UTC) when missing
    void writeStep(const StepReport& step);
    void writeEpoch(const EpochReport& epoch);
    void writeMessage(const std::string& text);
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::ofstream out_;
    std::mutex mutex_;
};

nlohmann::json stepToJson(const StepReport& step);
nlohmann::json epochToJson(const EpochReport& epoch);
StepReport stepFromJson(const nlohmann::json& json);
EpochReport epochFromJson(const nlohmann::json& json);

// A run as read back from its folder. Reading never throws for a partial last line; it throws
// remap::Error (naming the file and line) when a complete line is not valid JSON or the folder has
// no record.
struct RunRecord {
    std::string runDir;
    nlohmann::json start;  // the last "start" line (a resumed run has several)
    std::vector<StepReport> steps;
    std::vector<EpochReport> epochs;      // in order; a resumed run's repeated epochs keep the latest
    std::optional<EpochReport> baseline;  // fine-tuning: the pretrained model's metrics
    std::vector<std::string> messages;
    nlohmann::json end;  // null while running

    bool finished() const { return !end.is_null(); }
    std::string status() const;  // end.status, or "running"

    static RunRecord read(const std::string& runDir);
};

// Incremental reader for a live run: poll() reads only what was appended since the last call.
class RunRecordFollower {
public:
    explicit RunRecordFollower(std::string runDir);
    // New complete lines since the last poll (parsed); empty when nothing new or no file yet.
    // A file that became shorter (a new run replaced the record) is read again from its start.
    // Throws remap::Error (file and line number) for a complete line that is not JSON.
    std::vector<nlohmann::json> poll();

private:
    std::string path_;
    std::streamoff offset_ = 0;
    std::string pending_;
    std::size_t lineNo_ = 0;  // complete lines consumed so far
};

}  // namespace remap::train
