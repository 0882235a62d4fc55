#include "AtomicFile.h"

#include "Error.h"

#include <unistd.h>
#include <atomic>
#include <filesystem>

namespace remap {

void writeAtomically(const std::string& finalPath, const std::function<void(const std::string& tmpPath)>& write)
{
    namespace fs = std::filesystem;
    static std::atomic<unsigned> counter{0};
    const fs::path target(finalPath);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error("the output folder does not exist", dir.string());
    // Keep the extension so writers that look at it (HDF5, FITS) still recognise the file.
    std::string name = ".";
    name += target.stem().string();
    name += ".tmp";
    name += std::to_string(::getpid());
    name += '-';
    name += std::to_string(counter++);
    name += target.extension().string();
    const std::string tmp = (dir / name).string();
    try {
        write(tmp);
        fs::rename(tmp, target);
    } catch (const fs::filesystem_error& e) {
        fs::remove(tmp, ec);
        throw Error(std::string("could not move the finished file into place: ") + e.what(), finalPath);
    } catch (...) {
        fs::remove(tmp, ec);
        throw;
    }
}

}  // namespace remap
