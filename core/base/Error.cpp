#include "Error.h"

namespace remap {
namespace {
std::string compose(const std::string& problem, const std::string& file, int hdu)
{
    std::string out;
    if (!file.empty()) {
        out = file;
        if (hdu >= 0) out += " [HDU " + std::to_string(hdu) + "]";
        out += ": ";
    }
    return out + problem;
}
}  // namespace

Error::Error(const std::string& problem, std::string file, int hdu)
    : std::runtime_error(compose(problem, file, hdu)), problem_(problem), file_(std::move(file)), hdu_(hdu)
{
}

}  // namespace remap
