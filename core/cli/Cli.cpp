#include "Cli.h"

#include "Commands.h"
#include "base/Error.h"

#include <CLI/CLI.hpp>

#include <iostream>

namespace remap::cli {

int runCli(int argc, char** argv)
{
    installInterruptHandler();
    CliState state;
    state.argv.assign(argv, argv + argc);
    CLI::App app{
        "remap: stellar parameters (Teff, log g, [Fe/H]) from spectra with the deep-REMAP network.\n"
        "Exit status: 0 success, 1 error, 2 bad usage, 3 some inputs failed, 130 cancelled (Ctrl-C).",
        "remap"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("remap ") + REMAP_VERSION);
    addInfoCommand(app, state);
    addSynthCommands(app, state);
    addDatasetCommands(app, state);
    addPredictCommands(app, state);
    addTrainCommands(app, state);
    addEvaluateCommand(app, state);
    addCalibrateCommand(app, state);
    addMergeCommand(app, state);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int status = app.exit(e);
        return status == 0 ? kExitOk : kExitUsage;
    } catch (const UsageError& e) {
        std::cerr << "remap: " << e.what() << "\n(see --help)\n";
        return kExitUsage;
    } catch (const Cancelled&) {
        std::cerr << "\nremap: cancelled\n";
        return kExitCancelled;
    } catch (const Error& e) {
        std::cerr << "remap: error: " << e.what() << '\n';
        return kExitError;
    } catch (const std::bad_alloc&) {
        std::cerr << "remap: error: out of memory\n";
        return kExitError;
    } catch (const std::exception& e) {
        std::cerr << "remap: internal error: " << e.what() << '\n';
        return kExitError;
    }
    return state.exitCode;
}

}  // namespace remap::cli
