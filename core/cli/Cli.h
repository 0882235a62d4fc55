#pragma once

namespace remap::cli {

// The whole `remap` command line; returns the process exit status. Never throws.
int runCli(int argc, char** argv);

}  // namespace remap::cli
