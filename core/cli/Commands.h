#pragma once

#include "CliSupport.h"

namespace CLI {
class App;
}

namespace remap::cli {

// Each adds one subcommand (and its help) to the `remap` application.
void addInfoCommand(CLI::App& app, CliState& state);
void addSynthCommands(CLI::App& app, CliState& state);
void addDatasetCommands(CLI::App& app, CliState& state);
void addPredictCommands(CLI::App& app, CliState& state);
void addTrainCommands(CLI::App& app, CliState& state);
void addEvaluateCommand(CLI::App& app, CliState& state);
void addCalibrateCommand(CLI::App& app, CliState& state);
void addMergeCommand(CLI::App& app, CliState& state);

}  // namespace remap::cli
