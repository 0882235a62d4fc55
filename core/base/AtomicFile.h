#pragma once

#include <functional>
#include <string>

namespace remap {

// Writes `finalPath` atomically: `write` receives a temporary path in the same folder, and the
// file is renamed over `finalPath` only after `write` returned. If `write` throws, the
// temporary file is removed and any existing `finalPath` is left untouched.
void writeAtomically(const std::string& finalPath, const std::function<void(const std::string& tmpPath)>& write);

}  // namespace remap
