// `remap merge OUT`: joins the shard files that `remap predict|evaluate --shard K/N -o OUT` wrote.
#include "Commands.h"
#include "ml/Sharding.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace remap::cli {

void addMergeCommand(CLI::App& app, CliState&)
{
    auto out = std::make_shared<std::string>();
    auto* merge = app.add_subcommand(
        "merge",
        "Joins the shards of a job-array run: OUT.shard-1-of-N.EXT ... OUT.shard-N-of-N.EXT (written by\n"
        "`remap predict|evaluate --shard K/N -o OUT.EXT`) into OUT.EXT, in shard order, which is the order of\n"
        "the inputs. Refuses when a shard is missing or the shards differ (columns, model, bins). CSV, FITS and\n"
        "HDF5; the shard files are kept.");
    merge->add_option("output", *out, "The output the shards were written for, e.g. predictions.csv")->required();
    merge->callback([out] {
        const std::size_t rows = mergeShards(*out);
        std::printf("%s: %zu rows merged from %zu shards\n", out->c_str(), rows, findShardFiles(*out).size());
    });
}

}  // namespace remap::cli
