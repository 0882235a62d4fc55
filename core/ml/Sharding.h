#pragma once

// Survey-scale runs split over a job array: `remap predict|evaluate --shard K/N -o OUT` predicts block K
// (1-based) of N of the input list and writes OUT's shard file; `remap merge OUT` joins the N shard
// files, in shard order, into OUT. Torch-free.
//
//   shard files: <dir>/<stem>.shard-<K>-of-<N><ext> next to OUT = <dir>/<stem><ext>, K zero-padded to the
//   width of N, e.g. preds.shard-03-of-10.csv for preds.csv.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace remap {

struct Shard {
    int index = 1;  // 1..count
    int count = 1;
    bool operator==(const Shard&) const = default;
};

// "K/N" with 1 <= K <= N; throws remap::UsageError otherwise.
Shard parseShard(const std::string& text);
// The rows [first, last) of `total` that shard K of N takes: contiguous blocks in input order, sizes
// differing by at most one, so that the shards in order are the whole list in order.
std::pair<std::size_t, std::size_t> shardRange(std::size_t total, const Shard& shard);
// The shard file of `output` (see above).
std::string shardPath(const std::string& output, const Shard& shard);
// The shard files of `output`, in shard order. Throws remap::Error naming `output` when there are none,
// when they come from splits of different N, or when some of 1..N are missing (listed).
std::vector<std::string> findShardFiles(const std::string& output);

// For the commands: keeps the inputs of shard `spec` ("K/N"; empty = all of them) and returns the file
// to write, OUT's shard file (or `output` itself without a shard). UsageError for a bad spec, or a
// shard without an output.
template <class T>
std::string applyShard(std::vector<T>& inputs, const std::string& spec, const std::string& output);

// Joins the shard files of `output` into `output` (written atomically; the shards are kept), by the
// format of its extension: CSV (identical headers; rows concatenated), HDF5 (/predictions and
// /posteriors as written by writePredictions, datasets concatenated along their rows, bin centres and
// the model name required equal), FITS (table PREDICTIONS, columns concatenated, MODEL and the bin
// keywords required equal). Returns the number of rows. Throws remap::Error naming the shard that
// does not fit.
std::size_t mergeShards(const std::string& output);

void requireShardOutput(const std::string& output);

template <class T>
std::string applyShard(std::vector<T>& inputs, const std::string& spec, const std::string& output)
{
    if (spec.empty()) return output;
    requireShardOutput(output);
    const Shard shard = parseShard(spec);
    const auto [first, last] = shardRange(inputs.size(), shard);
    inputs = std::vector<T>(inputs.begin() + static_cast<std::ptrdiff_t>(first),
                            inputs.begin() + static_cast<std::ptrdiff_t>(last));
    return shardPath(output, shard);
}

}  // namespace remap
