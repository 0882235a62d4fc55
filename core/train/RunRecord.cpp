#include "train/RunRecord.h"

#include "base/Error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iterator>
#include <limits>
#include <sstream>

namespace remap::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string isoTimeUtc()
{
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    const std::size_t len = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + len, sizeof buf - len, ".%03dZ", static_cast<int>(ms));
    return buf;
}

// JSON has no NaN: unknown values (a star without a reference label, a diverged loss) are null.
json number(double v)
{
    return std::isfinite(v) ? json(v) : json(nullptr);
}

double toNumber(const json& j)
{
    return j.is_null() ? kNaN : j.get<double>();
}

double numberAt(const json& j, const char* key)
{
    return toNumber(j.at(key));
}

json triple(const std::array<double, 3>& v)
{
    return json::array({number(v[0]), number(v[1]), number(v[2])});
}

std::array<double, 3> tripleFrom(const json& j)
{
    if (!j.is_array() || j.size() != 3) throw Error("expected an array of 3 numbers");
    return {toNumber(j[0]), toNumber(j[1]), toNumber(j[2])};
}

std::string recordPath(const std::string& runDir)
{
    return (fs::path(runDir) / kRecordFileName).string();
}

json parseLine(const std::string& line, const std::string& path, std::size_t lineNo)
{
    try {
        json j = json::parse(line);
        if (!j.is_object()) throw Error("line " + std::to_string(lineNo) + " is not a JSON object", path);
        return j;
    } catch (const json::parse_error& e) {
        throw Error("line " + std::to_string(lineNo) + " is not valid JSON (" + e.what() + ")", path);
    }
}

}  // namespace

// --- writer ------------------------------------------------------------------------------------

RunRecordWriter::RunRecordWriter(const std::string& runDir, bool append) : path_(recordPath(runDir))
{
    std::error_code ec;
    fs::create_directories(runDir, ec);
    if (ec) throw Error("could not create the run folder (" + ec.message() + ")", runDir);
    out_.open(path_, append ? std::ios::app : std::ios::trunc);
    if (!out_) throw Error("could not open the run record for writing", path_);
}

void RunRecordWriter::write(const nlohmann::json& line)
{
    json j = line;
    if (!j.contains("time")) j["time"] = isoTimeUtc();
    // One string, one write, one flush: a reader sees whole lines or a partial last one, never
    // two lines interleaved.
    const std::string text = j.dump() + '\n';
    std::lock_guard lock(mutex_);
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
    out_.flush();
    if (!out_) throw Error("could not append to the run record", path_);
}

void RunRecordWriter::writeStep(const StepReport& step)
{
    write(stepToJson(step));
}

void RunRecordWriter::writeEpoch(const EpochReport& epoch)
{
    write(epochToJson(epoch));
}

void RunRecordWriter::writeMessage(const std::string& text)
{
    write({{"type", "message"}, {"text", text}});
}

// --- conversion --------------------------------------------------------------------------------

nlohmann::json stepToJson(const StepReport& s)
{
    return {{"type", "step"},
            {"epoch", s.epoch},
            {"step", s.stepInEpoch},
            {"steps_per_epoch", s.stepsPerEpoch},
            {"global_step", s.globalStep},
            {"total_steps", s.totalSteps},
            {"lr", number(s.learningRate)},
            {"loss", number(s.loss)},
            {"task_losses",
             {{"teff", number(s.taskLosses[0])},
              {"logg", number(s.taskLosses[1])},
              {"feh", number(s.taskLosses[2])},
              {"embedding", number(s.taskLosses[3])}}},
            {"samples_per_s", number(s.samplesPerSecond)},
            {"eta_s", number(s.etaSeconds)}};
}

StepReport stepFromJson(const nlohmann::json& j)
{
    StepReport s;
    s.epoch = j.at("epoch").get<int>();
    s.stepInEpoch = j.at("step").get<int>();
    s.stepsPerEpoch = j.at("steps_per_epoch").get<int>();
    s.globalStep = j.at("global_step").get<std::int64_t>();
    s.totalSteps = j.at("total_steps").get<std::int64_t>();
    s.learningRate = numberAt(j, "lr");
    s.loss = numberAt(j, "loss");
    const auto& t = j.at("task_losses");
    s.taskLosses = {numberAt(t, "teff"), numberAt(t, "logg"), numberAt(t, "feh"), numberAt(t, "embedding")};
    s.samplesPerSecond = numberAt(j, "samples_per_s");
    s.etaSeconds = numberAt(j, "eta_s");
    return s;
}

nlohmann::json epochToJson(const EpochReport& e)
{
    json predictions = json::array();
    for (const auto& p : e.predictions)
        predictions.push_back({{"id", p.id},
                               {"reference", triple(p.reference)},
                               {"mean", triple(p.mean)},
                               {"p16", triple(p.p16)},
                               {"p84", triple(p.p84)}});
    return {{"type", "epoch"},
            {"epoch", e.epoch},
            {"epochs", e.epochs},
            {"train_loss", number(e.trainLoss)},
            {"metrics", metricsToJson(e.validation)},
            {"lr", number(e.learningRate)},
            {"seconds", number(e.seconds)},
            {"eta_s", number(e.etaSeconds)},
            {"improved", e.improved},
            {"predictions", std::move(predictions)}};
}

