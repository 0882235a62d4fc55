#pragma once

#include "base/Progress.h"
#include "data/TrainingSet.h"
#include "prep/PreprocessSpec.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace remap {

// Closed interval of one label.
struct LabelRange {
    double min = 0.0;
    double max = 0.0;
    bool contains(double value) const;
};
// Parses "a:b" (either side may be negative, e.g. "-2.5:0.5"); throws remap::UsageError.
LabelRange parseLabelRange(const std::string& text, const std::string& what);

// Which PHOENIX models a build takes. The default is the FGK range of the REMAP paper.
struct LabelFilter {
    LabelRange teff{3500.0, 7000.0};
    LabelRange logg{0.0, 5.5};
    LabelRange feh{-2.5, 0.5};
    // A row passes when Teff, log g and [Fe/H] are known and inside the ranges.
    bool accepts(const LabelRow& labels) const;
    nlohmann::json toJson() const;
};

// One spectrum to prepare: where it is, the name /source records, its labels (NaN = unknown).
struct DatasetInput {
    std::string path;
    std::string source;
    LabelRow labels{kUnknownLabel, kUnknownLabel, kUnknownLabel, kUnknownLabel};
};

struct InputFailure {
    std::string source;
    std::string reason;
};

// True for PHOENIX-ACES-AGSS-COND-2011 HiRes flux file names (lte...-HiRes.fits).
bool isPhoenixHiResName(const std::string& fileName);

struct PhoenixScan {
    std::size_t found = 0;               // HiRes files seen
    std::vector<DatasetInput> selected;  // those passing the filter, sorted by relative path
    std::vector<InputFailure> failures;  // files whose header could not be read
};
// Walks `dir` recursively for PHOENIX HiRes files (by name) and reads Teff, log g, [M/H] and
// [alpha/M] from their headers (PHXTEFF, PHXLOGG, PHXM_H, PHXALPHA). Sources are paths relative
// to `dir`. Throws remap::Error if `dir` is not a folder.
PhoenixScan scanPhoenixGrid(const std::string& dir, const LabelFilter& filter, ProgressObserver& progress);

// Reads an observed-spectra catalog: CSV with a header line, a `file` column (paths relative to
// the CSV's folder, or absolute) and optional teff, logg, feh, alpha columns (case-insensitive;
// empty, "nan" or "-" = unknown). Other columns are ignored; '#' lines and blank lines skipped.
// Throws remap::Error naming the line for malformed rows.
std::vector<DatasetInput> readObservedCatalog(const std::string& csvPath);

struct DatasetBuildOptions {
    PreprocessSpec spec;
    // Spectrum file used as the cross-correlation template when spec.correctRv is set; empty:
    // no RV correction (right for PHOENIX models, which are at rest).
    std::string rvTemplate;
    LabelFilter filter;           // PHOENIX builds only
    std::size_t interpolate = 0;  // extra grid-interpolated rows (PHOENIX builds only)
    std::uint64_t seed = 1;       // interpolation stream
    unsigned threads = 0;         // preparing threads; 0 = all cores
    // Rows per HDF5 chunk, write and flush (a resumed build keeps the partial file's chunking).
    std::size_t batchRows = TrainingSetWriter::kDefaultChunkRows;
    bool resume = true;          // continue OUT.partial when it matches; false: start over
    bool timestamp = true;       // build time in the provenance attribute
    std::string command;         // for provenance, e.g. the command line
    std::string programVersion;  // for provenance
};

struct DatasetBuildReport {
    std::string output;
    std::size_t rows = 0;              // rows in the finished file
    std::size_t preparedRows = 0;      // rows from input files
    std::size_t interpolatedRows = 0;  // rows from grid interpolation
    std::size_t resumedRows = 0;       // rows found in OUT.partial and kept
    std::size_t inputs = 0;            // inputs selected
    std::size_t found = 0;             // PHOENIX files seen before filtering
    std::vector<InputFailure> failures;
    std::vector<std::string> notes;  // e.g. why a partial build was not resumed
};

// The file a build writes into until it finishes: OUT + ".partial".
std::string partialPathFor(const std::string& outPath);

// Prepares every input with Preprocessor on `threads` workers (HDF5 is written from the calling
// thread only; rows keep the input order), skips and reports inputs that fail, appends
// `interpolate` grid-interpolated rows, then renames OUT.partial to OUT. Interrupted builds
// (remap::Cancelled from `progress`, or a killed process) keep their finished batches in
// OUT.partial; running the same build again continues from them when spec, inputs and options
// match. Throws remap::Error if nothing could be prepared.
DatasetBuildReport buildTrainingSet(DatasetKind kind, const std::vector<DatasetInput>& inputs,
                                    const std::string& outPath, const DatasetBuildOptions& options,
                                    const nlohmann::json& inputsDescription, ProgressObserver& progress);

// `remap dataset build --phoenix DIR`: scan, filter, build.
DatasetBuildReport buildPhoenixTrainingSet(const std::string& phoenixDir, const std::string& outPath,
                                           const DatasetBuildOptions& options, ProgressObserver& progress);

// `remap dataset build --observed CATALOG.csv`.
DatasetBuildReport buildObservedTrainingSet(const std::string& catalogPath, const std::string& outPath,
                                            const DatasetBuildOptions& options, ProgressObserver& progress);

// Count, label ranges and histograms, S/N range, spec, kind and provenance of a training set
// (what `remap dataset info` shows). Reads only the small columns.
nlohmann::json summarizeTrainingSet(const TrainingSetReader& reader, std::size_t histogramBins = 10);

}  // namespace remap
