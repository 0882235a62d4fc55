#include "cli/Cli.h"

int main(int argc, char** argv)
{
    return remap::cli::runCli(argc, argv);
}
