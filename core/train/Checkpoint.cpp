#include "train/Checkpoint.h"

#include "base/AtomicFile.h"
#include "base/Error.h"

#include <torch/serialize.h>

#include <filesystem>

namespace remap::train {
namespace {

constexpr const char* kFormat = "remap-checkpoint";

// The first line of a torch/c10 message (they carry long C++ backtraces after it).
std::string firstLine(const std::string& text)
{
    const auto nl = text.find('\n');
    return nl == std::string::npos ? text : text.substr(0, nl);
}

void requireFile(const std::string& path)
{
    if (!std::filesystem::is_regular_file(path))
        throw Error("no checkpoint to resume from (the run folder has no " + std::string(kCheckpointFileName) + ")",
                    path);
}

nlohmann::json readState(torch::serialize::InputArchive& archive, const std::string& path)
{
    c10::IValue format, state;
    if (!archive.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat)
        throw Error("not a REMAP training checkpoint", path);
    if (!archive.try_read("state", state) || !state.isString()) throw Error("the checkpoint has no state record", path);
    try {
        return nlohmann::json::parse(state.toStringRef());
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("the checkpoint's state record is not valid JSON: ") + e.what(), path);
    }
}

}  // namespace

void saveCheckpoint(const std::string& path, const nlohmann::json& state, RemapNet& network, MultiTaskLoss& loss,
                    const torch::optim::Optimizer& optimizer)
{
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kFormat)));
    archive.write("state", c10::IValue(state.dump()));
    torch::serialize::OutputArchive net, lossArchive, opt;
    network->save(net);
    loss->save(lossArchive);
    optimizer.save(opt);
    archive.write("network", net);
    archive.write("loss", lossArchive);
    archive.write("optimizer", opt);
    writeAtomically(path, [&](const std::string& tmp) {
        try {
            archive.save_to(tmp);
        } catch (const c10::Error& e) {
            throw Error("could not write the checkpoint (" + firstLine(e.what()) + ")", path);
        }
    });
}

nlohmann::json readCheckpointState(const std::string& path)
{
    requireFile(path);
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(path);
        return readState(archive, path);
    } catch (const c10::Error& e) {
        throw Error("the checkpoint is damaged or not a checkpoint (" + firstLine(e.what()) + ")", path);
    }
}

nlohmann::json loadCheckpoint(const std::string& path, RemapNet& network, MultiTaskLoss& loss,
                              torch::optim::Optimizer& optimizer, const torch::Device& device)
{
    requireFile(path);
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(path, device);
        auto state = readState(archive, path);
        torch::serialize::InputArchive net, lossArchive, opt;
        archive.read("network", net);
        archive.read("loss", lossArchive);
        archive.read("optimizer", opt);
        network->load(net);
        loss->load(lossArchive);
        optimizer.load(opt);
        return state;
    } catch (const c10::Error& e) {
        throw Error("the checkpoint does not fit this run or is damaged (" + firstLine(e.what()) + ")", path);
    }
}

}  // namespace remap::train
