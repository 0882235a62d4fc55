#pragma once

// HDF5 training sets: one file holds N spectra prepared onto one model grid of P pixels, with
// their labels. Layout (schema 1, documented in docs/formats.md "HDF5 training sets"):
//   /flux, /ivar    float32 [N, P]  chunked (chunkRows x P), deflate 4 + shuffle
//   /mask           uint8   [N, P]  1 = bad pixel
//   /labels         float64 [N, 4]  teff, logg, feh, alpha (attribute `columns`); NaN = unknown
//   /snr, /rv       float64 [N]
//   /source         UTF-8 strings [N] (fixed length here; readers accept variable length too)
//   /interpolated   uint8   [N]     1 = made by grid interpolation
//   /wavelength     float64 [P]     the model grid (Angstrom, in the spec's medium)
//   /photometry     float64 [N, 8]  optional: phot_g_mean_mag, bp_rp, parallax, parallax_error, j_m, h_m,
//                                   ks_m, ebv (attribute `columns`; base/Photometry.h); NaN = missing
//   root attributes remap_schema (=1), kind, preprocess_spec (JSON), provenance (JSON),
//                   inputs_digest, rows_complete
// The classes keep hdf5.h out of this header. Neither is thread-safe: use one object per thread
// and never two threads at once (serial HDF5).

#include "base/Photometry.h"
#include "prep/PreprocessSpec.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace remap {

inline constexpr int kTrainingSetSchema = 1;

// Columns of /labels.
enum LabelColumn : std::size_t { kLabelTeff = 0, kLabelLogg = 1, kLabelFeh = 2, kLabelAlpha = 3 };
inline constexpr std::size_t kLabelCount = 4;
using LabelRow = std::array<double, kLabelCount>;
inline constexpr double kUnknownLabel = std::numeric_limits<double>::quiet_NaN();
// Names in /labels' `columns` attribute, in column order.
const std::array<std::string, kLabelCount>& labelColumnNames();

// Columns of /photometry, in kPhotometryNames order; NaN = missing.
using PhotometryRow = std::array<double, kPhotometryCount>;
PhotometryRow missingPhotometry();

enum class DatasetKind { PhoenixGrid, Observed };
std::string toString(DatasetKind kind);  // "phoenix-grid" | "observed"
// Throws remap::Error for anything else.
DatasetKind parseDatasetKind(const std::string& text);

// One prepared spectrum as the file stores it.
struct TrainingRow {
    std::vector<float> flux;
    std::vector<float> ivar;
    std::vector<std::uint8_t> mask;
    LabelRow labels{kUnknownLabel, kUnknownLabel, kUnknownLabel, kUnknownLabel};
    double snr = kUnknownLabel;
    double rv = kUnknownLabel;  // km/s
    std::string source;
    bool interpolated = false;
    PhotometryRow photometry = missingPhotometry();  // written only to files whose header has photometry
};

// Consecutive rows, row-major: flux[r * pixels + p].
struct TrainingBatch {
    std::size_t pixels = 0;
    std::vector<float> flux;
    std::vector<float> ivar;
    std::vector<std::uint8_t> mask;
    std::vector<LabelRow> labels;
    std::vector<double> snr;
    std::vector<double> rv;
    std::vector<std::string> source;
    std::vector<std::uint8_t> interpolated;
    std::vector<PhotometryRow> photometry;

    explicit TrainingBatch(std::size_t pixelCount = 0) : pixels(pixelCount) {}
    std::size_t size() const { return labels.size(); }
    bool empty() const { return labels.empty(); }
    void clear();
    // Throws remap::Error if the row's arrays do not have `pixels` elements.
    void append(const TrainingRow& row);
    TrainingRow row(std::size_t index) const;
};

// What a file says about itself besides its rows.
struct TrainingSetHeader {
    DatasetKind kind = DatasetKind::PhoenixGrid;
    nlohmann::json preprocessSpec = nlohmann::json::object();  // PreprocessSpec::toJson()
    nlohmann::json provenance = nlohmann::json::object();      // command, inputs, time, version, filters
    std::vector<double> wavelength;                            // the model grid, P values
    std::string inputsDigest;  // identifies spec + inputs + options; resuming needs it to match
    // Longest /source name in bytes a new file must hold (0: kDefaultSourceLength).
    std::size_t sourceLength = 0;
    bool photometry =
        false;  // the file has /photometry (optional within schema 1; readers of files without it see NaN)
};
inline constexpr std::size_t kDefaultSourceLength = 255;

// Creates a file and appends rows batch by batch. Every append() extends all datasets, writes,
// updates rows_complete and flushes, so a file whose writer was interrupted keeps its finished rows.
class TrainingSetWriter {
public:
    static constexpr std::size_t kDefaultChunkRows = 64;

    // Creates `path` (replacing any file there) with zero rows.
    static TrainingSetWriter create(const std::string& path, const TrainingSetHeader& header,
                                    std::size_t chunkRows = kDefaultChunkRows);
    // Opens an existing (possibly unfinished) file to append to it. Validates it like
    // TrainingSetReader; datasets longer than rows_complete (an interrupted append) are cut back,
    // and the last complete row is read back (a chunk damaged by a killed process throws).
    static TrainingSetWriter openForAppend(const std::string& path);

    TrainingSetWriter(TrainingSetWriter&&) noexcept;
    TrainingSetWriter& operator=(TrainingSetWriter&&) noexcept;
    ~TrainingSetWriter();

    const std::string& path() const;
    const TrainingSetHeader& header() const;
    std::size_t rows() const;
    std::size_t pixels() const;
    // Rows per chunk of /flux. Appends that end on a chunk boundary never rewrite a chunk
    // already on disk, which keeps finished rows safe when a process is killed mid-append.
    std::size_t chunkRows() const;

    void append(const TrainingBatch& batch);
    // Reads rows already written (for grid interpolation after the grid rows are in).
    TrainingBatch read(std::size_t first, std::size_t count) const;
    std::vector<std::string> sources() const;
    std::vector<std::uint8_t> interpolated() const;
    // Replaces the provenance attribute (the builder adds the finish time).
    void setProvenance(const nlohmann::json& provenance);
    // Flushes and closes; throws if HDF5 reports a failure. The destructor closes silently.
    void close();

private:
    struct Impl;
    explicit TrainingSetWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Opens a training set read-only and validates the schema: version, every dataset present with
// the right type and shape. Any problem (wrong version, missing dataset, mismatched shapes,
// truncated or corrupt file, not HDF5 at all) throws remap::Error naming the file and the problem.
class TrainingSetReader {
public:
    explicit TrainingSetReader(const std::string& path);
    TrainingSetReader(TrainingSetReader&&) noexcept;
    TrainingSetReader& operator=(TrainingSetReader&&) noexcept;
    ~TrainingSetReader();

    const std::string& path() const;
    std::size_t rows() const;
    std::size_t pixels() const;
    int schemaVersion() const;
    DatasetKind kind() const;
    const TrainingSetHeader& header() const;
    const std::vector<double>& wavelength() const;
    const nlohmann::json& provenance() const;
    // The spec the rows were prepared with (PreprocessSpec::fromJson of the attribute).
    PreprocessSpec preprocessSpec() const;

    // Rows [first, first + count); throws remap::Error if the range is outside the file.
    TrainingBatch read(std::size_t first, std::size_t count) const;
    // Whole columns.
    std::vector<LabelRow> labels() const;
    std::vector<double> snr() const;
    std::vector<double> rv() const;
    std::vector<std::string> sources() const;
    std::vector<std::uint8_t> interpolated() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace remap
