#pragma once

// Command-line options of the benchmark programs: `--name value` and `--flag`.

#include <string>

namespace remap::bench {

inline std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback)
{
    for (int i = 1; i + 1 < argc; ++i)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}

inline bool flag(int argc, char** argv, const std::string& name)
{
    for (int i = 1; i < argc; ++i)
        if (argv[i] == name) return true;
    return false;
}

}  // namespace remap::bench
