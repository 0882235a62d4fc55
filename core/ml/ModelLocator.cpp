#include "ml/ModelLocator.h"

#include "base/Error.h"

#include <cstdlib>
#include <filesystem>

namespace remap {
namespace {

namespace fs = std::filesystem;

fs::path programFolder()
{
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path{} : exe.parent_path();
}

std::vector<fs::path> shareCandidates(const std::string& sub)
{
    std::vector<fs::path> out;
    if (const fs::path bin = programFolder(); !bin.empty()) {
        out.push_back(bin / "../share/remap-studio" / sub);
        out.push_back(bin / ".." / sub);
    }
    return out;
}

}  // namespace

std::vector<std::string> shippedModelCandidates()
{
    std::vector<std::string> out;
    for (const auto& folder : shareCandidates("models")) out.push_back((folder / kShippedModelName).string());
    out.push_back((fs::path(REMAP_SOURCE_DIR) / "models" / kShippedModelName).string());
    return out;
}

std::string locateModel(const std::string& given)
{
    if (!given.empty()) return given;
    if (const char* env = std::getenv("REMAP_MODEL"); env && *env) return env;
    // Scripts (and the tests) that must never fall back on the shipped model set this.
    const char* noShipped = std::getenv("REMAP_NO_SHIPPED_MODEL");
    std::error_code ec;
    if (!(noShipped && *noShipped))
        for (const auto& candidate : shippedModelCandidates())
            if (fs::is_regular_file(candidate, ec)) return fs::weakly_canonical(candidate, ec).string();
    throw UsageError("no model: pass --model BUNDLE or set REMAP_MODEL (the shipped model " +
                     std::string(kShippedModelName) + " was not found beside the program)");
}

std::vector<std::string> demoDataFolders()
{
    std::vector<fs::path> candidates = shareCandidates("demo-survey");
    for (const auto& folder : shareCandidates("demo")) candidates.push_back(folder);
    candidates.push_back(fs::path(REMAP_BINARY_DIR) / "demo-survey");
    candidates.push_back(fs::path(REMAP_SOURCE_DIR) / "resources/demo");
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& c : candidates)
        if (fs::is_directory(c, ec)) out.push_back(fs::weakly_canonical(c, ec).string());
    return out;
}

}  // namespace remap