EpochReport epochFromJson(const nlohmann::json& j)
{
    EpochReport e;
    e.epoch = j.at("epoch").get<int>();
    e.epochs = j.at("epochs").get<int>();
    e.trainLoss = numberAt(j, "train_loss");
    e.validation = metricsFromJson(j.at("metrics"));
    e.learningRate = numberAt(j, "lr");
    e.seconds = numberAt(j, "seconds");
    e.etaSeconds = numberAt(j, "eta_s");
    e.improved = j.at("improved").get<bool>();
    if (const auto it = j.find("predictions"); it != j.end()) {
        for (const auto& p : *it) {
            StarPrediction s;
            s.id = p.at("id").get<std::string>();
            s.reference = tripleFrom(p.at("reference"));
            s.mean = tripleFrom(p.at("mean"));
            s.p16 = tripleFrom(p.at("p16"));
            s.p84 = tripleFrom(p.at("p84"));
            e.predictions.push_back(std::move(s));
        }
    }
    return e;
}

// --- reading -----------------------------------------------------------------------------------

std::string RunRecord::status() const
{
    if (end.is_null()) return "running";
    const auto it = end.find("status");
    return it != end.end() && it->is_string() ? it->get<std::string>() : "unknown";
}

RunRecord RunRecord::read(const std::string& runDir)
{
    const std::string path = recordPath(runDir);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("no run record here (" + std::string(kRecordFileName) + " is missing or unreadable)", runDir);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

    RunRecord record;
    record.runDir = runDir;
    std::size_t lineNo = 0;
    std::size_t begin = 0;
    // Only newline-terminated lines are complete; a last line without one is still being written.
    for (std::size_t nl = text.find('\n'); nl != std::string::npos; begin = nl + 1, nl = text.find('\n', begin)) {
        ++lineNo;
        const std::string line = text.substr(begin, nl - begin);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const json j = parseLine(line, path, lineNo);
        const std::string type = j.value("type", "");
        try {
            if (type == "start") {
                record.start = j;
                record.end = nullptr;  // a resumed run is running again
            } else if (type == "step") {
                StepReport s = stepFromJson(j);
                // A resumed run repeats the steps after its checkpoint: the later ones replace them.
                while (!record.steps.empty() && record.steps.back().globalStep >= s.globalStep) record.steps.pop_back();
                record.steps.push_back(s);
            } else if (type == "epoch") {
                EpochReport e = epochFromJson(j);
                if (e.epoch < 0) {
                    record.baseline = std::move(e);
                } else {
                    std::erase_if(record.epochs, [&](const EpochReport& old) { return old.epoch >= e.epoch; });
                    record.epochs.push_back(std::move(e));
                }
            } else if (type == "message") {
                record.messages.push_back(j.at("text").get<std::string>());
            } else if (type == "end") {
                record.end = j;
            }
            // Other types are from a newer program: skipped.
        } catch (const json::exception& e) {
            throw Error("line " + std::to_string(lineNo) + " (" + type + ") is malformed (" + e.what() + ")", path);
        } catch (const Error& e) {
            throw Error("line " + std::to_string(lineNo) + " (" + type + ") is malformed (" + e.problem() + ")", path);
        }
    }
    return record;
}

// --- following ---------------------------------------------------------------------------------

RunRecordFollower::RunRecordFollower(std::string runDir) : path_(recordPath(runDir)) {}

std::vector<nlohmann::json> RunRecordFollower::poll()
{
    std::vector<json> lines;
    std::error_code ec;
    const auto size = fs::file_size(path_, ec);
    if (ec) return lines;                               // no record yet
    if (static_cast<std::streamoff>(size) < offset_) {  // replaced by a new run: start over
        offset_ = 0;
        pending_.clear();
        lineNo_ = 0;
    }
    if (static_cast<std::streamoff>(size) > offset_) {
        std::ifstream in(path_, std::ios::binary);
        if (!in) return lines;
        in.seekg(offset_);
        const std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        offset_ += static_cast<std::streamoff>(chunk.size());
        pending_ += chunk;
    }
    std::size_t begin = 0;
    for (std::size_t nl = pending_.find('\n'); nl != std::string::npos;
         begin = nl + 1, nl = pending_.find('\n', begin)) {
        ++lineNo_;
        const std::string line = pending_.substr(begin, nl - begin);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            lines.push_back(parseLine(line, path_, lineNo_));
        } catch (...) {
            if (!lines.empty()) {  // hand out the good lines first; the next poll reports this one
                --lineNo_;
                pending_.erase(0, begin);
                return lines;
            }
            pending_.erase(0, nl + 1);  // a later poll goes on after the bad line
            throw;
        }
    }
    pending_.erase(0, begin);
    return lines;
}

}  // namespace remap::train
